"""The queue and the schedules in one process, on both backends, with the platform clock moved
by hand (xinyong.clock.now): back-off and failure, lease take-over and fencing, schedules read
from the settings, and what `xinyong worker status` shows."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from xinyong.config import reset_settings
from xinyong.db import session_scope
from xinyong.models.worker import WorkerJob, WorkerSchedule
from xinyong.worker import repository, runner, service

T0 = dt.datetime(2026, 6, 1, 1, 0, tzinfo=dt.timezone.utc)


class Clock:
    def __init__(self, monkeypatch):
        self.at = T0
        monkeypatch.setattr("xinyong.clock.now", lambda: self.at)

    def advance(self, seconds: float) -> None:
        self.at += dt.timedelta(seconds=seconds)


@pytest.fixture
def now(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def settings(monkeypatch):
    def set_env(**values: str) -> None:
        for key, value in values.items():
            monkeypatch.setenv(f"XINYONG_{key.upper()}", value)
        reset_settings()
    set_env(worker_schedules="sweep=off,transparency=off,feed.deadlines=off,evaluation.recompute=off,partitions=off",
            worker_lease_seconds="10", worker_backoff_seconds="30", worker_max_attempts="3")
    yield set_env
    reset_settings()


def _job(db, job_id: int) -> WorkerJob:
    with session_scope(db) as session:
        return session.get(WorkerJob, job_id)


def _enqueue(db, kind: str, **kw) -> int:
    with session_scope(db) as session:
        return service.enqueue(session, kind, {"x": 1}, **kw)


def test_a_failing_job_backs_off_then_fails_visibly(db, now, settings):
    calls = []

    def broken(payload):
        calls.append(payload)
        raise RuntimeError("the archive disk is full")

    runner.register("test.broken", broken)
    job_id = _enqueue(db, "test.broken")
    worker = runner.Worker(db)
    assert worker.run_one() and len(calls) == 1
    job = _job(db, job_id)
    assert (job.status, job.attempts) == ("queued", 1) and "archive disk is full" in job.last_error
    assert job.run_at == T0 + dt.timedelta(seconds=30)
    assert not worker.run_one()                      # not before its back-off
    now.advance(30)
    assert worker.run_one() and _job(db, job_id).run_at == T0 + dt.timedelta(seconds=30 + 60)  # doubled
    now.advance(60)
    assert worker.run_one()
    job = _job(db, job_id)
    assert (job.status, job.attempts, len(calls)) == ("failed", 3, 3)
    now.advance(10_000)
    assert not worker.run_one()                      # a failed job stays failed
    out = CliRunner().invoke(__import__("xinyong.cli", fromlist=["app"]).app, ["worker", "status", "--failed"],
                             env={"COLUMNS": "250"})
    assert out.exit_code == 1 and "test.broken" in out.output and "archive disk is full" in out.output


def test_dedupe_key_queues_one_job(db, now, settings):
    first = _enqueue(db, "test.any", dedupe_key="outbox:batch:7")
    assert first is not None and _enqueue(db, "test.any", dedupe_key="outbox:batch:7") is None
    with session_scope(db) as session:
        assert session.scalar(select(WorkerJob.id).where(WorkerJob.kind == "test.any")) == first


def test_an_expired_lease_hands_the_job_over_and_fences_the_old_worker(db, now, settings):
    job_id = _enqueue(db, "test.slow")
    with session_scope(db) as session:
        claimed = repository.claim(session, "old", now.at, now.at + dt.timedelta(seconds=10))
    assert claimed.id == job_id
    with session_scope(db) as session:
        assert repository.claim(session, "new", now.at, now.at + dt.timedelta(seconds=10)) is None
    now.advance(11)
    with session_scope(db) as session:
        taken = repository.claim(session, "new", now.at, now.at + dt.timedelta(seconds=10))
    assert (taken.id, taken.attempts) == (job_id, 2)
    with session_scope(db) as session:  # the old worker comes back: its writes change nothing
        assert not repository.heartbeat(session, job_id, "old", now.at, now.at)
        assert not repository.finish(session, job_id, "old", now.at, {"by": "old"})
        assert repository.finish(session, job_id, "new", now.at, {"by": "new"})
    job = _job(db, job_id)
    assert (job.status, job.result, job.locked_by) == ("done", {"by": "new"}, "new")


def test_a_job_abandoned_on_its_last_attempt_is_failed(db, now, settings):
    job_id = _enqueue(db, "test.slow", max_attempts=1)
    with session_scope(db) as session:
        repository.claim(session, "gone", now.at, now.at + dt.timedelta(seconds=10))
    now.advance(11)
    assert not runner.Worker(db).run_one()
    job = _job(db, job_id)
    assert job.status == "failed" and "lease expired" in job.last_error


def test_schedules_come_from_the_settings_and_fire_once_per_slot(db, now, settings):
    settings(worker_schedules="transparency=every 60s,sweep=daily 03:00,feed.deadlines=off,"
                              "evaluation.recompute=off,partitions=off")
    with session_scope(db) as session:
        assert service.fire_due_schedules(session) == ["transparency"]   # an interval fires at once
    with session_scope(db) as session:
        assert service.fire_due_schedules(session) == []                  # same slot: nothing more
        rows = {r.name: r for r in session.scalars(select(WorkerSchedule))}
    assert set(rows) == {"transparency", "sweep"}
    # daily 03:00 China time is 19:00 UTC the day before; T0 is 09:00 in China
    assert rows["sweep"].next_run_at == dt.datetime(2026, 6, 1, 19, 0, tzinfo=dt.timezone.utc)
    assert rows["transparency"].next_run_at == T0 + dt.timedelta(seconds=60)
    runner.register("transparency", lambda payload: {"ran": payload["slot"]})
    assert runner.Worker(db).run_pending() == 1
    now.advance(60)
    with session_scope(db) as session:
        assert service.fire_due_schedules(session) == ["transparency"]
    settings(worker_schedules="transparency=every 1h,sweep=off,feed.deadlines=off,evaluation.recompute=off,"
                              "partitions=off")
    now.advance(60)
    with session_scope(db) as session:
        # a changed spec starts over (an interval at once) and the pending job of the last slot
        # is not doubled while it waits
        service.fire_due_schedules(session)
        assert service.fire_due_schedules(session) == []
        status = {s.name: s for s in service.schedule_status(session)}
    assert status["transparency"].spec == "every 3600s" and status["sweep"].next_run_at is None
    assert status["transparency"].last_status == "queued"


def test_a_schedule_name_not_known_is_refused_at_start(monkeypatch):
    from pydantic import ValidationError

    from xinyong.config import Settings
    monkeypatch.setenv("XINYONG_WORKER_SCHEDULES", "sweeep=daily 01:00")
    with pytest.raises(ValidationError, match="unknown"):
        Settings()


def test_the_platforms_own_jobs_run_from_the_queue(db, settings, tmp_path):
    """The real handlers of registry.JOBS: the daily sweep (as `xinyong sweep`, by the platform
    itself in the audit log), a tree head, the feed's deadlines, the evaluation recompute."""
    from tests.support.builders import agency, penalty_rows, to_csv
    from xinyong.ingest.service import ingest_file
    from xinyong.models import AuditEntry
    from xinyong.registry import JOBS
    with session_scope(db) as session:
        a = agency(session)
        ingest_file(session, data=to_csv(penalty_rows(2, a.uscc)), filename="p.csv", source_uscc=a.uscc,
                    item_code="penalty")
    with session_scope(db) as session:
        ids = {kind: service.enqueue(session, kind) for kind in JOBS}
    worker = runner.Worker(db)
    assert worker.run_pending() == len(JOBS) + 1   # and the batch's own, left queued for its new subjects' names
    jobs = {kind: _job(db, job_id) for kind, job_id in ids.items()}
    assert {k: j.status for k, j in jobs.items()} == {k: "done" for k in JOBS}, {k: j.last_error for k, j in jobs.items()}
    assert jobs["sweep"].result["checkpoint"] and "publication_ended" in jobs["sweep"].result
    assert "feed_overdue_acknowledgements" in jobs["feed.deadlines"].result
    assert set(jobs["evaluation.recompute"].result) & {"evaluation_recomputed", "evaluation"}
    assert "signed" in jobs["transparency"].result
    with session_scope(db) as session:
        sweep = session.scalars(select(AuditEntry).where(AuditEntry.action == "sweep.run")).one()
    assert sweep.actor_user_id is None and not sweep.actor.startswith("cli:")


def test_the_command_queues_and_runs_jobs(db, settings):
    from xinyong.cli import app
    cli = CliRunner()
    queued = cli.invoke(app, ["worker", "enqueue", "transparency"])
    assert queued.exit_code == 0 and "queued job" in queued.output
    assert cli.invoke(app, ["worker", "enqueue", "no.such.kind"]).exit_code == 2
    ran = cli.invoke(app, ["worker", "--once"])
    assert ran.exit_code == 0 and "1 job(s) run" in ran.output
    status = cli.invoke(app, ["worker", "status"], env={"COLUMNS": "250"})
    assert status.exit_code == 0 and "done 1" in status.output
