"""`xinyong serve` runs the worker in its own process on SQLite (the README's run command needs
no cron), and not on PostgreSQL unless XINYONG_WORKER_IN_SERVE=on."""
from __future__ import annotations

import signal
import subprocess
import sys
import time
import urllib.request

from sqlalchemy import func, select

from tests.web.browser_support import free_port
from tests.worker.support import ROOT, wait_for, worker_env
from xinyong.db import session_scope
from xinyong.models.worker import WorkerJob


def _done_jobs(db) -> int:
    with session_scope(db) as session:
        return session.scalar(select(func.count()).select_from(WorkerJob).where(WorkerJob.kind == "transparency",
                                                                                 WorkerJob.status == "done"))


def _up(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _serve(port: int, setting: str) -> subprocess.Popen:
    env = worker_env(XINYONG_DEV="1", XINYONG_WORKER_IN_SERVE=setting)
    return subprocess.Popen([sys.executable, "-m", "xinyong.cli", "serve", "--port", str(port), "--no-access-log"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _stop(proc: subprocess.Popen) -> int:
    proc.send_signal(signal.SIGINT)
    try:
        return proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise


def test_serve_runs_the_worker_in_process_on_sqlite_only_by_default(db, backend):
    port = free_port()
    proc = _serve(port, "auto")
    try:
        wait_for(lambda: _up(port), timeout=90)
        if backend == "sqlite":
            assert wait_for(lambda: _done_jobs(db) >= 2, timeout=30)  # the 1 s schedule, run twice
        else:
            time.sleep(3)
            assert _done_jobs(db) == 0
    finally:
        assert _stop(proc) == 0  # and the worker thread lets the server stop


def test_serve_runs_the_worker_when_told_whatever_the_backend(db):
    port = free_port()
    proc = _serve(port, "on")
    try:
        wait_for(lambda: _up(port), timeout=90)
        assert wait_for(lambda: _done_jobs(db) >= 1, timeout=30)
    finally:
        _stop(proc)
