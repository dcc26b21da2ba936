"""The three kinds of crash trial and their uninterrupted references (tests/faults/trials.py
says what each checks). The caller gives an empty migrated database (its URL in
XINYONG_DATABASE_URL, trials.CHILD_ENV in the environment) and a penalty file; each run
registers the source agency (and, for the server, an agency account with a token) first."""
from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy.engine import Engine

from bench.common import SOURCE_AGENCY_NAME, SOURCE_AGENCY_USCC
from tests.faults import state
from tests.faults.trials import (KEY, Outcome, Reference, Upload, check_all_or_nothing, check_recovered,
                                 kill_when, last_phase, spawn, stop, wait_up)
from xinyong.db import session_scope
from xinyong.ingest import outbox

USERNAME = "crash-trial-agency"


def setup(engine: Engine, server: bool = False) -> tuple[int, str | None]:
    """(subjects before the batch, API token for the server trials)."""
    from xinyong.accounts.service import create_user
    from xinyong.accounts.tokens import issue_token
    from xinyong.agencies.service import register
    with session_scope(engine) as session:
        register(session, uscc=SOURCE_AGENCY_USCC, name=SOURCE_AGENCY_NAME)
    token = None
    if server:
        with session_scope(engine) as session:
            create_user(session, username=USERNAME, password="crash-trial-password-2026", role="agency",
                        agency_uscc=SOURCE_AGENCY_USCC)
        with session_scope(engine) as session:
            token = issue_token(session, USERNAME)
    return state.subjects_before(engine), token


def ingest_args(path: Path) -> list[str]:
    return ["ingest", str(path), "--source", SOURCE_AGENCY_USCC, "--item", "penalty", "--json",
            "--idempotency-key", KEY]


def ingest_here(path: Path) -> dict:
    """The same command in this process (the re-run, and the references)."""
    import json

    from typer.testing import CliRunner

    from xinyong.cli import app
    result = CliRunner().invoke(app, ingest_args(path))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout.strip().splitlines()[-1])


def drain(engine: Engine) -> int:
    from xinyong.worker.runner import Worker
    return Worker(engine).run_pending()


def _reference(engine: Engine, seconds: float) -> Reference:
    return Reference(state.counts(engine), state.digest(engine), seconds)


def reference_ingest(engine: Engine, path: Path) -> Reference:
    setup(engine)
    t0 = time.perf_counter()
    ingest_here(path)
    seconds = time.perf_counter() - t0
    drain(engine)
    return _reference(engine, seconds)


def reference_worker(engine: Engine, path: Path) -> Reference:
    """The batch committed, its outbox left to the worker; the window is the worker's drain."""
    setup(engine)
    _without_own_application(lambda: ingest_here(path))
    t0 = time.perf_counter()
    drain(engine)
    return _reference(engine, time.perf_counter() - t0)


def reference_server(engine: Engine, path: Path) -> Reference:
    from fastapi.testclient import TestClient

    from xinyong.app import create_app
    _, token = setup(engine, server=True)
    with TestClient(create_app(), base_url="http://testserver") as client:
        t0 = time.perf_counter()
        r = client.post("/api/v1/batches/file", headers={"Authorization": f"Bearer {token}", "Idempotency-Key": KEY},
                        data={"item": "penalty", "source": SOURCE_AGENCY_USCC},
                        files={"file": (path.name, path.read_bytes(), "text/csv")})
        seconds = time.perf_counter() - t0
    assert r.status_code == 201, r.text
    drain(engine)
    return _reference(engine, seconds)


def _without_own_application(run):
    saved, outbox.APPLY_AFTER_COMMIT = outbox.APPLY_AFTER_COMMIT, False
    try:
        return run()
    finally:
        outbox.APPLY_AFTER_COMMIT = saved


def child_seconds(engine: Engine, url: str, path: Path, work: Path) -> float:
    """How long an uninterrupted `xinyong ingest` child takes from the start of its work to its
    exit: a cold process is slower than the warm reference in this process, and random kills
    drawn over the reference's time alone land before the commit."""
    setup(engine)
    ready = work / f"ready-{time.monotonic_ns()}"
    proc = spawn(ingest_args(path), url, work / "child.log", XINYONG_FAULT_READY=str(ready))
    assert proc.wait(timeout=3600) == 0
    return time.time() - float(ready.read_text().split()[0])


