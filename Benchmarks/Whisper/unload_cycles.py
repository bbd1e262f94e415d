#!/usr/bin/env python3
"""Measures what loading and unloading a model leaves behind in a running server (issue 13,
item 6): starts `auris serve` on the CPU, then CYCLES times loads the default model, unloads it
and clears the cache, printing the allocator's figures after the clear and the server's RSS
against its level before the first load.

  python3 Benchmarks/Whisper/unload_cycles.py [CYCLES]      # default 200

A measurement, not a test: it prints figures and never fails on them."""
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


def main():
    cycles = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    port = 19555
    base = f"http://127.0.0.1:{port}"
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
            for cycle in range(1, cycles + 1):
                call("POST", f"/api/models/{MODEL}/load")
                call("POST", f"/api/models/{MODEL}/unload")
                clear = call("POST", "/api/system/clear_cache")
                if cycle in (1, 10, 50, 100, 200) or cycle == cycles:
                    after = next(d for d in clear["devices"] if d["device"] == "cpu")["after"]
                    rss = rss_mib()
                    print(f"cycle {cycle}: allocated {after['allocated_bytes']} B, reserved {after['reserved_bytes']} B, "
                          f"RSS {rss:.1f} MiB ({rss - before:+.1f} MiB against before the first load)")
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
