#!/usr/bin/env bash
# The CUDA check, on the GPU machine (no Swift there; see scripts/device/README.md). Runs in the
# repository root after stage-model.sh has put the model in place, with device-kit/run carried.
#   1. the allocator conformance suite on cuda:0
#   2. every engine operation on cuda:0 against the CPU
#   3. the golden clips and a long recording on the CPU and on cuda:0: equal transcripts,
#      real-time factor, peak allocated and reserved
#   4. the server on cuda:0 after a batch: clear_cache brings reserved down to allocated, and
#      NVML's device-used figure drops by the released bytes
#   5. PyTorch on the same weights, same GPU, same clips: speed and peak memory against Auris
#   6. (inside 4, while the server is up) the memory breakdown within 1 % of NVML's used bytes,
#      and 200 load/unload cycles: allocated and reserved 0 after each, NVML's used figure flat
# Every step runs even if an earlier one failed; the exit status says whether all passed.
# AURIS_CHECK_DEVICE=cpu runs the same steps on a machine without a GPU, to test this script.
set -uo pipefail
cd "$(dirname "$0")/../.."
kit=/tmp/auris-kit
out=/tmp/auris-check
rm -rf "$out" "$kit/run" && mkdir -p "$out" "$kit/run"
device=${AURIS_CHECK_DEVICE:-cuda:0}
failures=()
step() { echo; echo "=== $1"; }
fail() { echo "FAILED: $1"; failures+=("$1"); }

step "setup"
tar -C "$kit/run" -xzf device-kit/run/run.tar.gz
model="$kit/model/whisper-tiny.en"
[ -f "$model/model.bin" ] || { echo "the model is not staged: run scripts/device/stage-model.sh first"; exit 2; }
auris=("$kit/run/auris")
if ! "${auris[@]}" --help >/dev/null 2>&1; then
  # The machine's glibc or libraries are older than the build machine's: use the bundled ones.
  auris=("$kit/run/lib/ld-linux-x86-64.so.2" --library-path "$kit/run/lib" "$kit/run/auris")
  echo "using the bundled shared libraries"
