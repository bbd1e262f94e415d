#!/usr/bin/env python3
"""What a hostile or careless client does over a real socket, against the release server.

The rows docs/reliability.md lists with this command: each needs a socket the in-process tests
do not have (a lying Content-Length, a client that hangs up, wall-clock bounds).

    python3 scripts/check-hostile.py .build/release/auris

Prints one line per check and `hostile: N passed, N failed`; exits 1 on any failure.
"""
import json
import os
import random
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLIPS = os.path.join(ROOT, "Tests", "WhisperTests", "Golden", "clips")
PORT = 19000 + random.randint(0, 899)
BASE = f"http://127.0.0.1:{PORT}"
results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(f"{'ok  ' if ok else 'FAIL'} {name}{': ' + detail if detail else ''}", flush=True)


def http(method, path, body=None, headers=None, timeout=600):
    request = urllib.request.Request(BASE + path, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            return reply.status, _json(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, _json(error.read())


def _json(data):
    try:
        return json.loads(data)
    except ValueError:
        return {"text": data.decode(errors="replace")}


def raw(head, body=b"", read_timeout=10.0):
    """Sends a request head and some body bytes on a fresh socket; returns (status, seconds)."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", PORT)) as connection:
        connection.settimeout(read_timeout)
        connection.sendall(head.encode() + body)
        try:
            answer = connection.recv(4096).decode(errors="replace")
        except socket.timeout:
            return None, time.monotonic() - started
    status = int(answer.split()[1]) if answer.startswith("HTTP/") else None
    return status, time.monotonic() - started


def form(audio, fields):
    boundary = "hostile-boundary"
    parts = [f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n".encode() for k, v in fields.items()]
    parts.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\n\r\n".encode()
                 + audio + f"\r\n--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def job(identifier):
    return http("GET", f"/api/jobs/{identifier}")[1]


def wait_for(condition, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    return None


def running_job(database):
    """The id of the running job, from the store (the API lists finished jobs only)."""
    with sqlite3.connect(database) as connection:
        row = connection.execute("SELECT id FROM job WHERE state = 'running'").fetchone()
    return row[0] if row else None


def sox(*arguments):
    subprocess.run(["sox", *arguments], check=True)


def main():
    auris = os.path.realpath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="auris-hostile-")
    log = open(os.path.join(work, "server.log"), "w")
    server = subprocess.Popen([auris, "serve", "--port", str(PORT), "--models-dir", os.path.join(ROOT, "models"),
                               "--data-dir", os.path.join(work, "data"), "--threads", "2"], stdout=log, stderr=log)
    try:
        if not wait_for(lambda: _health(), 20):
            print("hostile: the server did not start", file=sys.stderr)
            return 1
        long_clip = os.path.join(work, "long.wav")   # 2 min of speech: windows to interrupt
        story = os.path.join(CLIPS, "en-mixed_story_32s.wav")
        sox(story, story, story, story, long_clip)

        # A declared 3 GiB body is refused on its header: at once, not after gigabytes.
        status, seconds = raw(f"POST /api/transcriptions HTTP/1.1\r\nHost: x\r\nContent-Type: audio/wav\r\n"
                              f"Content-Length: {3 << 30}\r\n\r\n", b"RIFF" + b"\0" * 1020)
        check("Content-Length 3 GiB is refused on the header", status == 413 and seconds < 3,
              f"status {status} after {seconds:.2f} s")

        # A cancel lands within a decoding step, not at the end of the window.
        with open(long_clip, "rb") as f:
            audio = f.read()
        status, queued = http("POST", "/api/transcriptions?wait=false", audio)
        running = wait_for(lambda: job(queued["id"]).get("state") == "running", 60)
        time.sleep(0.5)   # inside a window's decoding
        started = time.monotonic()
        status, cancelled = http("DELETE", f"/api/jobs/{queued['id']}")
        seconds = time.monotonic() - started
        check("DELETE of a running job answers and cancels within a second",
              bool(running) and status == 200 and cancelled.get("state") == "cancelled" and seconds < 1.0,
              f"status {status}, state {cancelled.get('state')}, {seconds:.2f} s")

        # A synchronous client that hangs up has its job cancelled.
        with socket.create_connection(("127.0.0.1", PORT)) as connection:
            connection.sendall(f"POST /api/transcriptions HTTP/1.1\r\nHost: x\r\nContent-Type: audio/wav\r\n"
                               f"Content-Length: {len(audio)}\r\n\r\n".encode() + audio)
            identifier = wait_for(lambda: running_job(os.path.join(work, "data", "auris.sqlite")), 60)
            time.sleep(0.5)
        state = wait_for(lambda: job(identifier).get("state") in ("cancelled", "done") and job(identifier)["state"], 5) \
            if identifier else None
        check("a synchronous client that hangs up has its job cancelled", state == "cancelled", f"state {state}")

        # Two hours of silence: empty text, in bounded time.
        silence = os.path.join(work, "silence-2h.wav")
        sox("-n", "-r", "16000", "-c", "1", "-b", "16", silence, "trim", "0", "7200")
        started = time.monotonic()
        with open(silence, "rb") as f:
            status, answer = http("POST", "/api/transcriptions", f.read())
        seconds = time.monotonic() - started
        text = (answer or {}).get("transcript", {}).get("text")
        check("2 hours of silence give empty text in under a minute", status == 200 and text == "" and seconds < 60,
              f"status {status}, text {text!r}, {seconds:.1f} s")

        # A long prompt neither runs away nor echoes itself.
        prompt = " ".join(f"w{i}" for i in range(3000))
        started = time.monotonic()
        with open(os.path.join(CLIPS, "en-us_hello.wav"), "rb") as f:
            body, content_type = form(f.read(), {"initial_prompt": prompt})
        status, answer = http("POST", "/api/transcriptions", body, {"Content-Type": content_type})
        seconds = time.monotonic() - started
        text = (answer or {}).get("transcript", {}).get("text", "")
        check("a 3,000-word prompt is cut to Whisper's 223 tokens and does not echo", status == 200 and seconds < 20
              and "w2999" not in text and "welcome" in text.lower(), f"status {status}, {seconds:.1f} s, {text[:60]!r}")
        check("the server is still up", _health())
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    failed = results.count(False)
    print(f"hostile: {results.count(True)} passed, {failed} failed")
    return 1 if failed else 0


def _health():
    try:
        return http("GET", "/health", timeout=2)[0] == 200
    except OSError:
        return False


if __name__ == "__main__":
    sys.exit(main())
