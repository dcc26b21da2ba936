"""A batch that creates most of the subjects table plans its later statements on what the table
holds now, not on statistics taken when it was nearly empty (PostgreSQL). Found by the 1M-row
crash trials (docs/RELIABILITY.md): after an autoanalyse of the emptied table, the re-run
ingest's legal-representative UPDATE joined 380,000 new subjects by nested loops over
sequential scans and ran for 17 minutes."""
from __future__ import annotations

import random

import polars as pl
import pytest
from sqlalchemy import event, text

from xinyong.db import session_scope
from xinyong.kit import bulk
from xinyong.subjects import repository
from xinyong.synthetic import make_resident_id, make_uscc

pytestmark = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
FIRMS = 6_000   # each with a legal representative: 12,000 new subjects, above REANALYSE_AT


def _batch(rng: random.Random, n: int) -> pl.DataFrame:
    usccs, rids = set(), set()
    while len(usccs) < n:
        usccs.add(make_uscc(rng))
    while len(rids) < n:
        rids.add(make_resident_id(rng))
    return pl.DataFrame({
        "subject_kind": ["legal_person"] * n, "subject_name": [f"统计测试{i}有限公司" for i in range(n)],
        "subject_uscc": sorted(usccs), "subject_resident_id": [None] * n, "subject_other_id": [None] * n,
        "legal_rep_name": ["张三"] * n, "legal_rep_resident_id": sorted(rids)},
        schema={"subject_kind": pl.Utf8, "subject_name": pl.Utf8, "subject_uscc": pl.Utf8,
                "subject_resident_id": pl.Utf8, "subject_other_id": pl.Utf8, "legal_rep_name": pl.Utf8,
                "legal_rep_resident_id": pl.Utf8})


def _resolve_with_plans(db, frame: pl.DataFrame) -> tuple[list[str], float]:
    """Plans of the statements after the INSERT, and what the statistics say within the batch."""
    plans: list[str] = []
    with session_scope(db) as session:
        conn = session.connection()

        def before(conn_, cursor, statement, parameters, context, executemany):
            if statement.lstrip().startswith(("UPDATE subjects", "SELECT st.skey")):
                cursor.execute("EXPLAIN " + statement, parameters)
                plans.append("\n".join(r[0] for r in cursor.fetchall()))

        def copy_out(session_, sql, schema):   # the key -> id mapping is read by COPY, past the event
            plans.append("\n".join(r[0] for r in session_.execute(text("EXPLAIN " + sql))))
            return real_copy_out(session_, sql, schema)

        real_copy_out = bulk.copy_out
        event.listen(conn, "before_cursor_execute", before)
        bulk.copy_out = copy_out
        try:
            ids = repository.resolve_subjects(session, frame)
        finally:
            bulk.copy_out = real_copy_out
            event.remove(conn, "before_cursor_execute", before)
        assert ids.null_count() == 0 and ids.n_unique() == len(frame)
        known = session.execute(text("SELECT reltuples FROM pg_class WHERE oid = 'subjects'::regclass")).scalar()
    return plans, known


def _nested_over_scan(plan: str) -> bool:
    """A nested loop with a sequential scan of subjects under it: rows × table."""
    lines = plan.splitlines()
    for i, line in enumerate(lines):
        if "Nested Loop" in line:
            depth = len(line) - len(line.lstrip())
            for below in lines[i + 1:]:
                if below.strip() and len(below) - len(below.lstrip()) <= depth:
                    break
                if "Seq Scan on subjects" in below:
                    return True
    return False


def _nearly_empty_statistics(db) -> None:
    with db.begin() as conn:
        conn.execute(text("INSERT INTO subjects (kind, name, uscc, created_at) "
                          "VALUES ('legal_person', '统计种子有限公司', :u, now())"), {"u": make_uscc(random.Random(1))})
    with db.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE subjects"))


def test_a_batch_that_outgrows_the_statistics_takes_them_again(db):
    _nearly_empty_statistics(db)
    plans, known = _resolve_with_plans(db, _batch(random.Random(7), FIRMS))
    assert known >= 2 * FIRMS * 0.9, known       # the batch's own new subjects are counted
    assert len(plans) == 2 and not any(_nested_over_scan(p) for p in plans), "\n\n".join(plans)


def test_without_the_new_statistics_the_plan_is_the_one_that_hung(db, monkeypatch):
    """The check above can fail: with the re-analyse switched off, the same batch is planned
    on the nearly empty table's statistics."""
    monkeypatch.setattr(repository, "REANALYSE_AT", 10 ** 9)
    _nearly_empty_statistics(db)
    plans, known = _resolve_with_plans(db, _batch(random.Random(7), FIRMS))
    assert known < FIRMS
    assert any(_nested_over_scan(p) for p in plans), "\n\n".join(plans)
