#!/usr/bin/env bash
# Test: `kill -9` loses nothing. A finished result and a batch of queued jobs are in the store;
# the server is killed while a job runs; the restarted server still has the result, puts the
# interrupted job back in the queue (and says so in the audit log), and finishes the batch.
# Prints `restart: N passed, N failed`.
set -uo pipefail
auris="$(realpath "$1")"
root="$(cd "$(dirname "$0")/.." && pwd)"
clips="$root/Tests/WhisperTests/Golden/clips"
port=19$((RANDOM % 900 + 100)); base="http://127.0.0.1:$port"
work=$(mktemp -d); server=""; passed=0; failed=0
cleanup() { [ -n "$server" ] && kill -9 "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

start_server() {
  "$auris" serve --port "$port" --models-dir "$root/models" --data-dir "$work/data" --threads 2 >> "$work/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do curl -s -o /dev/null "$base/health" && return 0; sleep 0.1; done
  echo "restart: the server did not start:" >&2; cat "$work/server.log" >&2; exit 1
}
check() {  # NAME CONDITION-EXIT-STATUS
  if [ "$2" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL $1" >&2; fi
}
json() { python3 -c "import json, sys; d = json.load(sys.stdin); print($1)"; }
sql() { python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$work/data/auris.sqlite" "$1"; }

start_server
done_id=$(curl -s --data-binary @"$clips/en-us_hello.wav" "$base/api/transcriptions" | json 'd["id"]')
batch=$(curl -s -F "files=@$clips/en-mixed_story_32s.wav" -F "files=@$clips/en-us_hello.wav" -F "files=@$clips/en-us_numbers.wav" \
  "$base/api/batches" | json 'd["id"]')
for _ in $(seq 1 300); do
  [ "$(curl -s "$base/api/batches/$batch" | json 'd["state"]')" = running ] && break; sleep 0.1
done
kill -9 "$server"; wait "$server" 2>/dev/null; server=""
check "the killed server left the story running" $([ "$(sql "SELECT state FROM job WHERE file_name = 'en-mixed_story_32s.wav'")" = running ]; echo $?)
check "the other files were still queued" $([ "$(sql "SELECT count(*) FROM job WHERE state = 'queued'")" = 2 ]; echo $?)

start_server
text=$(curl -s "$base/api/history/$done_id" | json 'd["transcript"]["text"]')
check "the result finished before the kill is kept" $([ "$text" = " The law and welcome to the Oris speech recognition test." ]; echo $?)
state=""
for _ in $(seq 1 600); do
  state=$(curl -s "$base/api/batches/$batch" | json 'd["state"]'); [ "$state" = done ] && break; sleep 0.2
done
check "the batch finished after the restart (state: $state)" $([ "$state" = done ]; echo $?)
check "the interrupted job ran again" $([ "$(sql "SELECT attempts FROM job WHERE file_name = 'en-mixed_story_32s.wav'")" = 2 ]; echo $?)
check "the recovery is in the audit log" $([ "$(sql "SELECT count(*) FROM audit WHERE action = 'job.recovered'")" = 1 ]; echo $?)
# SIGTERM while a job runs and a request waits behind it: the request is answered (503), the
# running job is re-queued, and the server exits cleanly without waiting for either.
story="$clips/en-mixed_story_32s.wav"
sox "$story" "$story" "$story" "$story" "$story" "$work/long.wav"  # 160 s: still running at the SIGTERM
second=$(curl -s -F "files=@$work/long.wav" "$base/api/batches" | json 'd["id"]')
for _ in $(seq 1 300); do
  [ "$(curl -s "$base/api/batches/$second" | json 'd["state"]')" = running ] && break; sleep 0.1
done
curl -s -o "$work/waiting.json" -w '%{http_code}' --data-binary @"$clips/en-us_hello.wav" "$base/api/transcriptions" > "$work/waiting.status" &
waiter=$!
curl -s -N -o /dev/null "$base/api/system/events" &  # an open events stream must not hold the stop either
listener=$!
sleep 0.5
started=$(date +%s)
kill "$server"; wait "$server"; status=$?; server=""
wait "$waiter"; wait "$listener"
check "SIGTERM stops the server cleanly (status $status) and promptly ($(( $(date +%s) - started )) s)" \
  $([ "$status" -eq 0 ] && [ $(( $(date +%s) - started )) -le 10 ]; echo $?)
check "the waiting request was answered: $(cat "$work/waiting.status") $(cat "$work/waiting.json")" \
  $([ "$(cat "$work/waiting.status")" = 503 ] && grep -q shutting_down "$work/waiting.json"; echo $?)
check "the running job went back to the queue" $([ "$(sql "SELECT state FROM job WHERE batch_id = '$second'")" = queued ]; echo $?)
check "the stop is audited with the models unloaded" $([ "$(sql "SELECT count(*) FROM audit WHERE action = 'server.stop' AND detail LIKE 'unloaded [whisper-tiny.en]%'")" = 1 ]; echo $?)

echo "restart: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
