#!/usr/bin/env python3
"""Three Auris workers sharing one real PostgreSQL on loopback (docs/scale-out.md):

    python3 scripts/check-fleet.py .build/release/auris

A batch of 30 short clips sent to one worker is run by all three, every job done exactly once;
`kill -9` of a worker mid-job: its job is taken by another within the lease + 5 s and finished,
and no result is written twice. The fleet view lists the three workers; a clear aimed at one
worker and device comes back with that worker's before/after report and one audit row.
Starts (and stops) its own throwaway cluster with scripts/postgres.sh. Prints one line per check
and `fleet: N passed, N failed`; exits 1 on any failure.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import wave

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from auris_server import CLIPS, ROOT, Server, is_clear_error  # noqa: E402

LEASE_SECONDS = 4
results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(f"{'ok  ' if ok else 'FAIL'} {name}{': ' + str(detail) if detail != '' else ''}", flush=True)


class Database:
    """The throwaway cluster, and SQL run on it with psql (the checks read the rows themselves)."""

    def __init__(self, folder):
        self.folder = folder
        self.address = subprocess.run([os.path.join(ROOT, "scripts", "postgres.sh"), "start", folder],
                                      check=True, capture_output=True, text=True).stdout.strip()

    def sql(self, statement):
        """Rows as lists of strings."""
        output = subprocess.run(["psql", "-X", "-A", "-t", "-F", "\t", self.address.split("?")[0], "-c", statement],
                                check=True, capture_output=True, text=True).stdout
        return [line.split("\t") for line in output.splitlines() if line]

    def pause(self, seconds):
        """The database goes away for `seconds` (a restart, a failover) and comes back."""
        subprocess.run([os.path.join(ROOT, "scripts", "postgres.sh"), "pause", self.folder, str(seconds)], check=True)

    def stop(self):
        subprocess.run([os.path.join(ROOT, "scripts", "postgres.sh"), "stop", self.folder], check=False)


def finishes(server):
    """Job ids the worker wrote a done outcome for, from its log ("job finished ... state=done")."""
    with open(server.log_path, errors="replace") as f:
        return [re.search(r"\bjob=(\S+)", line).group(1) for line in f
                if "job finished" in line and "state=done" in line and re.search(r"\bjob=\S+", line)]


def running_on(database, job_id, timeout=60):
    """The worker that runs the job, once one does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = database.sql(f"SELECT worker FROM job WHERE id = '{job_id}' AND state = 'running'")
        if rows:
            return rows[0][0]
        time.sleep(0.05)
    return None


def across_workers(workers, names, database, work):
    """With one worker busy on a long job: a synchronous request sent to it is run by the other
    and still answered by it; a job running on one is cancelled through the other."""
    long_clip = os.path.join(work, "story-x3.wav")
    with wave.open(os.path.join(CLIPS, "en-mixed_story_32s.wav")) as story:
        params, frames = story.getparams(), story.readframes(story.getnframes())
    with wave.open(long_clip, "wb") as out:
        out.setparams(params)
        out.writeframes(frames * 3)
    status, first = workers[0].upload(long_clip, "?wait=false")
    busy = running_on(database, first.get("id"))
    check("a long job runs", status == 202 and busy in names, f"{status} {busy}")
    if busy not in names:
        return
    busy_server, other_server = (workers[0], workers[1]) if busy == names[0] else (workers[1], workers[0])
    started = time.monotonic()
    status, answer = busy_server.upload(os.path.join(CLIPS, "en-us_hello.wav"), timeout=120)
    waited = time.monotonic() - started
    ran_on = database.sql(f"SELECT worker FROM job WHERE id = '{answer.get('id')}'")
    check("a synchronous request to a busy worker is run by another and answered by the first",
          status == 200 and (answer.get("transcript") or {}).get("text") and ran_on and ran_on[0][0] != busy,
          f"{status}, run on {ran_on}, answered in {waited:.1f} s")
    status, second = busy_server.upload(long_clip, "?wait=false")
    runner = running_on(database, second.get("id"))
    through = busy_server if runner != busy else other_server
    started = time.monotonic()
    status, cancelled = through.call("DELETE", f"/api/jobs/{second.get('id')}", timeout=60)
    took = time.monotonic() - started
    check("a job running on one worker is cancelled through the other, within 5 s",
          runner is not None and status == 200 and cancelled.get("state") == "cancelled" and took < 5,
          f"run on {runner}, {status} {cancelled.get('state')} in {took:.1f} s")
    workers[0].call("DELETE", f"/api/jobs/{first.get('id')}")


