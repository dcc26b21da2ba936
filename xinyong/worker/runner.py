"""The worker loop: the boundary where the worker's units of work commit. Each pass fires the
due schedules, fails jobs abandoned on their last attempt, then claims and runs due jobs one at
a time until none is left. While a job runs, a heartbeat thread renews its lease; a worker that
is killed stops renewing, and once the lease has run out another worker claims the job again.
A failed attempt is queued again after a back-off, and after the last attempt it stays failed
(shown on /staff/worker and by `xinyong worker status`)."""
from __future__ import annotations

import datetime as dt
import importlib
import logging
import os
import socket
import threading
import traceback
import uuid
from collections.abc import Callable

from sqlalchemy import Engine

from xinyong import clock
from xinyong.catalogue.local.merge import catalogue_scope
from xinyong.config import get_settings
from xinyong.db import session_scope
from xinyong.worker import repository, rules, service

log = logging.getLogger("xinyong.worker")
Handler = Callable[[dict], "dict | None"]
_extra: dict[str, Handler] = {}


def register(kind: str, handler: Handler) -> None:
    """Add a job kind at run time (tests, plug-ins); the platform's own are in registry.JOBS."""
    _extra[kind] = handler


def handler_for(kind: str) -> Handler:
    if kind in _extra:
        return _extra[kind]
    from xinyong.registry import JOBS
    target = JOBS.get(kind)
    if target is None:
        raise LookupError(f"no handler for job kind {kind!r} in this worker")
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"[:120]


class Worker:
    def __init__(self, engine: Engine | None = None, name: str | None = None,
                 stop: threading.Event | None = None):
        self.engine, self.name = engine, name or worker_name()
        self.stop = stop or threading.Event()
        settings = get_settings()
        self.lease = settings.worker_lease_seconds
        self.poll = settings.worker_poll_seconds
        self.backoff = settings.worker_backoff_seconds

    def _lease_until(self, now: dt.datetime) -> dt.datetime:
        return now + dt.timedelta(seconds=self.lease)

    def fire_schedules(self) -> list[str]:
        with session_scope(self.engine) as session:
            return service.fire_due_schedules(session)

    def claim(self):
        now = clock.now()
        with session_scope(self.engine) as session:
            repository.fail_abandoned(session, now)
        with session_scope(self.engine) as session:
            return repository.claim(session, self.name, now, self._lease_until(now))

    def run_one(self) -> bool:
        """Claim and run one due job; False when there was none."""
        job = self.claim()
        if job is None:
            return False
        log.info("job %s (%s) attempt %s by %s", job.id, job.kind, job.attempts, self.name)
        beat = _Heartbeat(self, job.id)
        beat.start()
        try:
            with catalogue_scope(self.engine):   # the local catalogue items current when the job starts
                result = handler_for(job.kind)(dict(job.payload or {}))
        except Exception as exc:  # the job fails, the worker goes on; the row says why
            beat.finish()
            log.exception("job %s (%s) failed", job.id, job.kind)
            self._failed(job, exc)
            return True
        beat.finish()
        with session_scope(self.engine) as session:
            if not repository.finish(session, job.id, self.name, clock.now(), _jsonable(result)):
                log.warning("job %s finished after its lease was lost to another worker", job.id)
        return True

    def _failed(self, job, exc: Exception) -> None:
        now = clock.now()
        error = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        retry = None
        if not rules.exhausted(job.attempts, job.max_attempts):
            retry = now + dt.timedelta(seconds=rules.backoff_seconds(job.attempts, self.backoff))
        with session_scope(self.engine) as session:
            repository.fail(session, job.id, self.name, now, error, retry)

    def run_pending(self) -> int:
        """Fire due schedules, then run due jobs until none is left (or asked to stop)."""
        self.fire_schedules()
        ran = 0
        while not self.stop.is_set() and self.run_one():
            ran += 1
        return ran

    def run_forever(self) -> None:
        log.info("worker %s started", self.name)
        while not self.stop.is_set():
            try:
                self.run_pending()
            except Exception:  # the database away for a moment: wait and try again
                log.exception("worker pass failed; retrying in %ss", self.poll)
            self.stop.wait(self.poll)
        log.info("worker %s stopped", self.name)


class _Heartbeat(threading.Thread):
    """Renews the running job's lease every third of the lease."""

    def __init__(self, worker: Worker, job_id: int):
        super().__init__(name=f"heartbeat-{job_id}", daemon=True)
        self.worker, self.job_id, self.done = worker, job_id, threading.Event()

    def run(self) -> None:
        interval = max(self.worker.lease / 3, 0.5)
        while not self.done.wait(interval):
            now = clock.now()
            try:
                with session_scope(self.worker.engine) as session:
                    kept = repository.heartbeat(session, self.job_id, self.worker.name, now,
                                                self.worker._lease_until(now))
            except Exception:
                log.exception("heartbeat of job %s failed", self.job_id)
                continue
            if not kept:
                log.warning("job %s: lease lost to another worker", self.job_id)
                return

    def finish(self) -> None:
        self.done.set()
        self.join()


def _jsonable(result) -> dict | None:
    if result is None:
        return None
    return {str(k): (v if isinstance(v, (int, float, str, bool, type(None))) else str(v))
            for k, v in dict(result).items()}


def start_in_thread(engine: Engine | None = None) -> tuple[threading.Thread, threading.Event]:
    """The in-process worker of `xinyong serve` (SQLite: no cron, no second process)."""
    stop = threading.Event()
    worker = Worker(engine, stop=stop)
    thread = threading.Thread(target=worker.run_forever, name="xinyong-worker", daemon=True)
    thread.start()
    return thread, stop
