"""The worker's durable state (issue 16 point 1): the job queue any code enqueues into, and the
schedules that feed it. Both live in the database so that any number of workers on any number of
machines share one queue and one schedule."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.models.base import Base, BigId, Json, TimestampTZ, created_at_column

JOB_STATUSES = ("queued", "running", "done", "failed")


class WorkerJob(Base):
    """One unit of deferred work. A worker claims it (status running, a lease until
    ``lease_until``, renewed by heartbeats); a lease that runs out hands the job to another
    worker. ``dedupe_key`` makes enqueueing idempotent (one job per schedule slot, per outbox
    entry)."""

    __tablename__ = "worker_jobs"
    __table_args__ = (Index("ix_worker_jobs_status_run_at", "status", "run_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    payload: Mapped[dict] = mapped_column(Json, nullable=False, default=dict)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), nullable=True, unique=True)
    schedule: Mapped[str | None] = mapped_column(String(64), nullable=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="queued")
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=5)
    run_at: Mapped[dt.datetime] = mapped_column(TimestampTZ, nullable=False)
    locked_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    lease_until: Mapped[dt.datetime | None] = mapped_column(TimestampTZ, nullable=True)
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(TimestampTZ, nullable=True)
    created_at: Mapped[dt.datetime] = created_at_column()
    started_at: Mapped[dt.datetime | None] = mapped_column(TimestampTZ, nullable=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(TimestampTZ, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    result: Mapped[dict | None] = mapped_column(Json, nullable=True)


class WorkerSchedule(Base):
    """A recurring job: when ``next_run_at`` has passed, one worker moves it on (compare and set
    on the old value) and enqueues the job of that slot in the same transaction."""

    __tablename__ = "worker_schedules"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    spec: Mapped[str] = mapped_column(String(64), nullable=False)
    next_run_at: Mapped[dt.datetime] = mapped_column(TimestampTZ, nullable=False)
    last_enqueued_at: Mapped[dt.datetime | None] = mapped_column(TimestampTZ, nullable=True)
    last_job_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
