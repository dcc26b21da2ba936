"""Worker processes for the tests: started with the test database's settings, a one-second
shared schedule and short leases, so that claiming, expiry and take-over happen in seconds."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LEASE = 2
TEST_SCHEDULES = "transparency=every 1s,sweep=off,feed.deadlines=off,evaluation.recompute=off,partitions=off"


NO_SCHEDULES = "sweep=off,transparency=off,feed.deadlines=off,evaluation.recompute=off,partitions=off"


def run_only_queued_jobs(monkeypatch) -> None:
    """The worker (in the test's process) runs the jobs the test queues, no schedule of its own."""
    from xinyong.config import reset_settings
    monkeypatch.setenv("XINYONG_WORKER_SCHEDULES", NO_SCHEDULES)
    reset_settings()


def worker_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)  # the db fixture has set XINYONG_DATABASE_URL
    env.update(PYTHONPATH=str(ROOT), XINYONG_WORKER_SCHEDULES=TEST_SCHEDULES, XINYONG_WORKER_POLL_SECONDS="0.1",
               XINYONG_WORKER_LEASE_SECONDS=str(LEASE), XINYONG_WORKER_BACKOFF_SECONDS="1", **extra)
    return env


def start_worker(log: Path, seconds: float, **extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tests.worker.worker_process", str(log), str(seconds)],
                            cwd=ROOT, env=worker_env(**extra))


def lines(log: Path) -> list[list[str]]:
    return [line.split() for line in log.read_text().splitlines()] if log.exists() else []


def wait_for(predicate, timeout: float = 60.0, step: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"not reached within {timeout}s")
