"""Crash trials (issue 16 point 4): an ingest, the worker applying the ingest outbox, or the
server in the middle of an upload runs in a child process (tests/faults/child.py) and is killed
with SIGKILL, at a seeded random moment between the start of its work and its expected end, or
at a targeted point. Each trial then checks, on the database the child left:

1. the batch is wholly in or wholly out: no batch left "processing"; either nothing of it
   (records, subjects, publication leaves, outbox rows, audit entry) or all of it, as many rows
   as an uninterrupted run writes; each after-commit hook's effects (feed events; evaluation
   runs, results, contributions) are all there if its outbox row is applied and none otherwise;
2. recovery gives the state of an uninterrupted run: the same command again with the same
   idempotency key (a replay if the batch was in, the ingest if it was out) and the worker's
   drain of the outbox; the canonical digests (tests/faults/state.py) must be equal, which
   also means nothing lost and nothing duplicated; no outbox row or job left open;
3. the server trials re-send the upload to the restarted server under the same key and get
   exactly one batch.

Used by tests/faults/test_crash_trials.py (a few small trials in the suite) and by
tests/faults/run_trials.py (the full figures in docs/RELIABILITY.md)."""
from __future__ import annotations

import dataclasses
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from sqlalchemy.engine import Engine

from tests.faults import state

ROOT = Path(__file__).resolve().parents[2]
DAY = "2026-11-23"
KEY = "crash-trial-upload-0001"
FEED = ("feed_events",)
EVALUATION = ("evaluation_runs", "evaluation_results", "evaluation_contributions")
NAMES = ("subject_names",)   # beside the subjects set up before the batch (one row each)
HOOK_TABLES = {"xinyong.feed.hooks": FEED, "xinyong.evaluation.hooks": EVALUATION, "xinyong.subjects.hooks": NAMES}
BATCH_TABLES = ("batches", "batch_rejections", "records", "subjects", "transparency_publications",
                "transparency_publication_nodes", "ingest_outbox", "audit_log", "history")
CHILD_ENV = {"XINYONG_TODAY": DAY, "XINYONG_TRANSPARENCY_AUTO": "0", "XINYONG_WORKER_IN_SERVE": "off",
             "XINYONG_WORKER_SCHEDULES": "sweep=off,transparency=off,feed.deadlines=off,evaluation.recompute=off",
             "XINYONG_WORKER_LEASE_SECONDS": "2", "XINYONG_WORKER_POLL_SECONDS": "0.1"}


@dataclasses.dataclass
class Reference:
    """An uninterrupted run: what every trial must come back to."""
    counts: dict
    digest: dict
    seconds: float          # the work under trial, uninterrupted (the window of random kills)


@dataclasses.dataclass
class Outcome:
    kind: str
    backend: str
    point: str              # "random" or a targeted point (tests/faults/child.py)
    delay: float | None     # seconds after the work began, for a random kill
    killed: bool            # False: the child had finished before the kill
    batch: str = ""         # "in" or "out" right after the kill
    hooks: str = ""         # outbox rows applied right after the kill, e.g. "1/2"
    equal: bool = False     # the state after recovery equals the uninterrupted run's
    lost: int = 0           # rows an uninterrupted run has and the recovered state lacks
    duplicated: int = 0     # rows the recovered state has beyond an uninterrupted run's
    batches: int = 0        # batches after recovery (always 1)
    first_answer: int | None = None   # server trials: the status the killed upload got, if any
    phase: str = ""         # the last phase the child reached before it died (child.py XINYONG_FAULT_PHASES)
    rerun: str = ""         # what recovery's re-run did: "replayed" the batch, "ingested" it, or "-"
    times: dict = dataclasses.field(default_factory=dict)   # seconds: killed work, recovery, checks
    notes: list = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.batch in ("in", "out") and self.equal and not self.lost and not self.duplicated \
            and self.batches == 1 and not self.notes


def penalty_file(rows: int, path: Path) -> Path:
    """A valid generated penalty file (bench/gen_penalties.py) dated up to the trials' day."""
    import datetime as dt

    from bench.gen_penalties import generate
    frame, _ = generate(rows, today=dt.date.fromisoformat(DAY))
    frame.write_csv(path, include_header=True, null_value="", line_terminator="\r\n")
    return path


