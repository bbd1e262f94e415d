#!/usr/bin/env python3
"""Load: many clients at once while an operator clears and unloads (docs/reliability.md).

    python3 scripts/check-load.py .build/release/auris [--clients 30] [--seconds 120]

A release server on loopback gets `--clients` synchronous transcriptions, half at once and half
over the next 15 s (the golden clips, round robin, `temperature=0,0` so each clip has one right text), while, every 200 ms,
another client clears the cache or unloads the model, and a third reads `/api/system/memory`
every 50 ms. The run is bounded: every request has a timeout and the whole check `--seconds`.

Passes when:
- every transcription answers 200 with the text its clip has alone, or a clear error (the one
  error shape, not 500); every clear and unload answers 200 or a clear error;
- the queue is fair: jobs start in the order they were queued (one worker, first in first out),
  as the server's job events show;
- the p99 of `/api/system/memory` while inference runs is under 50 ms;
- afterwards no job holds memory and the server answers /health as the same process.
Prints the figures and `load: passed` or what failed.
"""
import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import shutil
import threading
import time
import urllib.request

from auris_server import CLIPS, Server, is_clear_error

failures = []


def check(name, ok, detail=""):
    print(f"{'ok  ' if ok else 'FAIL'} {name}{': ' + str(detail) if detail != '' else ''}", flush=True)
    if not ok:
        failures.append(name)


