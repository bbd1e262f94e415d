#!/usr/bin/env python3
"""Issue 13's GPU checks, against a running `auris serve` (check-cuda.sh step 6).

1. The breakdown of GET /api/system/memory adds up: on a GPU the parts (weights, jobs,
   workspace, cached, CUDA context, other processes) come within 1 % of NVML's used bytes
   (|unaccounted_bytes| <= 1 % of total_bytes); on the CPU they equal reserved exactly.
2. Unload leaves nothing behind: N load/unload_and_clear cycles; after each, allocated and
   reserved on the device are 0, and the device's used memory (nvidia-smi on a GPU, the server's
   RSS on the CPU) stays within a few MiB of its level before the first load, with no drift.

    memory-foresight.py --port 18431 --device cuda:0 --pid PID [--cycles 200] [--seconds 90]
"""
import argparse
import json
import subprocess
import sys
import time
import urllib.request


def call(port, method, path):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method)
    with urllib.request.urlopen(request, timeout=120) as reply:
        return json.loads(reply.read())


def used_mib(device, pid):
    if device.startswith("cuda"):
        out = subprocess.run(["nvidia-smi", "--query-gpu=memory.used", "--format=csv,noheader,nounits",
                              "-i", device.split(":")[1]], capture_output=True, text=True, check=True)
        return float(out.stdout.strip())
    with open(f"/proc/{pid}/status") as status:   # the CPU dry run: the server's resident memory
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024


def device_report(memory, device):
    return next(d for d in memory["devices"] if d["device"] == device)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--device", required=True)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--model", default="whisper-tiny.en")
    parser.add_argument("--cycles", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=90, help="stop the cycles after this long")
    arguments = parser.parse_args()
    failures = []

    # 1. The breakdown, with a model resident.
    call(arguments.port, "POST", f"/api/models/{arguments.model}/load?device={arguments.device}")
    memory = call(arguments.port, "GET", "/api/system/memory")
    breakdown = next((b for b in memory.get("breakdown", []) if b["device"] == arguments.device), None)
    if breakdown is None:
        failures.append("no breakdown for the device")
    else:
        parts = ", ".join(f'{p["kind"]}{"(" + p["model"] + ")" if p.get("model") else ""} {p["bytes"] / 2**20:.1f} MiB'
                          for p in breakdown["parts"])
        total, unaccounted = breakdown["total_bytes"], breakdown["unaccounted_bytes"]
        share = abs(unaccounted) / total if total else 0
        print(f"breakdown on {arguments.device}: {parts}; total {total / 2**20:.1f} MiB, "
              f"unaccounted {unaccounted / 2**20:+.1f} MiB ({share:.2%} of total)")
        limit = 0.01 if arguments.device.startswith("cuda") else 0
        if share > limit:
            failures.append(f"the breakdown misses {share:.2%} of the device's used bytes (limit {limit:.0%})")

    # 2. Load/unload cycles.
    call(arguments.port, "POST", "/api/system/unload_and_clear")
    baseline = used_mib(arguments.device, arguments.pid)
    readings, started = [], time.monotonic()
    for cycle in range(arguments.cycles):
        call(arguments.port, "POST", f"/api/models/{arguments.model}/load?device={arguments.device}")
        result = call(arguments.port, "POST", "/api/system/unload_and_clear")
        after = next(r["after"] for r in result["devices"] if r["device"] == arguments.device)
        if after["allocated_bytes"] or after["reserved_bytes"]:
            failures.append(f"cycle {cycle + 1}: allocated {after['allocated_bytes']}, reserved {after['reserved_bytes']} after unload and clear")
            break
        readings.append(used_mib(arguments.device, arguments.pid))
        if time.monotonic() - started > arguments.seconds:
            break
    if readings:
        tenth = max(1, len(readings) // 10)
        early, late = sum(readings[:tenth]) / tenth, sum(readings[-tenth:]) / tenth
        print(f"{len(readings)} load/unload cycles in {time.monotonic() - started:.1f} s: used before the first load "
              f"{baseline:.1f} MiB, after the last {readings[-1]:.1f} MiB ({readings[-1] - baseline:+.1f}); "
              f"drift first tenth -> last tenth {late - early:+.1f} MiB")
        if readings[-1] - baseline > 8:
            failures.append(f"used memory stays {readings[-1] - baseline:.1f} MiB above its level before the first load")
        if late - early > 2:
            failures.append(f"used memory drifts {late - early:.1f} MiB over the cycles")
    for failure in failures:
        print("FAILED:", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
