"""The worker's queries. Claiming is the one place backends differ: PostgreSQL takes the next
due job with `FOR UPDATE SKIP LOCKED` (concurrent workers pass over each other's rows); SQLite,
whose writes are serialised anyway, claims by compare-and-set on (id, attempts). Every later
write on a job is fenced by `locked_by`, so a worker whose lease ran out cannot finish a job
another worker has taken over."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from xinyong.db import is_postgres
from xinyong.models.worker import WorkerJob, WorkerSchedule

J = WorkerJob.__table__
S = WorkerSchedule.__table__
CLAIMED = (J.c.id, J.c.kind, J.c.payload, J.c.attempts, J.c.max_attempts)
SQLITE_CANDIDATES = 8


def _insert(session: Session, table):
    return (postgresql.insert if is_postgres(session) else sqlite.insert)(table)


def insert_job(session: Session, *, kind: str, payload: dict, run_at: dt.datetime, dedupe_key: str | None,
               schedule: str | None, max_attempts: int) -> int | None:
    """The new job's id; None when a job with this dedupe key exists already."""
    stmt = _insert(session, J).values(kind=kind, payload=payload, run_at=run_at, dedupe_key=dedupe_key,
                                      schedule=schedule, status="queued", attempts=0, max_attempts=max_attempts)
    if dedupe_key is not None:
        stmt = stmt.on_conflict_do_nothing(index_elements=["dedupe_key"])
    return session.execute(stmt.returning(J.c.id)).scalar()


def delete_queued(session: Session, dedupe_key: str) -> bool:
    """Drop the job of this key if no worker has started it (a claim in progress on PostgreSQL
    holds its row: the DELETE waits, then finds it running and leaves it)."""
    result = session.execute(delete(J).where(J.c.dedupe_key == dedupe_key, J.c.status == "queued",
                                             J.c.attempts == 0))
    return result.rowcount > 0


def _claimable(now: dt.datetime):
    due = and_(J.c.status == "queued", J.c.run_at <= now)
    abandoned = and_(J.c.status == "running", J.c.lease_until < now, J.c.attempts < J.c.max_attempts)
    return or_(due, abandoned)


def _claim_values(worker_id: str, now: dt.datetime, lease_until: dt.datetime) -> dict:
    return {"status": "running", "locked_by": worker_id, "lease_until": lease_until, "heartbeat_at": now,
            "started_at": now, "attempts": J.c.attempts + 1, "last_error": None}


def claim(session: Session, worker_id: str, now: dt.datetime, lease_until: dt.datetime) -> Row | None:
    """Take the next due (or abandoned) job for ``worker_id``: at most one worker gets it."""
    order = (J.c.run_at, J.c.id)
    if is_postgres(session):
        next_id = (select(J.c.id).where(_claimable(now)).order_by(*order).limit(1)
                   .with_for_update(skip_locked=True).scalar_subquery())
        stmt = update(J).where(J.c.id == next_id).values(**_claim_values(worker_id, now, lease_until))
        return session.execute(stmt.returning(*CLAIMED)).first()
    candidates = session.execute(select(J.c.id, J.c.attempts).where(_claimable(now)).order_by(*order)
                                 .limit(SQLITE_CANDIDATES)).all()
    for job_id, attempts in candidates:
        stmt = (update(J).where(J.c.id == job_id, J.c.attempts == attempts, _claimable(now))
                .values(**_claim_values(worker_id, now, lease_until)))
        row = session.execute(stmt.returning(*CLAIMED)).first()
        if row is not None:
            return row
    return None


def fail_abandoned(session: Session, now: dt.datetime) -> int:
    """Jobs whose last allowed attempt's worker stopped answering are failed, visibly. Looks
    before it writes: an idle worker's pass takes no write lock."""
    gone = and_(J.c.status == "running", J.c.lease_until < now, J.c.attempts >= J.c.max_attempts)
    if session.execute(select(J.c.id).where(gone).limit(1)).first() is None:
        return 0
    stmt = (update(J).where(gone)
            .values(status="failed", finished_at=now, lease_until=None,
                    last_error="the worker running the last attempt stopped answering (lease expired)"))
    return session.execute(stmt).rowcount