def text_of(answer):
    return (answer.get("transcript") or {}).get("text") if isinstance(answer, dict) else None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("auris")
    parser.add_argument("--clients", type=int, default=30)
    parser.add_argument("--seconds", type=int, default=180)
    parser.add_argument("--seed", type=int, default=random.randrange(1 << 30))
    arguments = parser.parse_args()
    print(f"load: seed {arguments.seed}")
    randomness = random.Random(arguments.seed)
    clips = sorted(os.path.join(CLIPS, n) for n in os.listdir(CLIPS) if n.startswith("en-") and n.endswith(".wav"))
    work = tempfile.mkdtemp(prefix="auris-load-")
    server = Server(arguments.auris, work, log_name="load.log")
    try:
        expected = {clip: text_of(server.upload(clip, "?temperature=0,0")[1]) for clip in clips}
        check("load: each clip has a text alone", all(expected.values()))
        pid = server.pid
        deadline = time.monotonic() + arguments.seconds
        answers, operator, latencies = [None] * arguments.clients, [], []
        finished = threading.Event()

        def client(index):
            # Half arrive at once; the rest over the next 15 s, so the queue also runs dry now and
            # then and an unload lands between jobs (the next job then loads the model again).
            if index % 2:
                time.sleep(randomness.uniform(0, 15))
            clip = clips[index % len(clips)]
            timeout = max(1, deadline - time.monotonic())
            status, answer = server.upload(clip, "?temperature=0,0", timeout=timeout)
            answers[index] = (clip, status, answer)

        def clear_and_unload():
            turn = 0
            while not finished.is_set() and time.monotonic() < deadline:
                path = "/api/system/clear_cache" if turn % 2 == 0 else "/api/models/whisper-tiny.en/unload"
                operator.append((path, *server.call("POST", path, timeout=10)))
                turn += 1
                time.sleep(0.2)

        def watch_memory():
            while not finished.is_set() and time.monotonic() < deadline:
                begun = time.monotonic()
                status, memory = server.call("GET", "/api/system/memory", timeout=10)
                took = time.monotonic() - begun
                # Only readings taken while a job held memory count: that is the promise.
                if status == 200 and any(p["kind"] == "jobs" and p["bytes"] > 0
                                         for b in memory["breakdown"] for p in b["parts"]):
                    latencies.append(took)
                time.sleep(0.05)

        def listen():
            request = urllib.request.Request(f"http://127.0.0.1:{server.port}/api/system/events")
            with urllib.request.urlopen(request, timeout=arguments.seconds) as stream:
                listening.set()
                name = None
                for line in stream:
                    line = line.decode().strip()
                    if line.startswith("event: "):
                        name = line[7:]
                    elif line.startswith("data: ") and name == "job":
                        event = json.loads(line[6:])
                        events.append((time.monotonic(), event["job"], event["state"]))
                    if finished.is_set():
                        return

        listening, events = threading.Event(), []
        threading.Thread(target=listen, daemon=True).start()
        listening.wait(10)
        helpers = [threading.Thread(target=f, daemon=True) for f in (clear_and_unload, watch_memory)]
        clients = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(arguments.clients)]
        begun = time.monotonic()
        for thread in helpers + clients:
            thread.start()
        for thread in clients:
            thread.join(max(0, deadline - time.monotonic()))
        finished.set()
        for thread in helpers:
            thread.join(15)
        took = time.monotonic() - begun

        missing = [i for i, a in enumerate(answers) if a is None]
        check(f"load: all {arguments.clients} clients answered within {arguments.seconds} s", not missing, f"{len(missing)} did not")
        right = [a for a in answers if a and a[1] == 200 and text_of(a[2]) == expected[a[0]]]
        clear = [a for a in answers if a and is_clear_error(a[1], a[2])]
        wrong = [(os.path.basename(a[0]), a[1], str(a[2])[:160]) for a in answers if a and a not in right and a not in clear]
        check(f"load: every transcription has its clip's text or a clear error ({len(right)} right, {len(clear)} clear errors, in {took:.0f} s)",
              not wrong, wrong[:3])
        odd = [(p, s, str(a)[:120]) for p, s, a in operator if s != 200 and not is_clear_error(s, a)]
        clears = sum(1 for p, *_ in operator if "clear" in p)
        unloaded = sum(1 for p, s, a in operator if "unload" in p and s == 200 and a.get("unloaded_bytes", 0) > 0)
        idle = sum(1 for p, s, a in operator if "unload" in p and s == 200 and a.get("unloaded_bytes", 0) == 0)
        busy = sum(1 for p, s, a in operator if "unload" in p and s == 409)
        check(f"load: every clear ({clears}) and unload ({len(operator) - clears}: {unloaded} unloaded the model, {idle} found it "
              f"unloaded already, {busy} refused with 409 while it transcribed, {len(operator) - clears - unloaded - idle - busy} other "
              "answers) answered 200 or a clear error", not odd, odd[:3])

        # Fairness, from the server's job events: with one worker, jobs start in the order they were
        # queued. Two intakes can publish `queued` a hair out of the store's order, so only a job
        # queued over 50 ms before another and started after it counts as overtaken.
        queued, started = {}, {}
        for at, job, state in events:
            if state == "queued":
                queued.setdefault(job, at)
            elif state == "running":
                started.setdefault(job, at)
        ours = [a[2]["id"] for a in answers if a and a[1] == 200]
        overtaken = [(x, y) for x in ours for y in ours
                     if x in queued and y in queued and queued[x] + 0.05 < queued[y] and started.get(x, 1e18) > started.get(y, 1e18)]
        waits = sorted(started[j] - queued[j] for j in ours if j in queued and j in started)
        check(f"load: jobs start in the order they were queued (longest wait {waits[-1]:.1f} s, median {statistics.median(waits):.1f} s)"
              if waits else "load: jobs start in the order they were queued",
              len(waits) == len(ours) and not overtaken, f"{len(ours) - len(waits)} unseen, overtaken {overtaken[:3]}")

        latencies.sort()
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] if latencies else float("inf")
        check(f"load: /api/system/memory p99 while inference runs under 50 ms ({len(latencies)} readings, "
              f"median {statistics.median(latencies) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms)" if latencies
              else "load: /api/system/memory was read while inference ran", p99 < 0.050)

        time.sleep(0.5)
        _, _, held = server.memory()
        check("load: afterwards no job holds memory", held == 0, held)
        check("load: the server is the same process and answers", server.process.poll() is None and server.pid == pid
              and server.call("GET", "/health")[0] == 200)
    finally:
        server.kill()
        shutil.rmtree(work, ignore_errors=True)
    print("load: passed" if not failures else f"load: {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
