#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on loopback, for the tests and the scale-out check; never a mock.
#   scripts/postgres.sh start DIR   initdb into DIR, start on a free port, print the address
#   scripts/postgres.sh stop DIR    stop it and remove DIR
#   scripts/postgres.sh pause DIR S stop it for S seconds, then start it again on the same port
#   scripts/postgres.sh run CMD…    start one, run CMD with AURIS_TEST_DATABASE set, stop it
# Trust authentication on 127.0.0.1 only, fsync off: the data is the test's and dies with it.
# As root (CI), the server runs as the `postgres` user that Debian's package creates.
set -euo pipefail

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$bin" ]; then
  echo "PostgreSQL is not installed: run scripts/install-deps.sh --browser (Debian's postgresql package)" >&2
  exit 1
fi

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
  local dir=$1
  mkdir -p "$dir"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$dir"
    runuser -u postgres -- test -w "$dir" || { echo "$dir: the postgres user cannot reach it (a parent folder is private)" >&2; exit 1; }
  fi
  as_owner "$bin/initdb" -D "$dir/data" -U auris --auth=trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  echo "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories='$dir' -c fsync=off -c synchronous_commit=off -c max_connections=200" \
    > "$dir/options"
  run_server "$dir"
  "$bin/createdb" -h 127.0.0.1 -p "$port" -U auris auris
  echo "postgres://auris@127.0.0.1:$port/auris?sslmode=disable" | tee "$dir/address"
}

run_server() {
  as_owner "$bin/pg_ctl" -D "$1/data" -l "$1/server.log" -w -t 60 start -o "$(cat "$1/options")" >/dev/null \
    || { cat "$1/server.log" >&2; exit 1; }
}

stop() {
  local dir=$1
  [ -d "$dir/data" ] && as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}

case "${1:-}" in
  start) start "$2" ;;
  stop) stop "$2" ;;
  pause)
    as_owner "$bin/pg_ctl" -D "$2/data" -m fast -w stop >/dev/null
    sleep "$3"
    run_server "$2"
    ;;
  run)
    shift
    dir=$(mktemp -d /tmp/auris-postgres.XXXXXX)
    trap 'stop "$dir"' EXIT
    AURIS_TEST_DATABASE=$(start "$dir")
    export AURIS_TEST_DATABASE
    "$@"
    ;;
  *) echo "usage: $0 start DIR | stop DIR | pause DIR SECONDS | run CMD..." >&2; exit 2 ;;
esac
