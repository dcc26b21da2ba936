"""Test databases are real: SQLite files and a PostgreSQL server that this suite starts
itself (a throwaway cluster; or XINYONG_TEST_PG_URL when given). Both are built by running
the Alembic migrations. Tests that take the `db` fixture run once on each backend."""
from __future__ import annotations

import atexit
import os
import shutil
import tempfile

import pytest
from hypothesis import HealthCheck, settings

from xinyong.config import reset_settings
from xinyong.db import make_engine
from xinyong.migrate import upgrade

# the secrets used by every test: fixed, so that keyed hashes are reproducible
os.environ.setdefault("XINYONG_SECRET_KEY", "test-secret-key-for-xinyong-suite")
os.environ.pop("XINYONG_TODAY", None)
os.environ.pop("XINYONG_DATABASE_URL", None)
# the platform's data directory (report signing key, font cache) in a temporary directory of
# this run, never ./var: a key the suite made there with its secret would lock a later
# `scripts/run.sh` (another secret) out of signing reports in the same checkout, and a
# developer's own data directory is not the suite's to touch
os.environ["XINYONG_DATA_DIR"] = tempfile.mkdtemp(prefix="xinyong-test-data-")
atexit.register(shutil.rmtree, os.environ["XINYONG_DATA_DIR"], True)
# the cached common-character font (kit.pdf.common_font, ~20 s to build) is the same for every run
# and every group of a run: built once per machine, under its lock, outside the data directory
os.environ["XINYONG_FONT_CACHE_DIR"] = os.path.join(tempfile.gettempdir(), "xinyong-test-font-cache")
# the web application's opportunistic tree-head signing runs only in the tests that ask for it
os.environ["XINYONG_TRANSPARENCY_AUTO"] = "0"
# and so does the worker thread of `xinyong serve` (on by default with SQLite; tests/worker)
os.environ["XINYONG_WORKER_IN_SERVE"] = "off"


@pytest.fixture(autouse=True)
def cheap_password_hashing(request, monkeypatch):
    """Accounts are hashed at argon2's lowest cost in tests: the production cost (~20-40 ms a hash,
    thousands of accounts made and signed in across the suite) measures nothing a test checks.
    Verification reads the parameters from each hash, so every sign-in is still checked for real;
    a test marked `production_hashing` keeps the platform's own hasher (tests/accounts)."""
    if request.node.get_closest_marker("production_hashing"):
        return
    from argon2 import PasswordHasher

    from xinyong.accounts import service
    monkeypatch.setattr(service, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture(autouse=True)
def _transparency_archive(tmp_path, monkeypatch):
    """Each test publishes tree heads to its own archive: heads of one test's database are
    not another's (the archive refuses a second root for a size it already holds)."""
    monkeypatch.setenv("XINYONG_TRANSPARENCY_ARCHIVE", str(tmp_path / "transparency-archive"))


# hypothesis judges "too slow" and per-example deadlines by wall time; on a shared 2-core machine
# (CI, or developers running in parallel) that measures the machine's load, not the code, so those
# timing checks are off for the whole suite; every other health check stays
settings.register_profile("xinyong", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("xinyong")

# every log record and every URL the platform writes in this run, checked at its end for resident
# ID numbers and natural persons' names (issue #10 point 5; tests/support/logscan.py)
from tests.support import logscan  # noqa: E402
from tests.support.database import empty, tables_in_delete_order  # noqa: E402

logscan.start()


def pytest_sessionfinish(session, exitstatus):
    found = logscan.RUN.violations()
    if found:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.section("identifiers in logs or URLs (issue #10 point 5)", red=True)
            for line in found[:50]:
                reporter.write_line(line)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


TABLES_IN_DELETE_ORDER = tables_in_delete_order()


@pytest.fixture(scope="session")
def pg_url():
    given = os.environ.get("XINYONG_TEST_PG_URL")
    if given:
        yield given
        return
    from xinyong.devtools.pgcluster import throwaway_cluster
    with throwaway_cluster(dbname="xinyong_test") as url:
        yield url


@pytest.fixture(scope="session")
def migrated(tmp_path_factory, request):
    """URL of a migrated database per backend, created once per test session."""
    urls: dict[str, str] = {}

    def get(backend: str) -> str:
        if backend not in urls:
            if backend == "sqlite":
                url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'xinyong.db'}"
            else:
                url = request.getfixturevalue("pg_url")
            upgrade(url)
            urls[backend] = url
        return urls[backend]

    return get


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request) -> str:
    return request.param


@pytest.fixture
def db(backend, migrated, monkeypatch):
    """An empty migrated database on the backend under test; the settings point at it."""
    url = migrated(backend)
    monkeypatch.setenv("XINYONG_DATABASE_URL", url)
    reset_settings()
    engine = make_engine(url)
    _empty(engine)
    yield engine
    engine.dispose()
    reset_settings()


def _empty(engine) -> None:
    empty(engine, TABLES_IN_DELETE_ORDER)


@pytest.fixture
def session(db):
    from xinyong.db import session_factory
    s = session_factory(db)()
    yield s
    s.rollback()
    s.close()


@pytest.fixture
def client(db):
    from fastapi.testclient import TestClient

    from xinyong.app import create_app
    with TestClient(create_app(), base_url="http://testserver") as c:
        yield c


@pytest.fixture
def wall_clock(monkeypatch):
    """Real time stood still for page sessions and sign-in delays: wall_clock.advance(minutes=31)."""
    from tests.support.clocks import WallClock
    clock = WallClock()
    monkeypatch.setattr("xinyong.accounts.sessions.wall_now", clock)
    return clock


@pytest.fixture
def today(monkeypatch):
    """Set the platform clock: today("2026-06-01")."""
    def set_today(value: str) -> None:
        monkeypatch.setenv("XINYONG_TODAY", value)
    return set_today



# ---- no database work on an event loop ----
# A statement, or a connection taken from the pool, on a thread that runs an event loop holds
# every other request of that server process until the database answers (an `async def` route
# that filed an objection on the loop; the rate limiter's take). Every test fails if its code
# did either: the guarantee is checked by the whole suite, not by a list of routes.
_ON_THE_LOOP: list[str] = []


def _note_if_on_the_event_loop(what: str) -> None:
    import traceback

    from tests.support.loops import on_event_loop
    if not on_event_loop():
        return
    frames = [f for f in traceback.extract_stack() if "/xinyong/" in f.filename][-8:]
    _ON_THE_LOOP.append(f"{what} on the event loop, from " + " <- ".join(
        f"{f.filename.split('/xinyong/')[-1]}:{f.lineno} {f.name}" for f in reversed(frames)))


def _watch_the_event_loop() -> None:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from sqlalchemy.pool import Pool
    event.listen(Engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *rest: _note_if_on_the_event_loop(f"statement {statement[:60]!r}"))
    event.listen(Pool, "checkout", lambda *rest: _note_if_on_the_event_loop("a pooled connection taken"))


_watch_the_event_loop()


@pytest.fixture(autouse=True)
def no_database_work_on_the_event_loop():
    before = len(_ON_THE_LOOP)
    yield
    found = _ON_THE_LOOP[before:]
    del _ON_THE_LOOP[before:]
    if found:
        pytest.fail(f"{len(found)} database call(s) on an event loop; the first:\n" + "\n".join(found[:3]),
                    pytrace=False)
