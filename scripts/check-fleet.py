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
import time

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

    def stop(self):
        subprocess.run([os.path.join(ROOT, "scripts", "postgres.sh"), "stop", self.folder], check=False)


def finishes(server):
    """Job ids the worker wrote a done outcome for, from its log ("job finished ... state=done")."""
    with open(server.log_path, errors="replace") as f:
        return [re.search(r"\bjob=(\S+)", line).group(1) for line in f
                if "job finished" in line and "state=done" in line and re.search(r"\bjob=\S+", line)]


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

        rows = database.sql(f"SELECT id, worker, attempts, extract(epoch FROM started_at), text IS NOT NULL FROM job WHERE batch_id = '{batch_id}'")
        by_worker = {}
        for _, worker, *_ in rows:
            by_worker[worker] = by_worker.get(worker, 0) + 1
        check("the jobs were spread over the three workers", len(by_worker) == 3, by_worker)
        if victim_job:
            row = next((r for r in rows if r[0] == victim_job), None)
            taken_after = float(row[3]) - killed_at if row else None
            check(f"the killed worker's job was taken by another within the lease + 5 s ({LEASE_SECONDS + 5} s) and finished",
                  row is not None and row[1] != names[2] and row[2] == "2" and row[4] == "t" and taken_after <= LEASE_SECONDS + 5,
                  f"{row}, taken {taken_after and round(taken_after, 1)} s after the kill")
            recovered = database.sql(f"SELECT count(*) FROM audit WHERE action = 'job.recovered' AND detail LIKE '%{victim_job}%'")
            check("the recovery is in the audit log", recovered == [["1"]], recovered)
        written = [job for server in workers for job in finishes(server)]
        repeated = sorted({j for j in written if written.count(j) > 1})
        check("no result was written twice", not repeated and len(set(written) & {r[0] for r in rows}) == 30,
              f"{len(written)} outcomes written, repeated {repeated[:3]}")
        check("no late outcome had to be refused", database.sql("SELECT count(*) FROM audit WHERE action = 'job.duplicate_finish'") == [["0"]])
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
