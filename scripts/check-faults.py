#!/usr/bin/env python3
"""Faults injected into a real server: a disk that fills up, a store another process has
locked, ffmpeg missing or killed mid-stream, a model file truncated while loaded, and kill -9 or
SIGTERM at random points of a batch (docs/reliability.md, "Faults").

    python3 scripts/check-faults.py .build/release/auris [--kill-points 50] [--only NAME...]

Each fault: the request it spoils gets a clear error (the one error shape, never a 500), nothing
is lost or left behind, memory comes back, and the server answers the next request with the right
result. Prints one line per check and `faults: N passed, N failed`; exits 1 on any failure.
Needs root or unprivileged user namespaces for the full disk (a tmpfs in a mount namespace).
"""
import argparse
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from auris_server import CLIPS, ROOT, Server, is_clear_error  # noqa: E402

HELLO = os.path.join(CLIPS, "en-us_hello.wav")
STORY = os.path.join(CLIPS, "en-mixed_story_32s.wav")
results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(f"{'ok  ' if ok else 'FAIL'} {name}{': ' + str(detail) if detail else ''}", flush=True)


def text_of(answer):
    return (answer.get("transcript") or {}).get("text") if isinstance(answer, dict) else None


def integrity(database, namespace_of=None):
    """SQLite's own check of the store; `namespace_of` a process whose mounts the path is in."""
    if namespace_of is None:
        with sqlite3.connect(database, timeout=30) as connection:
            return connection.execute("PRAGMA integrity_check").fetchone()[0]
    program = "import sqlite3, sys; print(sqlite3.connect(sys.argv[1], timeout=30).execute('PRAGMA integrity_check').fetchone()[0])"
    answer = subprocess.run(["nsenter", "--target", str(namespace_of), "--mount", sys.executable, "-c", program, database],
                            capture_output=True, text=True)
    return answer.stdout.strip() or answer.stderr.strip()


def fill(path):
    """Writes `path` until not even a byte fits."""
    filler = os.open(path, os.O_WRONLY | os.O_CREAT)
    for block in (1 << 20, 4096, 1):
        try:
            while True:
                os.write(filler, b"\0" * block)
        except OSError:
            pass
    os.close(filler)


def full_disk(auris, work, reference):
    """--data-dir and TMPDIR on a 64 MiB tmpfs that a filler file then fills."""
    mount = os.path.join(work, "small-disk")
    os.makedirs(mount)
    wrapper = ["unshare", "--mount", "sh", "-c", f'mount -t tmpfs -o size=64m auris-test "{mount}" && mkdir "{mount}/tmp" && exec "$0" "$@"']
    server = Server(auris, work, wrapper=wrapper, data_dir=os.path.join(mount, "data"), env={"TMPDIR": os.path.join(mount, "tmp")})
    # The tmpfs exists only in the server's mount namespace; /proc/PID/root reaches into it.
    inside = f"/proc/{server.pid}/root{mount}"
    try:
        status, answer = server.upload(HELLO)
        check("full disk: a job before the disk fills", status == 200 and text_of(answer) == reference, f"{status}")
        status, running = server.upload(STORY, "?wait=false")
        fill(os.path.join(inside, "filler"))
        time.sleep(3)   # the story is transcribed meanwhile; its result cannot be saved
        status, job = server.call("GET", f"/api/jobs/{running['id']}")
        check("full disk: a job that finished meanwhile waits to save its result (still running)", job.get("state") == "running",
              job.get("state"))
        status, answer = server.upload(STORY)
        check("full disk: an upload is refused with 507 storage_full", status == 507 and is_clear_error(status, answer)
              and answer["error"]["code"] == "storage_full", f"{status} {answer}")
        status, answer = server.batch([HELLO, STORY])
        check("full disk: a batch is refused with 507", status == 507 and is_clear_error(status, answer), f"{status} {answer}")
        fill(os.path.join(inside, "filler-2"))   # whatever the job freed
        status, answer = server.call("PUT", "/api/system/policies", b'{"cleanup_every_jobs": 3}', {"Content-Type": "application/json"})
        check("full disk: a policy change is refused clearly", is_clear_error(status, answer), f"{status} {answer}")
        status, _ = server.call("GET", "/api/history")
        check("full disk: history still reads", status == 200, status)
        uploads = os.listdir(os.path.join(inside, "data", "uploads")) if os.path.isdir(os.path.join(inside, "data", "uploads")) else []
        check("full disk: no partial upload left behind", uploads == [], uploads)
        os.remove(os.path.join(inside, "filler"))
        os.remove(os.path.join(inside, "filler-2"))
        job = server.wait_for_job(running["id"], timeout=30)
        check("full disk: with room again, its result is saved", job.get("state") == "done" and job.get("text"), job.get("state"))
        check("full disk: the store is intact", integrity(os.path.join(mount, "data", "auris.sqlite"), server.pid) == "ok")
        status, answer = server.upload(HELLO)
        check("full disk: with room again, the next job is right", status == 200 and text_of(answer) == reference, f"{status}")
        check("full disk: the server is still the same process", server.process.poll() is None)
        check("full disk: the store is intact after", integrity(os.path.join(mount, "data", "auris.sqlite"), server.pid) == "ok")
    finally:
        server.kill()


