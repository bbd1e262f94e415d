#!/usr/bin/env bash
# Smoke test of the built command line: the report runs, its JSON has the promised shape, and a
# bad AURIS_ALLOC_CONF fails with a message that names the variable.
set -euo pipefail
auris="$1"

"$auris" memory >/dev/null
"$auris" memory --json | python3 -c '
import json, sys
report = json.load(sys.stdin)
cpu = report["devices"][0]
assert cpu["device"] == "cpu", cpu
assert cpu["memory"]["total_bytes"] > 0, cpu
assert "allocated_bytes" in cpu["stats"] and "num_alloc_retries" in cpu["stats"], cpu
assert isinstance(report["cuda_available"], bool)
assert report["cuda_available"] or report["cuda_unavailable_reason"], report
'
if AURIS_ALLOC_CONF=max_split_size_mb:abc "$auris" memory 2>/tmp/auris-cli-error.txt; then
  echo "check-cli: a bad AURIS_ALLOC_CONF was accepted" >&2; exit 1
fi
grep -q "AURIS_ALLOC_CONF=max_split_size_mb:abc" /tmp/auris-cli-error.txt || {
  echo "check-cli: the error does not name AURIS_ALLOC_CONF:" >&2; cat /tmp/auris-cli-error.txt >&2; exit 1; }
"$auris" memory self-test --device cpu --sequences 2 | tail -n 1 | grep -q "self-test: 7 passed, 0 failed" || {
  echo "check-cli: auris memory self-test did not pass on the cpu" >&2; exit 1; }
"$auris" backend-check --device cpu | tail -n 1 | grep -q "backend-check: 21 passed, 0 failed" || {
  echo "check-cli: auris backend-check did not pass on the cpu" >&2; exit 1; }
# Asking for a GPU that is not there fails with the reason, before any work.
if ! "$auris" memory --json | python3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)["cuda_available"] else 1)'; then
  if "$auris" transcribe --device cuda:0 "$(dirname "$0")/../Tests/WhisperTests/Golden/clips/en-us_hello.wav" 2>/tmp/auris-cli-error.txt; then
    echo "check-cli: transcribe --device cuda:0 ran without a GPU" >&2; exit 1; fi
  grep -q "cuda:0 does not exist here.*CUDA is not available" /tmp/auris-cli-error.txt || {
    echo "check-cli: the missing GPU is not explained:" >&2; cat /tmp/auris-cli-error.txt >&2; exit 1; }
fi
# Transcription: a golden clip gives faster-whisper's text; bad input fails clearly.
clips="$(dirname "$0")/../Tests/WhisperTests/Golden/clips"
text=$("$auris" transcribe "$clips/en-us_hello.wav" 2>/tmp/auris-cli-summary.txt)
[ "$text" = "The law and welcome to the Oris speech recognition test." ] || {
  echo "check-cli: unexpected transcript: $text" >&2; exit 1; }
grep -q "real time" /tmp/auris-cli-summary.txt || { echo "check-cli: no summary line" >&2; exit 1; }
# --vad: the padded clip's sentence at the recording's time (1.62 s, as faster-whisper's vad_filter).
"$auris" transcribe --vad --format srt "$clips/en-us_padded.wav" 2>/dev/null | grep -q "^00:00:01,620 --> " || {
  echo "check-cli: --vad did not place the padded clip's sentence at 1.62 s" >&2; exit 1; }
if "$auris" transcribe --vad --vad-threshold 2 "$clips/en-us_padded.wav" 2>/tmp/auris-cli-error.txt; then
  echo "check-cli: --vad-threshold 2 was accepted" >&2; exit 1; fi
grep -q "timings" /tmp/auris-cli-summary.txt && { echo "check-cli: timings printed without --timings" >&2; exit 1; }
"$auris" transcribe --timings "$clips/en-us_hello.wav" 2>&1 >/dev/null \
  | grep -Eq "timings: encode 1 window in [0-9.]+ s; decoder [1-9][0-9]* calls: .*wait for the device" || {
  echo "check-cli: --timings does not say where the time went" >&2; exit 1; }
"$auris" transcribe --format srt "$clips/en-us_hello.wav" 2>/dev/null | grep -q -- "00:00:00,000 --> 00:00:03,200" || {
  echo "check-cli: srt output lacks the segment timing" >&2; exit 1; }
printf 'not audio at all\n' > /tmp/auris-cli-garbage.wav
if "$auris" transcribe /tmp/auris-cli-garbage.wav 2>/tmp/auris-cli-error.txt; then
  echo "check-cli: a text file was transcribed" >&2; exit 1; fi
grep -q "auris-cli-garbage.wav" /tmp/auris-cli-error.txt || {
  echo "check-cli: the error does not name the file:" >&2; cat /tmp/auris-cli-error.txt >&2; exit 1; }
# The admin commands against a running server.
root="$(cd "$(dirname "$0")/.." && pwd)"
data=$(mktemp -d)
port=$((19000 + RANDOM % 900))
"$auris" serve --port "$port" --models-dir "$root/models" --data-dir "$data" > "$data/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do curl -s --max-time 2 -o /dev/null "http://127.0.0.1:$port/health" && break; sleep 0.1; done
curl -s --max-time 60 --data-binary @"$clips/en-us_hello.wav" "http://127.0.0.1:$port/api/transcriptions" > /dev/null
"$auris" clear-cache --server "http://127.0.0.1:$port" | grep -q "^cpu: reserved .* → .*released" || {
  echo "check-cli: clear-cache did not report before/after" >&2; exit 1; }
"$auris" memory --server "http://127.0.0.1:$port" | grep -q "allocated 76.00 MiB" || {
  echo "check-cli: memory --server does not show the loaded model's weights" >&2; "$auris" memory --server "http://127.0.0.1:$port" >&2; exit 1; }
"$auris" clear-cache --unload-models --server "http://127.0.0.1:$port" | grep -q "unloaded: whisper-tiny.en" || {
  echo "check-cli: clear-cache --unload-models did not unload" >&2; exit 1; }
if "$auris" clear-cache --server "http://127.0.0.1:1" 2>/dev/null; then
  echo "check-cli: an unreachable server was not an error" >&2; exit 1; fi
echo "check-cli: 12 passed, 0 failed"
exit 0
