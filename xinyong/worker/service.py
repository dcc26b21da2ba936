"""Use cases of the worker, in the caller's unit of work (they flush, never commit):
enqueueing a job (any code, e.g. the ingest outbox, in its own transaction so the job exists
exactly when the change does), turning due schedules into jobs, and reading the state staff see."""
from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.config import get_settings
from xinyong.worker import repository, rules


def enqueue(session: Session, kind: str, payload: dict | None = None, *, dedupe_key: str | None = None,
            run_at: dt.datetime | None = None, max_attempts: int | None = None,
            schedule: str | None = None) -> int | None:
    """Queue a job in the caller's transaction. With a ``dedupe_key`` a second enqueue of the
    same key is a no-op (returns None)."""
    job_id = repository.insert_job(session, kind=kind, payload=payload or {}, run_at=run_at or clock.now(),
                                   dedupe_key=dedupe_key, schedule=schedule,
                                   max_attempts=max_attempts or get_settings().worker_max_attempts)
    session.flush()
    return job_id


def withdraw(session: Session, dedupe_key: str) -> bool:
    """Withdraw a queued job whose work was done another way before any worker started it (the
    ingest outbox applied by the request that queued it). A started job is left to finish."""
    return repository.delete_queued(session, dedupe_key)


def fire_due_schedules(session: Session, now: dt.datetime | None = None) -> list[str]:
    """Every schedule in the settings whose time has come is moved on to its next firing and
    its job queued, in this transaction. Compare-and-set on the schedule row: of any number of
    workers doing this at once, one fires each slot. A schedule whose previous job is still
    queued or running is moved on without a second job (no pile-up behind a slow sweep)."""
    now = now or clock.now()
    specs = get_settings().schedule_specs()
    rows = repository.schedules(session)
    known = {r.name for r in rows}
    missing = [(n, s) for n, s in specs.items() if n not in known and s.kind != "off"]
    for name, spec in missing:  # reads first: an idle pass writes nothing (SQLite has one writer)
        repository.ensure_schedule(session, name, spec.text, rules.first_run(spec, now))
    if missing:
        rows = repository.schedules(session)
    fired = []
    for row in rows:
        spec = specs.get(row.name)
        if spec is None or spec.kind == "off":
            continue
        if row.spec != spec.text:
            repository.respec(session, row.name, row.spec, spec.text, rules.first_run(spec, now))
            continue
        if row.next_run_at > now or not repository.advance(session, row.name, row.next_run_at,
                                                           rules.next_run(spec, now)):
            continue
        job_id = None
        if not repository.has_open_job(session, row.name):
            job_id = enqueue(session, row.name, {"slot": row.next_run_at.isoformat()}, schedule=row.name,
                             dedupe_key=f"schedule:{row.name}@{row.next_run_at.isoformat()}")
            fired.append(row.name)
        repository.mark_enqueued(session, row.name, job_id, now)
    session.flush()
    return fired


@dataclasses.dataclass
class ScheduleStatus:
    name: str
    spec: str
    next_run_at: dt.datetime | None
    last_status: str | None
    last_run_at: dt.datetime | None
    last_error: str | None
    attempts: int
    failed: int


def schedule_status(session: Session) -> list[ScheduleStatus]:
    """Each schedule of the settings with its next firing, its latest job and its failures."""
    specs = get_settings().schedule_specs()
    rows = {r.name: r for r in repository.schedules(session)}
    stats = repository.schedule_stats(session)
    out = []
    for name in sorted(set(specs) | set(rows)):
        spec = specs.get(name, rules.OFF)
        row, stat = rows.get(name), stats.get(name, {})
        last = stat.get("last") or {}
        out.append(ScheduleStatus(
            name=name, spec=spec.text, next_run_at=row.next_run_at if row and spec.kind != "off" else None,
            last_status=last.get("status"), last_run_at=last.get("finished_at") or last.get("started_at"),
            last_error=last.get("last_error"), attempts=last.get("attempts", 0), failed=stat.get("failed", 0)))
    return out


def jobs(session: Session, status: str | None = None, limit: int = 50, offset: int = 0):
    return repository.jobs(session, status, limit, offset)


def counts(session: Session) -> dict[str, int]:
    found = repository.counts_by_status(session)
    return {s: found.get(s, 0) for s in ("queued", "running", "done", "failed")}
