#!/usr/bin/env python3
"""The soak: N jobs of mixed lengths and formats through the real server, with cache clears,
model unloads, policy changes, cancellations and bad uploads interleaved.

    python3 scripts/soak.py .build/release/auris [--jobs 100] [--seed 1]

`make test` runs 100 jobs; `make soak JOBS=1000` the long one. Speech is generated (espeak-ng,
sox, ffmpeg from Debian): 1 s to 5 min, as 16 kHz WAV, 48 kHz stereo WAV, FLAC, MP3 and Ogg.
It starts with a warm-up that takes every path once — a 5-minute recording (the working set at
its largest) and 1 s in each format (ffmpeg's first run starts threads that stay) — and the
figures after it are the baseline. Requests ask for `temperature=0,0`: greedy decoding with no
sampled fallback, so the same clip must give the same text every time.

Passes when:
- every job ends with the text its clip and format gave the first time (temperature 0, so the
  engine is deterministic), or, for a cancelled job or a bad upload, with a clear error;
- after every job, allocated memory is back to the resident weights (the breakdown's `jobs` part
  is 0) and nothing is left running;
- reserved memory after the last job is at most 1.2 x reserved after the warm-up;
- the server's RSS after the last job is within 5 % of its RSS after the warm-up;
- no upload, job audio or temporary file is left behind, and no more file descriptors are open
  at the end than at the most during the first half of the jobs (thread pools open their event
  loops lazily, a bounded few; a leak grows with the jobs).
Prints one line per 10 % of the jobs, the figures, and `soak: passed` or what failed.
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

from auris_server import Server

SENTENCES = [
    "The committee will meet again on Thursday to review the budget.",
    "Please send the signed forms to the office before noon.",
    "A light rain fell over the harbour as the ferry left the pier.",
    "Seventeen students passed the examination with distinction this year.",
    "The library opens at nine and closes at six on weekdays.",
    "She measured the temperature every hour and wrote it in a notebook.",
    "Our train was delayed by twenty minutes because of signal repairs.",
    "He planted tomatoes, beans and a row of sunflowers by the fence.",
]
FORMATS = {  # name: (extension, how to make it from a 16 kHz mono WAV)
    "wav16": ("wav", None),
    "wav48": ("wav", ["sox", "{src}", "-r", "48000", "-c", "2", "{dst}"]),
    "flac": ("flac", ["sox", "{src}", "{dst}"]),
    "mp3": ("mp3", ["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", "{src}", "-b:a", "64k", "{dst}"]),
    "ogg": ("ogg", ["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", "{src}", "-c:a", "libvorbis", "{dst}"]),
}
LENGTHS = [(1, 30), (4, 30), (12, 15), (30, 12), (60, 8), (180, 3), (300, 2)]   # seconds, weight


def run(command):
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def make_clips(folder):
    """One 16 kHz mono WAV per length, made from the sentences; then each in every format."""
    sentences = []
    for index, text in enumerate(SENTENCES):
        raw, wav = os.path.join(folder, f"s{index}.raw.wav"), os.path.join(folder, f"s{index}.wav")
        run(["espeak-ng", "-v", "en-us", "-s", "165", "-w", raw, text])
        run(["sox", raw, "-r", "16000", "-c", "1", "-b", "16", wav, "pad", "0", "0.4"])
        sentences.append(wav)
    clips = {}
    for seconds, _ in LENGTHS:
        joined = os.path.join(folder, f"joined-{seconds}.wav")
        pieces, total = [], 0.0
        while total < seconds:
            piece = sentences[len(pieces) % len(sentences)]
            pieces.append(piece)
            total += float(subprocess.run(["soxi", "-D", piece], capture_output=True, text=True).stdout)
        run(["sox", *pieces, joined] if len(pieces) > 1 else ["cp", pieces[0], joined])
        base = os.path.join(folder, f"clip-{seconds}s.wav")
        run(["sox", joined, base, "trim", "0", str(seconds)])
        for name, (extension, recipe) in FORMATS.items():
            target = base if recipe is None else os.path.join(folder, f"clip-{seconds}s-{name}.{extension}")
            if recipe:
                run([part.format(src=base, dst=target) for part in recipe])
            clips[(seconds, name)] = target
    return clips


def leftover_files(server):
    """Uploads, job audio and temporary files still on disk."""
    found = []
    for folder in (os.path.join(server.data_dir, "uploads"), os.path.join(server.data_dir, "jobs"), server.temporary):
        if os.path.isdir(folder):
            found += [os.path.join(folder, name) for name in os.listdir(folder)]
    return found


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("auris")
    parser.add_argument("--jobs", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    arguments = parser.parse_args()
    randomness = random.Random(arguments.seed)
    work = tempfile.mkdtemp(prefix="auris-soak-")
    failures, counts, references = [], {}, {}
    try:
        os.makedirs(os.path.join(work, "clips"))
        clips = make_clips(os.path.join(work, "clips"))
        server = Server(arguments.auris, work, port=19000 + randomness.randint(0, 899))
        started, audio_seconds = time.monotonic(), 0
        warm_up = [(300, "wav16")] + [(1, form) for form in FORMATS]
        plan = warm_up + [
            (randomness.choices([s for s, _ in LENGTHS], [w for _, w in LENGTHS])[0], randomness.choice(list(FORMATS)))
            for _ in range(arguments.jobs)]
        first = None
        for number, (seconds, form) in enumerate(plan, start=1):
            action = "job" if number <= len(warm_up) else randomness.choices(
                ["job", "clear", "unload", "policy", "cancel", "bad"], [80, 5, 4, 4, 5, 2])[0]
            counts[action] = counts.get(action, 0) + 1
            if action == "clear":
                server.call("POST", "/api/system/clear_cache")
            elif action == "unload":
                server.call("POST", "/api/models/whisper-tiny.en/unload")
            elif action == "policy":
                every = randomness.choice([1, 3, 10])
                status, _ = server.call("PUT", "/api/system/policies", json.dumps({"cleanup_every_jobs": every}).encode(),
                                        {"Content-Type": "application/json"})
                if status != 200:
                    failures.append(f"job {number}: the policy change answered {status}")
            if action == "cancel":
                with open(clips[(max(seconds, 30), form)], "rb") as f:
                    status, job = server.call("POST", "/api/transcriptions?wait=false&temperature=0,0", f.read())
                time.sleep(randomness.uniform(0, 0.8))
                status, cancelled = server.call("DELETE", f"/api/jobs/{job['id']}")
                state = (cancelled or {}).get("state")
                if status not in (200, 409) or state not in ("cancelled", "done"):
                    failures.append(f"job {number}: a cancel answered {status}, state {state}")
            elif action == "bad":
                garbage = bytes(randomness.getrandbits(8) for _ in range(randomness.randint(0, 5000)))
                status, answer = server.call("POST", "/api/transcriptions", garbage)
                if status != 400 or "error" not in answer:
                    failures.append(f"job {number}: garbage answered {status}: {str(answer)[:120]}")
            else:
                with open(clips[(seconds, form)], "rb") as f:
                    status, answer = server.call("POST", "/api/transcriptions?temperature=0,0", f.read())
                text = (answer.get("transcript") or {}).get("text") if status == 200 else None
                if text is None:
                    failures.append(f"job {number} ({seconds} s {form}): {status} {str(answer)[:160]}")
                elif references.setdefault((seconds, form), text) != text:
                    failures.append(f"job {number} ({seconds} s {form}): text changed: {text[:80]!r}")
                audio_seconds += seconds if text is not None else 0
            allocated, reserved, jobs = server.memory()
            if jobs:
                failures.append(f"job {number}: {jobs} bytes still held by jobs after it")
            if number == len(warm_up):
                first = {"reserved": reserved, "rss": server.rss_mib(), "fds": server.descriptors()}
            # Descriptors: the most open in the first half is the baseline, and the second half
            # must not add any. Foundation gives each thread that starts a process (ffmpeg) its
            # own event loop (eventpoll, eventfd, timerfd), and jobs run on Dispatch's threads,
            # so a few such triples appear over the first ffmpeg jobs and then no more; a leak
            # keeps growing.
            if len(warm_up) <= number <= len(warm_up) + max(1, arguments.jobs // 2):
                open_now = server.descriptors()
                if len(open_now) > len(first["fds"]):
                    first["fds"] = open_now
            if (number - len(warm_up)) % max(1, arguments.jobs // 10) == 0 or number == len(plan):
                print(f"soak: {number}/{len(plan)} after {time.monotonic() - started:.0f} s; allocated {allocated / 2**20:.1f} MiB, "
                      f"reserved {reserved / 2**20:.1f} MiB, RSS {server.rss_mib():.1f} MiB, fds {len(server.descriptors())}", flush=True)
        time.sleep(0.5)   # the janitor's between-job run
        _, reserved, _ = server.memory()
        rss, descriptors, leftovers = server.rss_mib(), server.descriptors(), leftover_files(server)
        print(f"soak: {len(plan)} steps ({', '.join(f'{k} {v}' for k, v in sorted(counts.items()))}), "
              f"{audio_seconds / 60:.0f} min of audio in {time.monotonic() - started:.0f} s; "
              f"{len(references)} clip/format pairs, each the same text every time")
        print(f"soak: reserved after the warm-up {first['reserved'] / 2**20:.1f} MiB, after the last {reserved / 2**20:.1f} MiB "
              f"(x{reserved / max(first['reserved'], 1):.2f}); RSS {first['rss']:.1f} -> {rss:.1f} MiB "
              f"({(rss / first['rss'] - 1) * 100:+.1f} %); fds {len(first['fds'])} (most in the first half) -> {len(descriptors)}; "
              f"files left {len(leftovers)}")
        if reserved > 1.2 * first["reserved"]:
            failures.append("reserved grew more than 1.2 x")
        if rss > 1.05 * first["rss"]:
            failures.append(f"RSS drifted {(rss / first['rss'] - 1) * 100:.1f} % (limit 5 %)")
        if len(descriptors) > len(first["fds"]):
            added = list(descriptors)
            for kind in first["fds"]:
                if kind in added:
                    added.remove(kind)
            failures.append(f"file descriptors grew from {len(first['fds'])} to {len(descriptors)}: {added}")
        if leftovers:
            failures.append(f"files left behind: {leftovers[:5]}")
        server.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for failure in failures[:30]:
        print("FAIL", failure)
    print("soak: passed" if not failures else f"soak: {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