def ingest_trial(engine: Engine, url: str, path: Path, ref: Reference, work: Path, point: str,
                 delay: float | None) -> Outcome:
    """`xinyong ingest` killed; recovery: the same command again, then the worker."""
    baseline, _ = setup(engine)
    out = Outcome("ingest", engine.dialect.name, point, delay, False)
    ready, phases = _marks(work)
    t0 = time.perf_counter()
    proc = spawn(ingest_args(path), url, work / "child.log", XINYONG_FAULT_READY=str(ready),
                 XINYONG_FAULT_PHASES=str(phases), XINYONG_FAULT_POINT="" if point == "random" else point)
    out.killed = kill_when(proc, ready, delay)
    out.phase = last_phase(phases)
    t1 = time.perf_counter()
    check_all_or_nothing(engine, ref, baseline, out)
    t2 = time.perf_counter()
    out.rerun = "replayed" if ingest_here(path).get("replayed") else "ingested"
    drain(engine)
    t3 = time.perf_counter()
    check_recovered(engine, ref, out)
    out.times = _times(t0, t1, t2, t3)
    return out


def _marks(work: Path) -> tuple[Path, Path]:
    stamp = time.monotonic_ns()
    return work / f"ready-{stamp}", work / f"phases-{stamp}"


def _times(t0: float, t1: float, t2: float, t3: float) -> dict:
    """Seconds: the child until its death, recovery (re-run and worker), checks (both digests'
    counts and the digest)."""
    return {"child": round(t1 - t0, 1), "recovery": round(t3 - t2, 1),
            "checks": round((t2 - t1) + (time.perf_counter() - t3), 1)}


def worker_trial(engine: Engine, url: str, path: Path, ref: Reference, work: Path, point: str,
                 delay: float | None, prepared: int | None = None) -> Outcome:
    """`xinyong worker --once` killed while it applies a committed batch's outbox; recovery:
    another worker once the killed one's lease has run out. ``prepared``: the database already
    holds the committed batch with its outbox pending (restored from a copy taken right after
    such an ingest; the number is the subjects before the batch)."""
    if prepared is None:
        baseline, _ = setup(engine)
        _without_own_application(lambda: ingest_here(path))
    else:
        baseline = prepared
    out = Outcome("worker", engine.dialect.name, point, delay, False, rerun="-")
    ready, phases = _marks(work)
    t0 = time.perf_counter()
    proc = spawn(["worker", "--once"], url, work / "child.log", XINYONG_FAULT_READY=str(ready),
                 XINYONG_FAULT_PHASES=str(phases), XINYONG_FAULT_POINT="" if point == "random" else point)
    out.killed = kill_when(proc, ready, delay)
    out.phase = last_phase(phases)
    t1 = time.perf_counter()
    check_all_or_nothing(engine, ref, baseline, out)
    t2 = time.perf_counter()
    time.sleep(2.2)   # the killed worker's lease (XINYONG_WORKER_LEASE_SECONDS=2) runs out
    drain(engine)
    t3 = time.perf_counter()
    check_recovered(engine, ref, out)
    out.times = _times(t0, t1, t2, t3)
    return out


def prepare_worker(engine: Engine, path: Path) -> int:
    """The state a worker trial starts from: the batch committed, its outbox pending."""
    baseline, _ = setup(engine)
    _without_own_application(lambda: ingest_here(path))
    return baseline


def server_trial(engine: Engine, url: str, path: Path, ref: Reference, work: Path, point: str,
                 delay: float | None, port: int) -> Outcome:
    """`xinyong serve` killed in the middle of an upload; recovery: the client sends the same
    upload under the same Idempotency-Key to the restarted server, then the worker runs."""
    baseline, token = setup(engine, server=True)
    out = Outcome("server", engine.dialect.name, point, delay, False)
    ready, phases = _marks(work)
    serve = ["serve", "--port", str(port), "--no-access-log"]
    proc = spawn(serve, url, work / "server.log", XINYONG_DEV="1", XINYONG_FAULT_READY=str(ready),
                 XINYONG_FAULT_PHASES=str(phases), XINYONG_FAULT_POINT="" if point == "random" else point)
    try:
        wait_up(port, proc)
        first = Upload(port, token, path, SOURCE_AGENCY_USCC)
        first.start()
        out.killed = kill_when(proc, ready, delay)
        first.join(timeout=120)
        out.first_answer = first.status
    finally:
        stop(proc)
    out.phase = last_phase(phases)
    check_all_or_nothing(engine, ref, baseline, out)
    was_in = out.batch == "in"
    proc = spawn(serve, url, work / "server.log", XINYONG_DEV="1")
    try:
        wait_up(port, proc)
        again = Upload(port, token, path, SOURCE_AGENCY_USCC)
        again.run()
    finally:
        stop(proc)
    out.rerun = "replayed" if again.replayed else "ingested"
    if again.status != 201 or again.replayed != was_in:
        out.notes.append(f"re-send: {again.status} replayed={again.replayed} error={again.error} "
                         f"(batch {'in' if was_in else 'out'} before)")
    if first.status is not None and first.body != again.body:
        out.notes.append("the replay's answer differs from the first answer")
    drain(engine)
    check_recovered(engine, ref, out)
    return out
