"""A release `auris serve` started for a test script, and the calls those scripts make to it.

Used by scripts/soak.py, check-faults.py and check-load.py: each starts its own server on a
random loopback port with its own data folder and temporary folder, so nothing is shared with
another run.
"""
import json
import os
import random
import subprocess
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLIPS = os.path.join(ROOT, "Tests", "WhisperTests", "Golden", "clips")


class Server:
    """`auris serve` in `work` (data in work/data, TMPDIR work/tmp unless `data_dir`/`env` say).

    `wrapper` goes before the command (e.g. `unshare --mount sh -c ...`); `pid` is then still
    the server's, as long as the wrapper ends in `exec`."""

    def __init__(self, auris, work, *, arguments=(), env=None, data_dir=None, wrapper=None, port=None, log_name="server.log"):
        self.port, self.work = port or 19000 + random.randint(0, 899), work
        self.data_dir = data_dir or os.path.join(work, "data")
        self.temporary = os.path.join(work, "tmp")
        os.makedirs(self.temporary, exist_ok=True)
        self.log_path = os.path.join(work, log_name)
        self.log = open(self.log_path, "a")
        environment = {**os.environ, "TMPDIR": self.temporary, **(env or {})}
        command = [os.path.realpath(auris), "serve", "--port", str(self.port), "--models-dir", os.path.join(ROOT, "models"),
                   "--data-dir", self.data_dir, "--threads", "2", *arguments]
        self.process = subprocess.Popen((wrapper or []) + command, stdout=self.log, stderr=self.log, env=environment)
        self.pid = self.process.pid
        for _ in range(300):
            if self.process.poll() is not None:
                raise SystemExit(f"the server exited at start ({self.process.returncode}); log: {self.log_path}\n" + self.tail())
            if self.call("GET", "/health", timeout=2)[0] == 200:
                return
            time.sleep(0.1)
        raise SystemExit("the server did not start; log:\n" + self.tail())

    def call(self, method, path, body=None, headers=None, timeout=900):
        """(status, parsed JSON body); a non-JSON body comes back as {"text": ...}."""
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as reply:
                return reply.status, parse(reply.read())
        except urllib.error.HTTPError as error:
            return error.code, parse(error.read())
        except (ConnectionError, urllib.error.URLError) as error:   # the server went away
            return 0, {"text": f"no answer: {error}"}

    def upload(self, path, query="", **kwargs):
        """POST /api/transcriptions with the file's bytes as the body."""
        with open(path, "rb") as f:
            return self.call("POST", "/api/transcriptions" + query, f.read(), **kwargs)

    def batch(self, paths):
        body, content_type = form([("files", os.path.basename(p), open(p, "rb").read()) for p in paths])
        return self.call("POST", "/api/batches", body, {"Content-Type": content_type})

    def rss_mib(self):
        with open(f"/proc/{self.pid}/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024

    def descriptors(self):
        """What each open descriptor points to (a socket, a pipe, a file, an epoll...)."""
        folder = f"/proc/{self.pid}/fd"
        found = []
        for name in os.listdir(folder):
            try:
                found.append(os.readlink(os.path.join(folder, name)))
            except OSError:
                pass   # closed while listed
        return sorted(found)

    def children(self):
        """Process ids of the server's child processes (ffmpeg)."""
        found = []
        for task in os.listdir(f"/proc/{self.pid}/task"):
            try:
                with open(f"/proc/{self.pid}/task/{task}/children") as f:
                    found += [int(p) for p in f.read().split()]
            except OSError:
                pass
        return found

    def memory(self, device="cpu"):
        """(allocated, reserved, bytes held by jobs) on `device`."""
        _, memory = self.call("GET", "/api/system/memory")
        figures = next(d for d in memory["devices"] if d["device"] == device)
        breakdown = next(b for b in memory["breakdown"] if b["device"] == device)
        jobs = sum(p["bytes"] for p in breakdown["parts"] if p["kind"] == "jobs")
        return figures["allocated_bytes"], figures["reserved_bytes"], jobs

    def wait_for_job(self, job_id, timeout=600):
        """The job's last state once it has ended (or the timeout passed)."""
        deadline = time.monotonic() + timeout
        while True:
            status, job = self.call("GET", f"/api/jobs/{job_id}")
            if status != 200 or job.get("state") in ("done", "failed", "cancelled") or time.monotonic() > deadline:
                return job
            time.sleep(0.1)

    def tail(self, lines=20):
        with open(self.log_path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])

    def stop(self):
        """SIGTERM, as an operator stops it; the exit status."""
        if self.process.poll() is None:
            self.process.terminate()
        status = self.process.wait(timeout=60)
        self.log.close()
        return status

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=60)
        self.log.close()


def parse(data):
    try:
        return json.loads(data)
    except ValueError:
        return {"text": data.decode(errors="replace")}


def form(files, fields=None):
    """A multipart/form-data body: `files` as (field, file name, bytes); returns (body, content type)."""
    boundary = "auris-test-boundary-7d2f"
    parts = [f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n".encode() for k, v in (fields or {}).items()]
    for field, name, data in files:
        parts.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\n"
                     f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def is_clear_error(status, answer):
    """The API's one error shape, with a code and a message, and a 4xx or 5xx status other than 500."""
    error = answer.get("error") if isinstance(answer, dict) else None
    return 400 <= status < 600 and status != 500 and isinstance(error, dict) and bool(error.get("code")) and bool(error.get("message"))
