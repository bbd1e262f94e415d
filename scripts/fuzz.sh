#!/usr/bin/env bash
# Fuzzes every parser of untrusted bytes with libFuzzer (docs/reliability.md): builds AurisFuzz
# with -sanitize=fuzzer,address into .build-fuzz, writes the seeds, runs each target for
# SECONDS (default 60), and prints one line per target: executions, speed, corpus, and whether it
# found anything (linked with lld: gold fails on ASan objects). A crash, leak or timeout leaves its input in .build-fuzz/artifacts/ and fails.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]      make fuzz FUZZ_SECONDS=600
#   FUZZ_RUNS=1000000 scripts/fuzz.sh 3600     stop each target after 10⁶ inputs (or the time)
#   scripts/fuzz.sh --replay                   make test: every seed and every saved finding
#                                              (Fuzz/regressions/TARGET/) through the normal build
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
all=(audio model-file config vocabulary tokenizer cron alloc-conf policies multipart)
if [ "${1:-}" = "--replay" ]; then
  replayer=.build/release/AurisFuzz
  seeds=$(mktemp -d); trap 'rm -rf "$seeds"' EXIT
  "$replayer" seeds "$seeds" || exit 1
  for target in "${all[@]}"; do
    inputs=(); for folder in "$seeds/$target" "Fuzz/regressions/$target"; do [ -d "$folder" ] && inputs+=("$folder"); done
    [ ${#inputs[@]} -gt 0 ] && { AURIS_FUZZ_TARGET=$target "$replayer" "$target" "${inputs[@]}" || exit 1; }
  done
  exit 0
fi
seconds=${1:-60}; shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all[@]}")
scratch=.build-fuzz
swift build -c release --product AurisFuzz --scratch-path "$scratch" \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -enable-testing -Xswiftc -use-ld=lld >"$scratch.log" 2>&1 \
  || { tail -30 "$scratch.log"; echo "fuzz: the build failed (whole log: $scratch.log)"; exit 1; }
fuzzer="$scratch/release/AurisFuzz"
seeds="$scratch/seeds"; corpus="$scratch/corpus"; artifacts="$scratch/artifacts"
rm -rf "$seeds"; mkdir -p "$corpus" "$artifacts" "$seeds/audio"
# The seeds: AurisFuzz writes all but audio; audio is the golden clips' first 0.1 s in each
# container libsndfile reads.
"$fuzzer" seeds "$seeds" || { echo "fuzz: writing the seeds failed"; exit 1; }
for clip in Tests/WhisperTests/Golden/clips/en-us_hello.wav Tests/WhisperTests/Golden/clips/en-us_numbers.wav; do
  name=$(basename "$clip" .wav)
  for extension in wav flac ogg aiff au; do sox "$clip" "$seeds/audio/$name.$extension" trim 0 0.1; done
done
# The audio, vocabulary and tokenizer targets write each input to a file (libsndfile and the
# loaders read paths): in memory where the machine has it, which makes them several times faster.
[ -z "${TMPDIR:-}" ] && [ -w /dev/shm ] && export TMPDIR=/dev/shm
failed=()
printf '%-11s %12s %10s %8s  %s\n' target executions "per s" corpus result
for target in "${targets[@]}"; do
  mkdir -p "$corpus/$target"
  log="$scratch/$target.log"
  saved=(); [ -d "Fuzz/regressions/$target" ] && saved=("Fuzz/regressions/$target")
  LSAN_OPTIONS=suppressions=Fuzz/lsan-suppressions.txt AURIS_FUZZ_TARGET=$target "$fuzzer" "$corpus/$target" "$seeds/$target" "${saved[@]}" \
    -max_total_time="$seconds" -runs="${FUZZ_RUNS:--1}" -timeout=10 -rss_limit_mb=4096 -max_len=65536 -print_final_stats=1 \
    -artifact_prefix="$artifacts/$target-" >"$log" 2>&1
  status=$?
  runs=$(awk '/stat::number_of_executed_units:/ {print $2}' "$log")
  speed=$(awk '/stat::average_exec_per_sec:/ {print $2}' "$log")
  units=$(ls "$corpus/$target" | wc -l)
  if [ $status -eq 0 ]; then result=ok; else result="FOUND (see $log, $artifacts/$target-*)"; failed+=("$target"); fi
  printf '%-11s %12s %10s %8s  %s\n' "$target" "${runs:-?}" "${speed:-?}" "$units" "$result"
done
if [ ${#failed[@]} -eq 0 ]; then echo "fuzz: ${#targets[@]} targets, ${seconds} s each, nothing found"; else echo "fuzz: found something in ${failed[*]}"; exit 1; fi
