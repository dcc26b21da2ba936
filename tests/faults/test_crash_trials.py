"""Crashes at random points, as tests (issue 16 point 4), on both backends: `xinyong ingest`
of a generated penalty file killed with SIGKILL at seeded random moments and at targeted points
(before the commit, after it and before the outbox), the worker killed while it applies a
batch's outbox, and the server killed in the middle of an upload (re-sent under the same
Idempotency-Key after the restart, issue 16 point 5). Every trial: the batch wholly in or
wholly out, and recovery (the same command or upload again, then the worker) gives the state
of an uninterrupted run, nothing lost or duplicated (tests/faults/trials.py).

A few small trials here; tests/faults/run_trials.py runs the full ones (docs/RELIABILITY.md)."""
from __future__ import annotations

import pytest

from tests.conftest import _empty
from tests.faults import runs, trials
from tests.faults.trials import random_delays
from tests.web.browser_support import free_port

pytestmark = pytest.mark.usefixtures("crash_trial_env")
ROWS = 4_000
SEED = 16
RANDOM = [f"random-{i}" for i in range(2)]
_references: dict[tuple[str, str], runs.Reference] = {}


@pytest.fixture(scope="module")
def penalty_file(tmp_path_factory):
    return trials.penalty_file(ROWS, tmp_path_factory.mktemp("crash") / f"penalties-{ROWS}.csv")


def reference(kind: str, db, path) -> runs.Reference:
    key = (db.dialect.name, kind)
    if key not in _references:
        _references[key] = getattr(runs, f"reference_{kind}")(db, path)
        _empty(db)
    return _references[key]


def _point_and_delay(point: str, ref: runs.Reference, seed: int, n: int = len(RANDOM)) -> tuple[str, float | None]:
    """A random point: its moment, one of n seeded draws spread over the uninterrupted run."""
    if not point.startswith("random"):
        return point, None
    return "random", random_delays(seed, n, ref.seconds)[int(point.split("-")[1])]


def _url(db) -> str:
    return db.url.render_as_string(hide_password=False)


@pytest.mark.parametrize(("backend", "point"), [(b, p) for b in ("sqlite", "postgresql") for p in RANDOM]
                         + [("sqlite", "before_commit"), ("postgresql", "after_commit")], indirect=["backend"])
def test_a_killed_ingest_leaves_its_batch_wholly_in_or_out_and_a_rerun_completes_it(db, point, penalty_file,
                                                                                     tmp_path):
    ref = reference("ingest", db, penalty_file)
    point, delay = _point_and_delay(point, ref, SEED)
    out = runs.ingest_trial(db, _url(db), penalty_file, ref, tmp_path, point, delay)
    print(out)
    assert out.ok, out
    if point != "random":
        assert out.killed and out.batch == {"before_commit": "out", "after_commit": "in"}[point]
        assert out.hooks in ("-", "0/3")


@pytest.mark.parametrize(("backend", "point"), [("sqlite", "random-0"), ("postgresql", "random-0"),
                                               ("postgresql", "mid_outbox")], indirect=["backend"])
def test_a_worker_killed_while_applying_the_outbox_applies_it_once_after_restart(db, point, penalty_file,
                                                                                 tmp_path):
    ref = reference("worker", db, penalty_file)
    assert ref.digest == reference("ingest", db, penalty_file).digest   # the worker's drain = the ingest's own
    point, delay = _point_and_delay(point, ref, SEED + 1, n=1)
    out = runs.worker_trial(db, _url(db), penalty_file, ref, tmp_path, point, delay)
    print(out)
    assert out.ok, out
    assert out.batch == "in"
    if point == "mid_outbox":
        assert out.killed and out.hooks == "0/3"


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_server_killed_at_a_random_moment_of_an_upload_answers_the_resent_upload_with_one_batch(
        db, penalty_file, tmp_path):
    _server_trial(db, "random-0", penalty_file, tmp_path)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_server_killed_after_the_commit_answers_the_resent_upload_with_that_batch(db, penalty_file, tmp_path):
    out = _server_trial(db, "after_commit", penalty_file, tmp_path)
    assert out.killed and out.batch == "in" and out.first_answer is None   # committed, never answered


def _server_trial(db, point: str, penalty_file, tmp_path) -> runs.Outcome:
    ref = reference("server", db, penalty_file)
    point, delay = _point_and_delay(point, ref, SEED + 2, n=1)
    out = runs.server_trial(db, _url(db), penalty_file, ref, tmp_path, point, delay, free_port())
    print(out)
    assert out.ok, out
    return out