fi
python=$(for candidate in python3 python; do "$candidate" -c "import torch" 2>/dev/null && { echo "$candidate"; break; }; done)
# NVRTC and cuBLAS from PyTorch's nvidia-* wheels (see Note [CUDA libraries at run time]).
if [ -n "$python" ]; then
  export AURIS_CUDA_LIBRARY_PATH=$("$python" -c '
import glob, site, sys
folders = []
for root in site.getsitepackages() + [site.getusersitepackages()]:
    folders += sorted(glob.glob(root + "/nvidia/*/lib"))
print(":".join(folders))')
fi
echo "python with torch: ${python:-none}; AURIS_CUDA_LIBRARY_PATH=${AURIS_CUDA_LIBRARY_PATH:-unset}"
if command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=name,driver_version,memory.total,memory.used --format=csv
  used_mib() { nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -i "${device#cuda:}"; }
else
  used_mib() { echo 0; }
fi

step "1. allocator conformance suite on $device"
"${auris[@]}" memory self-test --device "$device" --sequences 20 | tail -n 12 || fail "memory self-test"

step "2. engine operations on $device against the CPU"
"${auris[@]}" backend-check --device "$device" || fail "backend-check"
echo "--- with AURIS_CUDA_DECODE_KERNELS=1 (one-launch products and attention for decoding steps)"
AURIS_CUDA_DECODE_KERNELS=1 "${auris[@]}" backend-check --device "$device" || fail "backend-check with the decode kernels"

step "3. golden clips: CPU and $device transcripts"
clips=Tests/WhisperTests/Golden/clips
long="$out/long_5min.wav"
python3 - "$clips" "$long" <<'PY'
import glob, sys, wave
clips, target = sys.argv[1], sys.argv[2]
speech = [p for p in sorted(glob.glob(clips + "/en-*.wav"))]
with wave.open(target, "wb") as out:
    out.setnchannels(1); out.setsampwidth(2); out.setframerate(16000)
    written = 0
    while written < 16000 * 300:
        for path in speech:
            with wave.open(path, "rb") as clip:
                frames = clip.readframes(clip.getnframes())
            out.writeframes(frames); written += len(frames) // 2
PY
inputs=("$clips"/*.wav "$long")
# "kernels": the device again with the decode kernels (AURIS_CUDA_DECODE_KERNELS=1), which stay
# off by default until this check has passed with them on a GPU.
for run in reference:cpu device:"$device" kernels:"$device"; do
  # The first clip twice: the first run pays for loading kernels and cuBLAS's heuristics.
  # float32 on both: a GPU computes in float32 only, the CPU's default is float16.
  AURIS_CUDA_DECODE_KERNELS=$([ "${run%%:*}" = kernels ] && echo 1 || echo 0) "${auris[@]}" transcribe --model "$model" --device "${run#*:}" --compute-type float32 --temperature 0 --no-condition-on-previous-text --timings \
    --output-dir "$out/${run%%:*}" "$clips/en-us_hello.wav" "${inputs[@]}" 2>"$out/${run%%:*}.summary" \
    || { cat "$out/${run%%:*}.summary"; fail "transcribe on ${run#*:}"; }
done
grep -H -A1 "long_5min" "$out"/{reference,device,kernels}.summary | grep timings
if diff -r "$out/reference" "$out/device"; then echo "transcripts: $device equals cpu for ${#inputs[@]} recordings"; else fail "transcripts differ"; fi
if diff -r "$out/reference" "$out/kernels"; then echo "transcripts: $device with the decode kernels equals cpu"; else fail "transcripts with the decode kernels differ"; fi
python3 - "$out" "$device" <<'PY'
import re, sys
for run, device in (("reference", "cpu"), ("device", sys.argv[2]), ("kernels", sys.argv[2] + " with the decode kernels")):
    lines = open(f"{sys.argv[1]}/{run}.summary").read().splitlines()
    runs = [re.search(r"([\d.]+) s of audio in ([\d.]+) s.*peak allocated (.+), peak reserved (.+)$", l) for l in lines]
    runs = [r for r in runs if r][1:]  # without the warm-up
    audio, wall = sum(float(r[1]) for r in runs), sum(float(r[2]) for r in runs)
    longest = max(runs, key=lambda r: float(r[1]))
    print(f"{device}: {audio:.0f} s of audio in {wall:.2f} s = {audio / wall:.0f}x real time; "
          f"long recording {float(longest[1]) / float(longest[2]):.0f}x; peak allocated {longest[3]}, peak reserved {longest[4]}")
    if run != "reference" and not device.startswith("cpu"):
        print("target (>= 300x real time for one stream):", "met" if audio / wall >= 300 else "NOT met")
PY

step "4. clear_cache on $device after a batch, with NVML's figure"
clear_cache_check() {
  local data="$out/data" port=18431 server batch state before_mib after_mib
  "${auris[@]}" serve --device "$device" --port "$port" --data-dir "$data" --models-dir "$kit/model" --keep-alive=-1 \
    >"$out/serve.log" 2>&1 &
  server=$!
  for _ in $(seq 100); do curl -sf "localhost:$port/health" >/dev/null && break; sleep 0.2; done
  curl -sf "localhost:$port/health" >/dev/null || { cat "$out/serve.log"; fail "the server did not start"; return; }
  local files=(); for clip in "$clips"/en-*.wav "$long"; do files+=(-F "files=@$clip"); done
  batch=$(curl -sf "${files[@]}" "localhost:$port/api/batches" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])') \
    || { fail "the batch was refused"; kill "$server"; return; }
  for _ in $(seq 600); do
    state=$(curl -sf "localhost:$port/api/batches/$batch" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')
    case "$state" in done|failed|cancelled) break ;; esac
    sleep 0.5
  done
  echo "batch $batch: $state"
  before_mib=$(used_mib)
  curl -sf -X POST "localhost:$port/api/system/clear_cache" > "$out/clear.json" || fail "clear_cache request"
  sleep 0.5
  after_mib=$(used_mib)
  python3 - "$out/clear.json" "$before_mib" "$after_mib" "$device" <<'PY' || fail "clear_cache did not return reserved memory"
import json, sys
result = json.load(open(sys.argv[1]))
before_mib, after_mib, device = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
reports = [r for r in result["devices"] if r["device"] == device]
for r in reports:
    b, a = r["before"], r["after"]
    print(f'{r["device"]}: allocated {b["allocated_bytes"]} -> {a["allocated_bytes"]}, reserved {b["reserved_bytes"]} -> {a["reserved_bytes"]}, '
          f'released {r["released_bytes"]} B in {r["duration_ns"] / 1e6:.2f} ms')
released = sum(r["released_bytes"] for r in reports)
print(f"NVML device used: {before_mib} MiB -> {after_mib} MiB (dropped {before_mib - after_mib} MiB; released {released / 2**20:.0f} MiB)")
after = reports[0]["after"]
assert after["reserved_bytes"] - after["allocated_bytes"] < 2 * 2**20 + after["allocated_bytes"] * 0.01, "reserved is not near allocated"
assert device == "cpu" or released == 0 or abs((before_mib - after_mib) - released / 2**20) <= max(4, 0.05 * released / 2**20), \
    "NVML's drop differs from the released bytes"
PY
  curl -sf "localhost:$port/api/system/memory" | python3 -c '
import json, sys
for d in json.load(sys.stdin)["devices"]:
    print(d["device"], "allocated", d["allocated_bytes"], "reserved", d["reserved_bytes"], "pinned", d.get("pinned_host_bytes"), "processes", d.get("processes"))'
  echo "--- 6. memory foresight (issue 13): the breakdown adds up to NVML's figure; load/unload cycles leave nothing"
  python3 scripts/device/memory-foresight.py --port "$port" --device "$device" --pid "$server" --cycles 200 --seconds 90 \
    || fail "memory foresight"
  kill -TERM "$server"; wait "$server"
}
clear_cache_check

step "5. PyTorch on the same weights and device"
if [ -n "$python" ]; then
  "$python" Benchmarks/Whisper/torch_peer.py --model "$model" --device "${device%%:*}" "$clips"/*.wav "$long" > "$out/torch.json" || fail "torch peer"
  python3 - "$out" <<'PY'
import json, re, sys
peer = json.load(open(f"{sys.argv[1]}/torch.json"))
print(f'PyTorch {peer["torch"]} on {peer.get("gpu")}: {peer["times_real_time"]:.0f}x real time, '
      f'peak allocated {peer.get("peak_allocated_bytes")} B, peak reserved {peer.get("peak_reserved_bytes")} B')
for run, label in (("device", ""), ("kernels", " with the decode kernels")):
    lines = open(f"{sys.argv[1]}/{run}.summary").read().splitlines()
    runs = [re.search(r"([\d.]+) s of audio in ([\d.]+) s", l) for l in lines]
    runs = [r for r in runs if r][1:]
    auris = sum(float(r[1]) for r in runs) / sum(float(r[2]) for r in runs)
    print(f"Auris{label} / PyTorch speed: {auris / peer['times_real_time']:.2f} (above 1: Auris is faster)")
PY
else
  fail "no python with torch on this machine"
fi

echo
if [ ${#failures[@]} -eq 0 ]; then echo "check-cuda: all steps passed"; else echo "check-cuda: failed: ${failures[*]}"; exit 1; fi