def _mine(job_id: int, worker_id: str):
    return and_(J.c.id == job_id, J.c.locked_by == worker_id, J.c.status == "running")


def heartbeat(session: Session, job_id: int, worker_id: str, now: dt.datetime, lease_until: dt.datetime) -> bool:
    stmt = update(J).where(_mine(job_id, worker_id)).values(heartbeat_at=now, lease_until=lease_until)
    return session.execute(stmt).rowcount == 1


def finish(session: Session, job_id: int, worker_id: str, now: dt.datetime, result: dict | None) -> bool:
    stmt = (update(J).where(_mine(job_id, worker_id))
            .values(status="done", finished_at=now, lease_until=None, result=result))
    return session.execute(stmt).rowcount == 1


def fail(session: Session, job_id: int, worker_id: str, now: dt.datetime, error: str,
         retry_at: dt.datetime | None) -> bool:
    values = ({"status": "queued", "run_at": retry_at} if retry_at is not None
              else {"status": "failed", "finished_at": now})
    stmt = update(J).where(_mine(job_id, worker_id)).values(lease_until=None, last_error=error[:4000], **values)
    return session.execute(stmt).rowcount == 1


# ---- schedules --------------------------------------------------------------------------------

def ensure_schedule(session: Session, name: str, spec: str, next_run_at: dt.datetime) -> None:
    stmt = _insert(session, S).values(name=name, spec=spec, next_run_at=next_run_at)
    session.execute(stmt.on_conflict_do_nothing(index_elements=["name"]))


def schedules(session: Session) -> list[WorkerSchedule]:
    return list(session.scalars(select(WorkerSchedule).order_by(WorkerSchedule.name)))


def respec(session: Session, name: str, old_spec: str, spec: str, next_run_at: dt.datetime) -> bool:
    stmt = update(S).where(S.c.name == name, S.c.spec == old_spec).values(spec=spec, next_run_at=next_run_at)
    return session.execute(stmt).rowcount == 1


def advance(session: Session, name: str, old_next: dt.datetime, new_next: dt.datetime) -> bool:
    """Compare and set: only the worker that still sees ``old_next`` moves the schedule on."""
    stmt = update(S).where(S.c.name == name, S.c.next_run_at == old_next).values(next_run_at=new_next)
    return session.execute(stmt).rowcount == 1


def mark_enqueued(session: Session, name: str, job_id: int | None, now: dt.datetime) -> None:
    session.execute(update(S).where(S.c.name == name).values(last_enqueued_at=now, last_job_id=job_id))


def has_open_job(session: Session, schedule: str) -> bool:
    stmt = select(J.c.id).where(J.c.schedule == schedule, J.c.status.in_(("queued", "running"))).limit(1)
    return session.execute(stmt).first() is not None


# ---- what staff see ---------------------------------------------------------------------------

def jobs(session: Session, status: str | None, limit: int, offset: int = 0) -> list[WorkerJob]:
    stmt = select(WorkerJob).order_by(WorkerJob.id.desc()).limit(limit).offset(offset)
    if status:
        stmt = stmt.where(WorkerJob.status == status)
    return list(session.scalars(stmt))


def counts_by_status(session: Session) -> dict[str, int]:
    return dict(session.execute(select(J.c.status, func.count()).group_by(J.c.status)).all())


def schedule_stats(session: Session) -> dict[str, dict]:
    """Per schedule: its latest job, and how many of its jobs failed for good / failed an attempt."""
    latest = (select(J.c.schedule, func.max(J.c.id).label("id")).where(J.c.schedule.is_not(None))
              .group_by(J.c.schedule).subquery())
    rows = session.execute(select(J).join(latest, J.c.id == latest.c.id)).mappings().all()
    failed = dict(session.execute(select(J.c.schedule, func.count()).where(J.c.status == "failed",
                                                                        J.c.schedule.is_not(None))
                                  .group_by(J.c.schedule)).all())
    return {r["schedule"]: {"last": dict(r), "failed": failed.get(r["schedule"], 0)} for r in rows}