def child_env(url: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(CHILD_ENV, XINYONG_DATABASE_URL=url, PYTHONPATH=str(ROOT), **extra)
    return env


def spawn(args: list[str], url: str, log: Path, **extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tests.faults.child", *args], cwd=ROOT,
                            env=child_env(url, **extra), stdout=subprocess.DEVNULL,
                            stderr=open(log, "ab"))


def last_phase(path: Path) -> str:
    """The last phase a (dead) child wrote to its XINYONG_FAULT_PHASES file, "" if none."""
    lines = path.read_text().split("\n") if path.exists() else []
    lines = [line for line in lines if line.strip()]
    return lines[-1].split()[0] if lines else "started"


def kill_when(proc: subprocess.Popen, ready: Path, delay: float | None, timeout: float = 600) -> bool:
    """SIGKILL the child ``delay`` seconds after it marks its work begun (a targeted point: wait
    for it to kill itself). True if it died by the kill, False if it had finished first."""
    if delay is None:
        proc.wait(timeout=timeout)
        return proc.returncode == -signal.SIGKILL
    deadline = time.monotonic() + timeout
    while not (ready.exists() and ready.read_text()):
        if proc.poll() is not None:
            raise AssertionError(f"child exited ({proc.returncode}) before its work began")
        if time.monotonic() > deadline:
            raise AssertionError("child's work did not begin")
        time.sleep(0.005)
    time.sleep(delay)
    finished = proc.poll() is not None
    if not finished:
        proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    return not finished and proc.returncode == -signal.SIGKILL


def check_all_or_nothing(engine: Engine, ref: Reference, baseline_subjects: int, out: Outcome) -> None:
    got = state.counts(engine)
    if got["batches_processing"]:
        out.notes.append("a batch left processing")
    whole = {t: ref.counts[t] for t in BATCH_TABLES}
    none = {t: (baseline_subjects if t == "subjects" else 0) for t in BATCH_TABLES}
    now = {t: got[t] for t in BATCH_TABLES}
    out.batch = "in" if now == whole else "out" if now == none else "half"
    if out.batch == "half":
        out.notes.append(f"half a batch: {now} (whole: {whole})")
    applied = state.applied_hooks(engine)
    out.hooks = f"{sum(applied.values())}/{len(HOOK_TABLES)}" if out.batch == "in" else "-"
    for hook, tables in HOOK_TABLES.items():
        for t in tables:
            want = ref.counts[t] if applied.get(hook) else (baseline_subjects if t in NAMES else 0)
            if got[t] != want:
                out.notes.append(f"{t}: {got[t]} rows with {hook} {'applied' if applied.get(hook) else 'pending'}"
                                 f" (want {want})")


def check_recovered(engine: Engine, ref: Reference, out: Outcome) -> None:
    got, digest = state.counts(engine), state.digest(engine)
    out.equal = digest == ref.digest
    out.batches = got["batches"]
    for t in state.DIGEST:
        out.lost += max(0, ref.counts[t] - got[t])
        out.duplicated += max(0, got[t] - ref.counts[t])
    if not out.equal:
        out.notes.append(f"state differs: {state.differences(ref.digest, digest)}")
    if got["outbox_applied"] != got["ingest_outbox"] or got["outbox_jobs_open"]:
        out.notes.append(f"outbox left open: {got}")


def random_delays(seed: int, n: int, window: float) -> list[float]:
    """n kill moments spread over the window: one uniform draw in each of n equal slices (so a
    few trials still cover the start, the middle and the end), in a seeded random order."""
    rng = random.Random(seed)
    delays = [window * (i + rng.random()) / n for i in range(n)]
    rng.shuffle(delays)
    return [round(d, 3) for d in delays]


def wait_up(port: int, proc: subprocess.Popen, timeout: float = 120) -> None:
    import httpx
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited ({proc.returncode}) while starting")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError("server did not come up")


class Upload(threading.Thread):
    """One upload of the file under the key, on a thread: the client whose server dies."""

    def __init__(self, port: int, token: str, path: Path, source: str):
        super().__init__(daemon=True)
        self.args = (port, token, path, source)
        self.status: int | None = None
        self.body: dict | None = None
        self.replayed = False
        self.error: str | None = None

    def run(self) -> None:
        import httpx
        port, token, path, source = self.args
        try:
            r = httpx.post(f"http://127.0.0.1:{port}/api/v1/batches/file", timeout=600,
                           headers={"Authorization": f"Bearer {token}", "Idempotency-Key": KEY},
                           data={"item": "penalty", "source": source},
                           files={"file": (path.name, path.read_bytes(), "text/csv")})
            self.status, self.body = r.status_code, r.json()
            self.replayed = r.headers.get("Idempotent-Replayed") == "true"
        except httpx.HTTPError as exc:
            self.error = type(exc).__name__


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
