#!/usr/bin/env python3
"""Test: unloading leaves nothing behind (issue 13, item 6). Starts `auris serve` on the CPU,
then CYCLES times loads the default model, unloads it and clears the cache, and checks:

- after every unload and clear, the allocator holds 0 bytes allocated and 0 reserved;
- the server's RSS after the last cycle is within 8 MiB of its level before the first load;
- no drift: RSS after the last cycle is within 2 MiB of RSS after cycle 10 (a leak of 10 KiB
  a cycle would show as 2 MiB over 200).

A whole process, not a unit test: Swift's test runner runs tests side by side in one process,
whose RSS no single test owns.

  python3 Benchmarks/Whisper/check_unload.py [CYCLES]      # default 200

Exits non-zero when a bound is broken; prints `unload: N passed, N failed` as its last line."""
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from common import AURIS, ROOT  # noqa: E402

MODEL = "whisper-tiny.en"
ABOVE_START_LIMIT_MIB = 8
DRIFT_LIMIT_MIB = 2
SETTLED_CYCLE = 10


def main():
    cycles = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    port = 19555
    base = f"http://127.0.0.1:{port}"
    failures = []
    with tempfile.TemporaryDirectory() as data:
        server = subprocess.Popen([AURIS, "serve", "--port", str(port), "--models-dir", os.path.join(ROOT, "models"),
                                   "--data-dir", data, "--threads", "2"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            def call(method, path):
                request = urllib.request.Request(base + path, method=method, data=b"" if method == "POST" else None)
                with urllib.request.urlopen(request) as reply:
                    return json.load(reply)

            def rss_mib():
                with open(f"/proc/{server.pid}/status") as status:
                    return next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmRSS"))

            for _ in range(100):
                try:
                    urllib.request.urlopen(base + "/health").close()
                    break
                except OSError:
                    time.sleep(0.1)
            time.sleep(1)  # let start-up settle before the baseline
            before = rss_mib()
            print(f"RSS before the first load: {before:.1f} MiB")
            settled = None
            for cycle in range(1, cycles + 1):
                call("POST", f"/api/models/{MODEL}/load")
                call("POST", f"/api/models/{MODEL}/unload")
                clear = call("POST", "/api/system/clear_cache")
                after = next(d for d in clear["devices"] if d["device"] == "cpu")["after"]
                if after["allocated_bytes"] != 0 or after["reserved_bytes"] != 0:
                    failures.append(f"cycle {cycle}: allocated {after['allocated_bytes']} B, reserved {after['reserved_bytes']} B after unload and clear")
                if cycle == SETTLED_CYCLE:
                    settled = rss_mib()
                if cycle in (1, 10, 50, 100, 200) or cycle == cycles:
                    rss = rss_mib()
                    print(f"cycle {cycle}: allocated {after['allocated_bytes']} B, reserved {after['reserved_bytes']} B, "
                          f"RSS {rss:.1f} MiB ({rss - before:+.1f} MiB against before the first load)")
            final = rss_mib()
        finally:
            server.terminate()
            server.wait()
    if final - before > ABOVE_START_LIMIT_MIB:
        failures.append(f"RSS {final - before:+.1f} MiB against before the first load (limit {ABOVE_START_LIMIT_MIB} MiB)")
    if settled is not None:
        print(f"drift from cycle {SETTLED_CYCLE} to cycle {cycles}: {final - settled:+.1f} MiB (limit {DRIFT_LIMIT_MIB} MiB)")
        if final - settled > DRIFT_LIMIT_MIB:
            failures.append(f"RSS drifted {final - settled:+.1f} MiB from cycle {SETTLED_CYCLE} to {cycles}")
    for failure in failures:
        print(f"FAILED: {failure}")
    print(f"unload: {int(not failures)} passed, {int(bool(failures))} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
