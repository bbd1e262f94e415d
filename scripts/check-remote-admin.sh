#!/usr/bin/env bash
# Test: the admin routes refuse a real non-loopback peer, whatever headers it forges, and accept
# it only with the admin token. The peer is a network namespace this script creates, joined to
# the host by a veth pair on a private /30 that exists only for the test; the server listens on
# the host end. Needs root (CI runs as root) and iproute2; prints `remote-admin: N passed, N failed`.
set -uo pipefail
auris="$(realpath "$1")"
root="$(cd "$(dirname "$0")/.." && pwd)"
namespace="auris-peer-$$"
host_if="aurish$$"; peer_if="aurisp$$"
host_ip=10.213.77.1; peer_ip=10.213.77.2; port=18$((RANDOM % 900 + 100))
passed=0; failed=0; server=""

cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  ip link del "$host_if" 2>/dev/null
  ip netns del "$namespace" 2>/dev/null
  rm -rf "$work"
}
work=$(mktemp -d)
trap cleanup EXIT

if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null || ! ip netns add "$namespace" 2>/dev/null; then
  echo "remote-admin: cannot create a network namespace here (needs root and iproute2)" >&2
  exit 1
fi
ip link add "$host_if" type veth peer name "$peer_if"
ip link set "$peer_if" netns "$namespace"
ip addr add "$host_ip/30" dev "$host_if" && ip link set "$host_if" up
ip netns exec "$namespace" ip addr add "$peer_ip/30" dev "$peer_if"
ip netns exec "$namespace" ip link set "$peer_if" up
ip netns exec "$namespace" ip link set lo up

start_server() {  # $1: admin token or empty
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  AURIS_ADMIN_TOKEN="$1" "$auris" serve --host "$host_ip" --port "$port" --models-dir "$root/models" \
    --data-dir "$work/data" > "$work/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do
    curl -s --max-time 2 -o /dev/null "http://$host_ip:$port/health" && return 0
    sleep 0.1
  done
  echo "remote-admin: the server did not start:" >&2; cat "$work/server.log" >&2; exit 1
}

# expect NAME STATUS CURL-ARGS... : one request from the peer namespace
expect() {
  local name="$1" want="$2"; shift 2
  local got
  got=$(ip netns exec "$namespace" curl -s --max-time 30 -o "$work/body" -w '%{http_code}' "$@")
  if [ "$got" = "$want" ]; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL $name: HTTP $got, expected $want: $(cat "$work/body")" >&2; fi
}

base="http://$host_ip:$port"
start_server ""
expect "remote memory report refused" 403 "$base/api/system/memory"
expect "remote clear_cache refused" 403 -X POST "$base/api/system/clear_cache"
expect "forged X-Forwarded-For changes nothing" 403 -X POST -H "X-Forwarded-For: 127.0.0.1" -H "X-Real-IP: 127.0.0.1" -H "Forwarded: for=127.0.0.1" "$base/api/system/clear_cache"
expect "remote model unload refused" 403 -X POST "$base/api/models/whisper-tiny.en/unload"
expect "remote model list allowed" 200 "$base/api/models"
grep -q '"error"' "$work/body" && { failed=$((failed + 1)); echo "FAIL model list body" >&2; } || true
# audit_count SQL-CONDITION: rows of the server's audit log that match
audit_count() {
  python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM audit WHERE " + sys.argv[2]).fetchone()[0])' \
    "$work/data/auris.sqlite" "$1"
}
expect_audit() {  # NAME WANT CONDITION
  local got; got=$(audit_count "$3")
  if [ "$got" = "$2" ]; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL $1: $got audit entries, expected $2" >&2; fi
}
expect_audit "every refusal is audited, with the peer's address" 4 "action = 'admin.refused' AND actor = '$peer_ip' AND result = 'refused'"
grep -q '"action":"admin.refused"\|action=admin.refused' "$work/server.log" && passed=$((passed + 1)) || {
  failed=$((failed + 1)); echo "FAIL: refusals should be logged as well; log:" >&2; cat "$work/server.log" >&2; }

start_server "test-token-$$"
expect "remote without token refused" 401 -X POST "$base/api/system/clear_cache"
expect "remote with a wrong token refused" 401 -X POST -H "Authorization: Bearer wrong" "$base/api/system/clear_cache"
expect "remote with the token accepted" 200 -X POST -H "Authorization: Bearer test-token-$$" "$base/api/system/clear_cache"
expect_audit "token refusals are audited too" 6 "action = 'admin.refused' AND actor = '$peer_ip'"
expect_audit "the accepted clear is audited with before and after" 1 "action = 'memory.clear_cache' AND actor = '$peer_ip' AND result = 'ok' AND memory_after IS NOT NULL"

echo "remote-admin: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