def locked_store(auris, work, reference):
    """Another process holds the store's write lock: for 3 s (requests wait), then past the
    store's 10 s busy timeout (requests get 503 store_busy), and while a job runs."""
    server = Server(auris, work)
    database = os.path.join(server.data_dir, "auris.sqlite")
    try:
        server.upload(HELLO)

        def hold(seconds):
            connection = sqlite3.connect(database, timeout=30, isolation_level=None)
            connection.execute("BEGIN EXCLUSIVE")
            time.sleep(seconds)
            connection.execute("COMMIT")
            connection.close()

        locker = threading.Thread(target=hold, args=(3,))
        locker.start()
        time.sleep(0.3)
        started = time.monotonic()
        status, answer = server.upload(HELLO)
        locker.join()
        check("locked store (3 s): the request waits and succeeds", status == 200 and text_of(answer) == reference,
              f"{status} after {time.monotonic() - started:.1f} s")
        locker = threading.Thread(target=hold, args=(13,))
        locker.start()
        time.sleep(0.3)
        started = time.monotonic()
        status, answer = server.upload(HELLO)
        waited = time.monotonic() - started
        check("locked store (13 s): the request gets 503 store_busy", status == 503 and is_clear_error(status, answer)
              and answer["error"]["code"] == "store_busy", f"{status} {answer} after {waited:.1f} s")
        status, _ = server.call("GET", "/health")
        check("locked store: /health answers meanwhile", status == 200, status)
        locker.join()
        status, job = server.upload(STORY, "?wait=false")
        locker = threading.Thread(target=hold, args=(13,))
        time.sleep(0.5)
        locker.start()
        locker.join()
        job = server.wait_for_job(job["id"])
        check("locked store: a job running through a 13 s lock ends (done or failed, not stuck)",
              job.get("state") in ("done", "failed"), job.get("state"))
        status, answer = server.upload(HELLO)
        check("locked store: after the lock, the next job is right", status == 200 and text_of(answer) == reference, status)
        leftovers = [n for d in ("uploads", "jobs") if os.path.isdir(os.path.join(server.data_dir, d)) for n in os.listdir(os.path.join(server.data_dir, d))]
        check("locked store: no upload or job audio left behind", leftovers == [], leftovers)
        check("locked store: the store is intact", integrity(database) == "ok")
    finally:
        server.kill()


