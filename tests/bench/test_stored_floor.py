"""The benchmarks' stored-output floors (bench/ingest_bench.py, bench/ingest_daily_bench.py)
load back exactly what the platform's batch stored: a floor that dropped a table, a row or a
column would make a target look out of reach when it is not (docs/PERFORMANCE.md)."""
from __future__ import annotations

import json

import pytest

from sqlalchemy import text

from bench import common, ingest_bench, ingest_daily_bench
from tests.support.builders import agency, penalty_rows, to_csv
from xinyong.ingest.service import ingest_file

# what a batch stores row by row (ingest_bench.STORED_TABLES) and the batch's own rows
CHECKED = ("subjects", "records", "feed_events", "transparency_publications", "transparency_publication_nodes",
           "evaluation_contributions", "evaluation_results", "batches", "ingest_outbox", "evaluation_runs")


def _snapshot(engine) -> dict[str, list]:
    with engine.connect() as conn:
        return {t: sorted(tuple(map(str, r)) for r in conn.execute(text(f"SELECT * FROM {t}")))
                for t in CHECKED}


def _batch(session, rows: int, day: int) -> None:
    src = agency(session).uscc if day == 0 else session.execute(text("SELECT uscc FROM agencies")).scalar()
    data = penalty_rows(rows, src, seed=day + 1, persons=3, prefix=f"泉市监罚D{day}")   # new subjects each day
    ingest_file(session, data=to_csv(data), filename=f"p{day}.csv", source_uscc=src, item_code="penalty")
    session.commit()


def _result(capsys) -> dict:
    line = capsys.readouterr().out.strip().splitlines()[-1]
    return json.loads(line.removeprefix(common.RESULT_PREFIX))


def test_the_stored_output_floor_loads_back_every_row_the_batch_stored(session, db, backend, tmp_path, capsys):
    _batch(session, 60, 0)
    before = _snapshot(db)
    assert all(before[t] for t in ("subjects", "records", "feed_events", "transparency_publications",
                                   "evaluation_results"))
    if backend == "postgresql":
        ingest_bench.export_stored(db.url.render_as_string(hide_password=False), tmp_path)
        ingest_bench.child_stored(db.url.render_as_string(hide_password=False), str(tmp_path))
    else:
        ingest_bench.child_stored_sqlite(db.url.render_as_string(hide_password=False))
    out = _result(capsys)
    assert _snapshot(db) == before
    assert {t for t in CHECKED if before[t]} <= set(out["tables"])   # every table the batch wrote is in it
    assert out["tables"]["records"][0] == len(before["records"])
    assert out["tables"]["subjects"][0] == len(before["subjects"])
    assert out["seconds"] > 0 and out["cpu"]["client"] >= 0


@pytest.mark.parametrize("backend", ["postgresql"])   # the daily bench runs on PostgreSQL only
def test_the_daily_floor_reloads_exactly_the_last_batch(session, db, backend, tmp_path):
    _batch(session, 40, 0)
    url = db.url.render_as_string(hide_password=False)
    marks = ingest_daily_bench.marks(url)
    _batch(session, 5, 2)    # the measuring process's warm-up batch, after the marks as in the bench
    _batch(session, 30, 1)
    before = _snapshot(db)
    floor = ingest_daily_bench.batch_floor(url, marks, tmp_path)
    assert _snapshot(db) == before
    assert floor["tables"]["records"][0] == 30
    assert {"subjects", "records", "feed_events", "transparency_publications", "evaluation_results",
            "evaluation_contributions"} <= set(floor["tables"])
    # the new subjects and feed events are the measured batch's alone
    with db.connect() as conn:
        batch = conn.execute(text("SELECT max(id) FROM batches")).scalar()
        events = conn.execute(text("SELECT count(*) FROM feed_events e JOIN records r ON r.id = e.record_id "
                                   "WHERE r.batch_id = :b"), {"b": batch}).scalar()
        subjects = conn.execute(text("SELECT count(DISTINCT subject_id) FROM records WHERE batch_id = :b"),
                                {"b": batch}).scalar()
    assert floor["tables"]["feed_events"][0] == events > 0
    assert floor["tables"]["subjects"][0] == subjects   # the warm-up's new subjects are not the batch's


def test_what_a_batch_left_to_the_worker_is_applied_and_timed_outside_its_time(session, db, backend):
    """The benches time the names left to the worker apart (ingest_bench.worker_share): the
    batch's pending row applied, its new subjects' names copied; nothing left the second time."""
    _batch(session, 20, 0)
    url = db.url.render_as_string(hide_password=False)
    count = "SELECT count(*) FROM subjects s JOIN subject_names n ON n.subject_id = s.id AND n.name = s.name"
    with db.connect() as conn:
        named, everyone = conn.execute(text(count)).scalar(), conn.execute(text("SELECT count(*) FROM subjects")).scalar()
    assert named < everyone
    left = ingest_bench.worker_share(url)
    assert left["rows"] == 1 and left["seconds"] >= 0
    with db.connect() as conn:
        assert conn.execute(text(count)).scalar() == everyone
    assert ingest_bench.worker_share(url)["rows"] == 0
