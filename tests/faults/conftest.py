"""Fault tests (issue 16 points 3 and 7): a primary and a synchronous standby the suite starts
itself (xinyong.devtools.replicaset), migrated once; a test that kills the primary leaves a
promoted standby, and the next test gets a rebuilt standby behind it."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import _empty
from xinyong.config import reset_settings
from xinyong.db import make_engine, reset_engines
from xinyong.devtools.replicaset import replica_set
from xinyong.migrate import upgrade

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def replica_set_once():
    with replica_set(dbname="xinyong_faults") as rs:
        upgrade(rs.url)
        yield rs


@pytest.fixture
def pair(replica_set_once, monkeypatch):
    """A healthy replica set with empty tables; XINYONG_DATABASE_URL is its multi-host URL."""
    rs = replica_set_once
    if not rs.healthy():
        rs.rebuild_standby()
    monkeypatch.setenv("XINYONG_DATABASE_URL", rs.url)
    reset_settings()
    reset_engines()
    engine = make_engine(rs.url)
    _empty(engine)
    engine.dispose()
    yield rs
    reset_engines()
    reset_settings()


@pytest.fixture
def crash_trial_env(db, monkeypatch):
    """The settings a crash trial's child runs with (tests/faults/trials.py CHILD_ENV), here too."""
    from tests.faults.trials import CHILD_ENV
    for name, value in CHILD_ENV.items():
        monkeypatch.setenv(name, value)
    reset_settings()
    yield
    reset_settings()


def start_workload(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    """tests/faults/workload.py in a process of its own, with this test's settings."""
    environ = {**os.environ, "PYTHONPATH": str(ROOT), "XINYONG_TRANSPARENCY_AUTO": "1", **(env or {})}
    return subprocess.Popen([sys.executable, "-u", "-m", "tests.faults.workload", *args], cwd=ROOT, env=environ,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def read_until(proc: subprocess.Popen, prefix: str, lines: list[str]) -> None:
    """Collect the workload's lines until one starts with `prefix` (fails if it exits first)."""
    for line in proc.stdout:
        lines.append(line.strip())
        if line.startswith(prefix):
            return
    raise AssertionError(f"the workload ended before {prefix!r}: {lines} {proc.stderr.read()[-3000:]}")