def ffmpeg_faults(auris, work, reference):
    """ffmpeg missing from PATH, then killed while it decodes a long M4A."""
    m4a = os.path.join(work, "hello.m4a")
    long_m4a = os.path.join(work, "long.m4a")
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", HELLO, m4a], check=True)
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-stream_loop", "29", "-i", STORY, long_m4a], check=True)
    bare = os.path.join(work, "bare-bin")   # PATH without ffmpeg
    os.makedirs(bare)
    server = Server(auris, work, env={"PATH": bare}, log_name="no-ffmpeg.log")
    try:
        status, answer = server.upload(m4a)
        check("ffmpeg missing: an M4A (AAC, which only ffmpeg reads) gets 422 bad_audio_ffmpeg_missing", status == 422 and is_clear_error(status, answer)
              and answer["error"]["code"] == "bad_audio_ffmpeg_missing", f"{status} {answer}")
        status, answer = server.upload(HELLO)
        check("ffmpeg missing: a WAV is still transcribed", status == 200 and text_of(answer) == reference, status)
    finally:
        server.kill()
    server = Server(auris, work)
    try:
        status, answer = server.upload(m4a)
        m4a_text = text_of(answer)
        check("ffmpeg: an M4A is transcribed", status == 200 and m4a_text, status)
        status, job = server.upload(long_m4a, "?wait=false")
        # The upload's check runs ffmpeg briefly first; the decoder to kill is one still alive 0.2 s on.
        killed, seen = None, {}
        deadline = time.monotonic() + 60
        while killed is None and time.monotonic() < deadline:
            for child in server.children():
                try:
                    with open(f"/proc/{child}/comm") as f:
                        if f.read().strip() != "ffmpeg":
                            continue
                except OSError:
                    continue
                seen.setdefault(child, time.monotonic())
                if time.monotonic() - seen[child] >= 0.2:
                    os.kill(child, signal.SIGKILL)
                    killed = child
                    break
            time.sleep(0.01)
        job = server.wait_for_job(job["id"])
        error = job.get("error") or {}
        check("ffmpeg killed mid-stream: the job fails with bad_audio_ffmpeg_failed", killed is not None and job.get("state") == "failed"
              and "ffmpeg" in str(error), f"killed {killed}, {job.get('state')} {error}")
        time.sleep(0.3)
        _, _, held = server.memory()
        check("ffmpeg killed: no memory held by jobs after it", held == 0, held)
        zombies = [c for c in server.children() if open(f"/proc/{c}/stat").read().split()[2] == "Z"] if server.children() else []
        check("ffmpeg killed: no zombie child left", zombies == [], zombies)
        status, answer = server.upload(m4a)
        check("ffmpeg killed: the next M4A gives the same text", status == 200 and text_of(answer) == m4a_text, status)
    finally:
        server.kill()


