"""Several worker processes on one database (issue 16 point 1), on SQLite and PostgreSQL: a
shared schedule fires once per slot and every job runs exactly once; a worker killed with
SIGKILL in the middle of a job keeps it while its heartbeats last, and another worker finishes
it once the lease has run out."""
from __future__ import annotations

import collections
import time

from sqlalchemy import select

from tests.worker.support import LEASE, lines, start_worker, wait_for
from xinyong.db import session_scope
from xinyong.models.worker import WorkerJob
from xinyong.worker import service

JOBS = 30


def _enqueue(db, kind: str, count: int, **payload) -> None:
    with session_scope(db) as session:
        for n in range(count):
            service.enqueue(session, kind, {"n": n, **payload})


def _jobs(db, kind: str | None = None) -> list[WorkerJob]:
    stmt = select(WorkerJob).order_by(WorkerJob.id)
    with session_scope(db) as session:
        return list(session.scalars(stmt.where(WorkerJob.kind == kind) if kind else stmt))


def _blocked(log) -> list[list[str]]:
    return [r for r in lines(log) if r[0] in ("start", "done") and r[1] == "test.block"]


def test_two_workers_share_the_queue_and_one_schedule_each_job_once(db, tmp_path):
    _enqueue(db, "test.record", JOBS, sleep=0.05)
    log = tmp_path / "runs.log"
    procs = [start_worker(log, 8) for _ in range(2)]
    for p in procs:
        assert p.wait(timeout=120) == 0
    runs = lines(log)
    ups = {name for verb, _, _, name in runs if verb == "up"}
    starts = collections.Counter((kind, key) for verb, kind, key, _ in runs if verb == "start")
    dones = collections.Counter((kind, key) for verb, kind, key, _ in runs if verb == "done")
    assert len(ups) == 2
    assert {key for kind, key in starts if kind == "test.record"} == {str(n) for n in range(JOBS)}
    assert max(starts.values()) == 1 and dones == starts  # no job ran twice, every one finished
    slots = [key for kind, key in starts if kind == "transparency"]
    jobs = _jobs(db)
    assert all(j.status == "done" and j.attempts == 1 for j in jobs)
    scheduled = [j for j in jobs if j.schedule == "transparency"]
    assert len(scheduled) == len(slots) >= 2
    # one job per one-second slot between the workers, not one per worker: the slots are a
    # second apart (two workers firing each slot on their own would give pairs ~0 s apart)
    times = sorted(j.run_at for j in scheduled)
    gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:])]
    assert min(gaps) >= 0.9, gaps


def test_a_killed_worker_keeps_its_job_while_alive_and_another_finishes_it(db, tmp_path):
    _enqueue(db, "test.block", 1)
    log = tmp_path / "runs.log"
    first = start_worker(log, 600, WORKER_TEST_BLOCK="1")
    try:
        wait_for(lambda: _blocked(log))
        second = start_worker(log, 3 * LEASE + 20)
        wait_for(lambda: len({r[3] for r in lines(log) if r[0] == "up"}) == 2)
        time.sleep(2 * LEASE + 1)  # longer than a lease: heartbeats keep the job with the first worker
        (job,) = _jobs(db, "test.block")
        holder = job.locked_by
        assert job.status == "running" and job.attempts == 1
        assert _blocked(log) == [["start", "test.block", "0", holder]]
    finally:
        first.kill()  # SIGKILL: no clean-up, no last heartbeat
        first.wait(timeout=30)
    (job,) = _jobs(db, "test.block")
    lease_ran_out = job.lease_until
    assert second.wait(timeout=120) == 0
    (job,) = _jobs(db, "test.block")
    assert job.status == "done" and job.attempts == 2 and job.locked_by != holder
    assert job.started_at >= lease_ran_out
    assert _blocked(log) == [["start", "test.block", "0", holder], ["start", "test.block", "0", job.locked_by],
                    ["done", "test.block", "0", job.locked_by]]
