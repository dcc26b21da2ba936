"""Issue #14: on SQLite too the incremental recompute after a large batch (its subjects staged,
beyond hooks.CHUNK) reads each touched subject's records by the subject index: with the scope as
`IN (SELECT …)` SQLite read every record of the model's items through ix_records_item_date, in
date order, probing the scope for each — the whole city's, whatever the batch. The results are
those of a full recompute."""
from __future__ import annotations

import datetime as dt
import random

import pytest
from sqlalchemy import event, text

from tests.evaluation.conftest import penalty
from tests.support.builders import agency
from xinyong.evaluation import hooks, service
from xinyong.ingest.service import ingest_file
from xinyong.synthetic import make_uscc, to_csv

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


def test_a_staged_batchs_records_contributions_are_read_subject_by_subject(session, today, monkeypatch):
    today("2026-09-01")
    monkeypatch.setattr(hooks, "CHUNK", 2)   # the staged scope, as a batch of over 5,000 subjects has
    rng = random.Random(5)
    a = agency(session)
    rows = [penalty(rng, f"泉州市计划{i}有限公司", make_uscc(rng), f"泉计罚〔2026〕{i}号", dt.date(2026, 5, 2 + i % 20),
                    "罚款" if i % 3 else "吊销许可证件", "1.5", a.uscc) for i in range(40)]
    out = ingest_file(session, data=to_csv(rows), filename="t.csv", source_uscc=a.uscc, item_code="penalty",
                      commit=False)
    assert out.accepted == 40
    plans = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().startswith("INSERT INTO evaluation_contributions") and "records r" in statement:
            plans.append(" / ".join(r[3] for r in cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)))
    conn = session.connection()
    event.listen(conn, "before_cursor_execute", before)
    try:
        hooks.on_batch_ingested(session, out.batch_id)
    finally:
        event.remove(conn, "before_cursor_execute", before)
    assert plans and all("ix_records_subject_date" in p and "ix_records_item_date" not in p for p in plans), plans
    results = "SELECT subject_id, score, grade, flagged FROM evaluation_results ORDER BY subject_id"
    contributions = ("SELECT subject_id, indicator, dimension, matched, flagged, points FROM evaluation_contributions "
                     "ORDER BY subject_id, indicator")
    incremental = (session.execute(text(results)).all(), session.execute(text(contributions)).all())
    service.recompute_full(session)
    touched = {r[0] for r in incremental[0]}
    full = tuple([r for r in session.execute(text(q)).all() if r[0] in touched] for q in (results, contributions))
    assert full == incremental and len(touched) == 40