def truncated_model(auris, work, reference):
    """The model's weights file is cut in half while the model is loaded."""
    models = os.path.join(work, "models")
    shutil.copytree(os.path.join(ROOT, "models", "whisper-tiny.en"), os.path.join(models, "copy"))
    weights = os.path.join(models, "copy", "model.bin")
    server = Server(auris, work, arguments=["--models-dir", models, "--model", "copy"], log_name="truncated.log")
    try:
        status, answer = server.upload(HELLO)
        check("truncated model: transcribes before", status == 200 and text_of(answer) == reference, status)
        size = os.path.getsize(weights)
        original = weights + ".whole"
        shutil.copy(weights, original)
        with open(weights, "r+b") as f:
            f.truncate(size // 2)
        status, answer = server.upload(HELLO)
        check("truncated model: the loaded model still transcribes", status == 200 and text_of(answer) == reference, status)
        status, _ = server.call("POST", "/api/models/copy/unload")
        status, answer = server.upload(HELLO)
        check("truncated model: loading it again gets a clear error", is_clear_error(status, answer)
              and answer["error"]["code"] == "model_unreadable", f"{status} {answer}")
        allocated, _, held = server.memory()
        check("truncated model: nothing left allocated by the failed load", allocated == 0 and held == 0, allocated)
        status, _ = server.call("GET", "/api/models")
        check("truncated model: /api/models answers", status == 200, status)
        os.replace(original, weights)
        status, answer = server.upload(HELLO)
        check("truncated model: restored, it transcribes again", status == 200 and text_of(answer) == reference, status)
    finally:
        server.kill()


def kill_points(auris, work, count, randomness):
    """A batch survives `count` kill -9s and SIGTERMs at random moments: every job ends done,
    with the text it has when run alone, and is finished exactly once."""
    clips = sorted(os.path.join(CLIPS, n) for n in os.listdir(CLIPS) if n.startswith("en-") and n.endswith(".wav"))
    server = Server(auris, work, log_name="kills.log")
    expected = {}
    for clip in clips:
        expected[os.path.basename(clip)] = text_of(server.upload(clip)[1])
    status, batch = server.batch(clips * 2)
    batch_id = batch["id"]
    sigterms = 0
    for point in range(count):
        time.sleep(randomness.uniform(0.1, 2.5))
        if randomness.random() < 0.25:
            sigterms += 1
            status = server.stop()
            if status != 0:
                check(f"kill points: SIGTERM {point} exits cleanly", False, status)
        else:
            server.kill()
        server = Server(auris, work, log_name="kills.log")
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        status, state = server.call("GET", f"/api/batches/{batch_id}")
        if state.get("state") in ("done", "failed"):
            break
        time.sleep(0.2)
    jobs = state.get("files") or []
    check(f"kill points: the batch finished after {count} kills ({sigterms} SIGTERM)", state.get("state") == "done",
          f"{state.get('state')}, {len(jobs)} jobs")
    wrong = []
    for job in jobs:
        status, record = server.call("GET", f"/api/history/{job['id']}")
        if text_of(record) != expected.get(record.get("file_name")):
            wrong.append((record.get("file_name"), record.get("state")))
    check("kill points: every job has the text its clip has alone", len(jobs) == 2 * len(clips) and not wrong, wrong[:3])
    with open(server.log_path, errors="replace") as f:
        finished = [re.search(r"\bjob=(\S+)", line).group(1) for line in f
                    if "job finished" in line and "state=done" in line and re.search(r"\bjob=\S+", line)]
    repeated = sorted({j for j in finished if finished.count(j) > 1})
    check("kill points: no job was finished twice", not repeated and len(finished) >= len(jobs), f"{len(finished)} finishes, repeated {repeated[:3]}")
    check("kill points: the store is intact", integrity(os.path.join(server.data_dir, "auris.sqlite")) == "ok")
    server.kill()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("auris")
    parser.add_argument("--kill-points", type=int, default=50)
    parser.add_argument("--seed", type=int, default=int(os.environ.get("AURIS_FAULT_SEED", random.randrange(1 << 30))))
    parser.add_argument("--only", nargs="*")
    arguments = parser.parse_args()
    print(f"faults: seed {arguments.seed}")
    work = tempfile.mkdtemp(prefix="auris-faults-")
    try:
        reference_server = Server(arguments.auris, os.path.join(work, "reference"))
        reference = text_of(reference_server.upload(HELLO)[1])
        reference_server.kill()
        scenarios = {
            "full-disk": lambda: full_disk(arguments.auris, os.path.join(work, "full-disk"), reference),
            "locked-store": lambda: locked_store(arguments.auris, os.path.join(work, "locked-store"), reference),
            "ffmpeg": lambda: ffmpeg_faults(arguments.auris, os.path.join(work, "ffmpeg"), reference),
            "truncated-model": lambda: truncated_model(arguments.auris, os.path.join(work, "truncated-model"), reference),
            "kill-points": lambda: kill_points(arguments.auris, os.path.join(work, "kill-points"), arguments.kill_points,
                                               random.Random(arguments.seed)),
        }
        for name, scenario in scenarios.items():
            if arguments.only and name not in arguments.only:
                continue
            os.makedirs(os.path.join(work, name), exist_ok=True)
            started = time.monotonic()
            scenario()
            print(f"faults: {name} took {time.monotonic() - started:.0f} s", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    failed = results.count(False)
    print(f"faults: {results.count(True)} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