def database_restart(workers, database):
    """The database away for 3 s: the workers stay up; a request meanwhile waits for it and is
    queued (or, had it waited past the store's patience, gets a clear 503), never lost; once it
    is back they run jobs again."""
    outage = threading.Thread(target=database.pause, args=(3,))
    outage.start()
    time.sleep(1)
    status, answer = workers[0].upload(os.path.join(CLIPS, "en-us_hello.wav"), "?wait=false", timeout=60)
    outage.join()
    if status == 202:
        outcome = workers[0].wait_for_job(answer["id"], timeout=120).get("state")
    else:
        outcome = "refused clearly" if status == 503 and is_clear_error(status, answer) else answer
    check("an upload while the database is away is queued and done once it is back, or refused clearly",
          outcome in ("done", "refused clearly"), f"{status}, {outcome}")
    alive = [w.process.poll() is None for w in workers]
    deadline, status, answer = time.monotonic() + 60, 0, {}
    while time.monotonic() < deadline:
        status, answer = workers[1].upload(os.path.join(CLIPS, "en-us_hello.wav"), timeout=120)
        if status == 200:
            break
        time.sleep(1)
    check("the workers outlive the outage and run jobs once it is back", all(alive) and status == 200
          and (answer.get("transcript") or {}).get("text"), f"alive {alive}, {status}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("auris")
    arguments = parser.parse_args()
    work = tempfile.mkdtemp(prefix="auris-fleet-")
    # Its own folder, not under `work`: as root the cluster runs as the postgres user, who
    # cannot enter a private folder of root's.
    database = Database(tempfile.mkdtemp(prefix="auris-fleet-postgres-"))
    spool = os.path.join(work, "spool")
    workers = []
    try:
        for index in range(3):
            workers.append(Server(arguments.auris, os.path.join(work, f"worker{index}"), log_name="server.log", arguments=[
                "--database", database.address, "--spool-dir", spool, "--lease-seconds", str(LEASE_SECONDS), "--threads", "1"]))
        names = [f"{os.uname().nodename}:{w.port}" for w in workers]

        # The fleet view: every worker, each with its devices.
        deadline, listed = time.monotonic() + 20, []
        while time.monotonic() < deadline:
            status, fleet = workers[0].call("GET", "/api/fleet")
            listed = [w["name"] for w in fleet.get("workers", []) if w.get("reporting")]
            if sorted(listed) == sorted(names):
                break
            time.sleep(0.5)
        check("the fleet view lists the three workers", sorted(listed) == sorted(names), listed)
        devices = {w["name"]: [d["device"] for d in w["devices"]] for w in fleet.get("workers", [])}
        check("each worker reports its devices", all(devices.get(n) == ["cpu"] for n in names), devices)

        # A clear aimed at the third worker's CPU, asked of the first.
        status, cleared = workers[0].call("POST", f"/api/fleet/clear_cache?worker={names[2]}&device=cpu")
        report = (cleared.get("result") or {}).get("devices") or []
        check("a targeted clear answers with that worker's before/after report",
              status == 200 and cleared.get("worker") == names[2] and [d["device"] for d in report] == ["cpu"]
              and all("before" in d and "after" in d for d in report), f"{status} {cleared}")
        rows = database.sql(f"SELECT actor, detail FROM audit WHERE action = 'memory.clear_cache' AND id = {int(cleared.get('audit_id') or 0)}")
        all_rows = database.sql("SELECT count(*) FROM audit WHERE action = 'memory.clear_cache'")
        check("the clear wrote one audit row, by the worker that cleared", len(rows) == 1 and all_rows == [["1"]]
              and names[2] in rows[0][1] and rows[0][0].endswith(f"via {names[0]}"), f"{rows} {all_rows}")
        status, answer = workers[0].call("POST", "/api/fleet/clear_cache?worker=nobody:1")
        check("a clear for an unknown worker is a clear 404", status == 404 and is_clear_error(status, answer), f"{status} {answer}")

        # A policy change on one worker applies on the others.
        status, _ = workers[0].call("PUT", "/api/system/policies", b'{"cleanup_every_jobs": 3}', {"Content-Type": "application/json"})
        deadline, seen = time.monotonic() + 10, None
        while time.monotonic() < deadline:
            seen = workers[2].call("GET", "/api/system/policies")[1].get("cleanup_every_jobs")
            if seen == 3:
                break
            time.sleep(0.2)
        check("a policy changed on one worker applies on another", status == 200 and seen == 3, f"{status}, {seen}")

        # A batch of 30 clips, sent to the first worker.
        clips = sorted(os.path.join(CLIPS, n) for n in os.listdir(CLIPS) if n.startswith("en-") and n.endswith(".wav"))
        batch_files = [clips[i % len(clips)] for i in range(30)]
        status, batch = workers[0].batch(batch_files)
        check("the batch is queued", status in (200, 201, 202) and "id" in batch, f"{status} {batch.get('id') or batch}")
        batch_id = batch.get("id")

        # kill -9 the third worker while it runs a job, once it has finished one (so that all three take part).
        victim, victim_job, killed_at = workers[2], None, None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and victim_job is None:
            running = database.sql(f"""SELECT id FROM job WHERE state = 'running' AND worker = '{names[2]}'
                                       AND EXISTS (SELECT 1 FROM job WHERE state = 'done' AND worker = '{names[2]}')""")
            if running:
                victim_job = running[0][0]
                victim.process.kill()
                killed_at = time.time()
                victim.process.wait()
                break
            time.sleep(0.05)
        check("a worker was killed (-9) while running a job", victim_job is not None, victim_job)

        deadline, state = time.monotonic() + 600, {}
        while time.monotonic() < deadline:
            status, state = workers[0].call("GET", f"/api/batches/{batch_id}")
            if state.get("state") in ("done", "failed"):
                break
            time.sleep(0.25)
        jobs = state.get("files") or []
        check("the batch finished, every job done", state.get("state") == "done" and len(jobs) == 30
              and all(j.get("state") == "done" for j in jobs), f"{state.get('state')}, {len(jobs)} jobs")

        rows = database.sql(f"""SELECT id, worker, attempts, extract(epoch FROM started_at), text IS NOT NULL,
                                       extract(epoch FROM finished_at) FROM job WHERE batch_id = '{batch_id}'""")
        by_worker = {}
        for _, worker, *_ in rows:
            by_worker[worker] = by_worker.get(worker, 0) + 1
        check("the jobs were spread over the three workers", len(by_worker) == 3, by_worker)
        if victim_job:
            row = next((r for r in rows if r[0] == victim_job), None)
            taken_after = float(row[3]) - killed_at if row else None
            check(f"the killed worker's job was taken by another within the lease + 5 s ({LEASE_SECONDS + 5} s) and finished",
                  row is not None and row[1] != names[2] and row[2] == "2" and row[4] == "t" and taken_after <= LEASE_SECONDS + 5,
                  f"{row[:3] if row else row}, taken {taken_after and round(taken_after, 1)} s after the kill, "
                  f"finished {row and round(float(row[5]) - killed_at, 1)} s after it")
            recovered = database.sql(f"SELECT count(*) FROM audit WHERE action = 'job.recovered' AND detail LIKE '%{victim_job}%'")
            check("the recovery is in the audit log", recovered == [["1"]], recovered)
        written = [job for server in workers for job in finishes(server)]
        repeated = sorted({j for j in written if written.count(j) > 1})
        check("no result was written twice", not repeated and len(set(written) & {r[0] for r in rows}) == 30,
              f"{len(written)} outcomes written, repeated {repeated[:3]}")
        check("no late outcome had to be refused", database.sql("SELECT count(*) FROM audit WHERE action = 'job.duplicate_finish'") == [["0"]])
        across_workers(workers[:2], names[:2], database, work)
        database_restart(workers[:2], database)
    finally:
        for server in workers:
            server.kill()
        database.stop()
        failed = results.count(False)
        print(f"fleet: {len(results) - failed} passed, {failed} failed")
        if failed:
            print(f"logs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    sys.exit(1 if results.count(False) else 0)


if __name__ == "__main__":
    main()
