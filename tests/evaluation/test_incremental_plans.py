"""Issue #14 point 4: the incremental recompute after a batch reads only the subjects the batch
touched, at every size of batch. On PostgreSQL (a plan): every statement the hook runs is
explained just before it runs, in its transaction (the staged scope table exists then), and no
plan may read a whole table that grows with the city (a sequential scan) — also when the
planner's statistics, taken after ANALYZE, make one look cheap: here batches touch 5% and 30% of
the city's subjects, beyond hooks.CHUNK (the staged scope) and below it (named subjects)."""
from __future__ import annotations

import contextlib
import datetime as dt
import random
import re

import pytest
from sqlalchemy import event, text

from tests.evaluation.conftest import penalty
from tests.support.builders import agency
from xinyong.evaluation import hooks, repository, service
from xinyong.evaluation.scope import SCOPE_TABLE, Scope, per_subject_plans
from xinyong.ingest.service import ingest_file
from xinyong.models import Base
from xinyong.synthetic import make_uscc, to_csv

pytestmark = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)

CITY = 20_000          # subjects
PER_SUBJECT = 3        # records each
SEQ_SCAN = re.compile(r"Seq Scan on (\w+)")


@contextlib.contextmanager
def explained(session):
    """(statement, plan) of every statement run on the session's connection meanwhile."""
    plans: list[tuple[str, str]] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if not executemany and statement.lstrip().upper().startswith(("SELECT", "INSERT", "DELETE", "UPDATE")):
            cursor.execute("EXPLAIN " + statement, parameters)
            plans.append((statement, "\n".join(r[0] for r in cursor.fetchall())))

    conn = session.connection()
    event.listen(conn, "before_cursor_execute", before)
    try:
        yield plans
    finally:
        event.remove(conn, "before_cursor_execute", before)


def _copy(table: str, overrides: dict[str, str], source: str, alias: str) -> str:
    """INSERT … SELECT of `table`'s columns (but id) from `source`, some of them replaced."""
    cols = [c.name for c in Base.metadata.tables[table].columns if c.name != "id"]
    values = ", ".join(overrides.get(c, f"{alias}.{c}") for c in cols)
    return f"INSERT INTO {table} ({', '.join(cols)}) SELECT {values} FROM {source}"


def _city(session, today, analyse_evaluation: bool = True) -> int:
    """CITY subjects with PER_SUBJECT records each, copied from one ingested penalty; analysed,
    and evaluated once (the evaluation tables analysed by the test too unless told not to).
    Returns the template batch's id."""
    today("2026-09-01")
    rng = random.Random(3)
    a = agency(session)
    out = ingest_file(session, data=to_csv([penalty(rng, "泉州市计划测试有限公司", make_uscc(rng), "泉计罚〔2026〕1号",
                                                    dt.date(2026, 5, 2), "罚款", "1.5", a.uscc)]),
                      filename="t.csv", source_uscc=a.uscc, item_code="penalty")
    assert out.accepted == 1
    session.execute(text(_copy("subjects", {"name": "'主体' || g", "uscc": "NULL", "resident_id_hash": "NULL",
                                            "other_id": "'plan-' || g"},
                               f"subjects s, generate_series(1, {CITY - 1}) g "
                               f"WHERE s.id = (SELECT subject_id FROM records)", "s")))
    session.execute(text(_copy("records", {
        "subject_id": "s.id", "decision_no": "r.decision_no || '-' || s.id || '-' || g",
        "decision_date": "r.decision_date - g * 30"},
        f"records r CROSS JOIN subjects s CROSS JOIN generate_series(1, {PER_SUBJECT}) g "
        f"WHERE s.other_id LIKE 'plan-%'", "r")))
    for t in ("subjects", "records"):
        session.execute(text(f"ANALYZE {t}"))
    service.recompute_full(session)
    session.commit()
    for t in ("subjects", "records") + (("evaluation_results", "evaluation_contributions") if analyse_evaluation
                                        else ()):
        session.execute(text(f"ANALYZE {t}"))
    session.commit()
    return out.batch_id


def _batch(session, template: int, subjects: int) -> int:
    """A new batch with one new record for each of `subjects` subjects spread over the city."""
    batch_id = session.execute(text(_copy("batches", {"filename": "'plan.csv'"},
                                          f"batches b WHERE id = {template}", "b") + " RETURNING id")).scalar()
    step = CITY // subjects
    session.execute(text(_copy("records", {
        "subject_id": "s.id", "decision_no": f"r.decision_no || '-b{batch_id}-' || s.id", "batch_id": str(batch_id),
        "decision_date": "date '2026-08-01'"},
        f"records r JOIN subjects s ON s.id % {step} = 0 WHERE r.id = (SELECT min(id) FROM records) ORDER BY s.id "
        f"LIMIT {subjects}", "r")))
    session.execute(text("ANALYZE records"))
    return batch_id


SMALL_PAGES = 4   # a table this small is read whole by any plan: a sequential scan is its cheapest read


def _whole_table_reads(session, plans) -> list[str]:
    """Plans reading a whole table other than the staged scope, among tables bigger than a few pages
    (the planner rightly scans e.g. the handful of evaluation runs instead of using their key)."""
    tables = {t for _, plan in plans for t in SEQ_SCAN.findall(plan)} - {SCOPE_TABLE}
    pages = {t: session.execute(text("SELECT pg_relation_size(CAST(:t AS regclass)) / current_setting('block_size')::int"),
                                {"t": t}).scalar() for t in tables}
    return [f"{stmt}\n{plan}" for stmt, plan in plans
            if any(t != SCOPE_TABLE and pages[t] > SMALL_PAGES for t in SEQ_SCAN.findall(plan))]


def test_the_hook_reads_only_the_touched_subjects_by_index(session, today):
    template = _city(session, today)
    for touched in (1000, hooks.CHUNK + 1000):     # named subjects, then the staged scope
        batch_id = _batch(session, template, touched)
        before = dict(session.execute(text("SELECT subject_id, run_id FROM evaluation_results")).all())
        with explained(session) as plans:
            hooks.on_batch_ingested(session, batch_id)
        assert len([p for p in plans if "evaluation_" in p[0]]) >= 5, plans   # deletes, contributions, results
        whole = _whole_table_reads(session, plans)
        assert not whole, "\n\n".join(whole)
        after = dict(session.execute(text("SELECT subject_id, run_id FROM evaluation_results")).all())
        assert len({s for s in before if before[s] != after[s]}) == touched
        assert len(after) == len(before)
        settings = session.execute(text("SELECT current_setting('enable_seqscan'), "
                                        "current_setting('enable_hashjoin')")).one()
        assert tuple(settings) == ("on", "on")     # the per-subject plan settings end with the recompute
        session.commit()


def test_results_read_each_subjects_contributions_by_key_before_any_analyze(session, today):
    """A new database's second batch: the contributions the first batches wrote are not analysed
    yet. The results statement must still look each touched subject's contributions up by key:
    with a plain join the planner materialised the whole model version's contributions and
    rescanned them for every subject (103 s of a 100,000-row batch, docs/PERFORMANCE.md)."""
    today("2026-09-01")
    rng = random.Random(11)
    a = agency(session)

    def batch(n: int, tag: str) -> int:
        rows = [penalty(rng, f"泉州市键查{tag}{i}有限公司", make_uscc(rng), f"泉键罚〔2026〕{tag}{i}号",
                        dt.date(2026, 5, 2), "罚款", "1.5", a.uscc) for i in range(n)]
        out = ingest_file(session, data=to_csv(rows), filename=f"{tag}.csv", source_uscc=a.uscc, item_code="penalty")
        assert out.accepted == n
        return out.batch_id

    batch(20, "w")
    second = batch(1500, "b")
    with explained(session) as plans:
        hooks.on_batch_ingested(session, second)
    results = [plan for stmt, plan in plans if stmt.lstrip().startswith("INSERT INTO evaluation_results")]
    assert len(results) == 1, plans
    assert "Join Filter" not in results[0], results[0]
    assert re.search(r"Index Cond: \(\(subject_id = s\.id\)", results[0]), results[0]


def test_the_deletes_go_by_subject_while_the_earlier_batches_rows_are_not_analysed(session, today):
    """Batches one after another, the evaluation tables last analysed when they held a handful of
    the version's rows (autovacuum has not come by since): the next batch's DELETE of its subjects'
    rows must still find each subject's rows by its key. As ``IN (SELECT … FROM scope)`` the planner
    read the version's rows once, materialised, and compared every subject with every one of them:
    0.67 s of a daily 10,000-row batch (3,800 subjects) after one earlier batch of as many, more
    after each (a probe at the 1M / 10M city, docs/performance-history.md)."""
    today("2026-09-01")
    version = service.model_in_force().model.version

    def rows(first: int, last: int, v: str = version) -> None:   # a contribution and a result for each subject
        params = {"v": v, "a": first, "b": last}
        session.execute(text(
            "INSERT INTO evaluation_contributions (subject_id, model_version, run_id, indicator, dimension, matched, "
            "flagged, points, as_of, computed_at) SELECT g, :v, 1, 'penalty_general', 'public', 1, 0, -5, "
            "date '2026-09-01', now() FROM generate_series(CAST(:a AS bigint), CAST(:b AS bigint)) g"), params)
        session.execute(text(
            "INSERT INTO evaluation_results (subject_id, model_version, score, grade, flagged, as_of, run_id, "
            "computed_at) SELECT g, :v, 995, 'A', 0, date '2026-09-01', 1, now() "
            "FROM generate_series(CAST(:a AS bigint), CAST(:b AS bigint)) g"), params)

    rows(1, 10, "an-earlier-version")   # what the tables held when last analysed
    for t in ("evaluation_results", "evaluation_contributions"):
        session.execute(text(f"ANALYZE {t}"))
    rows(1, 6000)                      # an earlier batch's rows of the version in force, written after it
    scope = Scope.subjects(list(range(3001, 6801)))
    with explained(session) as plans, per_subject_plans(session, scope):
        repository.delete_scope(session, version, scope)
    deletes = [plan for stmt, plan in plans if stmt.lstrip().startswith("DELETE FROM evaluation_")]
    assert len(deletes) == 2, plans
    for plan in deletes:
        assert "Join Filter" not in plan and "Materialize" not in plan, plan
        assert re.search(r"Index Cond: \(+subject_id = ", plan), plan          # each subject by its key
        assert "version_grade" not in plan, plan                                  # not the version's rows
    left = session.execute(text("SELECT count(*), max(subject_id) FROM evaluation_contributions "
                                "WHERE model_version = :v"), {"v": version}).one()
    assert tuple(left) == (3000, 3000)
    assert session.execute(text("SELECT count(*) FROM evaluation_results WHERE subject_id > 3000")).scalar() == 0
    assert session.execute(text("SELECT count(*) FROM evaluation_results WHERE model_version <> :v"),
                           {"v": version}).scalar() == 10   # the other version's rows are not the scope's


INDEX_NODE = re.compile(r"(Index Only Scan|Index Scan|Bitmap Index Scan) (?:Backward )?(?:using|on) (\w+)")
KEYED = re.compile(r"\b(subject_id|id|batch_id) = ")


def _unkeyed_index_reads(session, plans) -> list[str]:
    """Index reads of a table bigger than a few pages whose condition is not a subject's (or the
    batch's) key: e.g. every result of the model version through ix_evaluation_results_version_grade,
    filtered by subject afterwards (as costly as reading the table)."""
    found = []
    for stmt, plan in plans:
        lines = plan.splitlines()
        for i, line in enumerate(lines):
            m = INDEX_NODE.search(line)
            if not m:
                continue
            table = session.execute(text("SELECT tablename FROM pg_indexes WHERE indexname = :i"),
                                    {"i": m.group(2)}).scalar()
            if table in (None, SCOPE_TABLE):
                continue
            pages = session.execute(text("SELECT pg_relation_size(CAST(:t AS regclass)) / "
                                         "current_setting('block_size')::int"), {"t": table}).scalar()
            indent = len(line) - len(line.lstrip())
            detail = []
            for nxt in lines[i + 1:]:
                if len(nxt) - len(nxt.lstrip()) <= indent or "->" in nxt:
                    break
                detail.append(nxt)
            cond = next((d for d in detail if "Index Cond:" in d), "")
            if pages > SMALL_PAGES and not KEYED.search(cond):
                found.append(f"{m.group(2)} on {table} ({cond.strip() or 'no index condition'}):\n{stmt}\n{plan}")
    return found


def test_right_after_a_full_recompute_the_hook_still_goes_by_subject(session, today):
    """The evaluation tables not analysed by anyone but the platform: a full recompute has just
    rewritten every result of the version (their statistics, taken before, knew of none). The next
    batch's statements must still reach each touched subject's rows by its key: before, the DELETE
    of the batch's results read every result of the version through ix_evaluation_results_version_grade
    and filtered by subject (1M rows for 5,000 subjects in the city of 1M subjects). Also: the
    per-subject settings, JIT included, end with the recompute."""
    template = _city(session, today, analyse_evaluation=False)
    for touched in (1000, hooks.CHUNK + 1000):     # named subjects, then the staged scope
        batch_id = _batch(session, template, touched)
        with explained(session) as plans:
            hooks.on_batch_ingested(session, batch_id)
        assert len([p for p in plans if p[0].lstrip().startswith("DELETE FROM evaluation_results")]) == 1, plans
        unkeyed = _unkeyed_index_reads(session, plans) + _whole_table_reads(session, plans)
        assert not unkeyed, "\n\n".join(unkeyed)
        settings = session.execute(text("SELECT current_setting('enable_seqscan'), current_setting('jit')")).one()
        before_jit = session.execute(text("SELECT reset_val FROM pg_settings WHERE name = 'jit'")).scalar()
        assert tuple(settings) == ("on", before_jit)
        session.commit()


def test_a_new_databases_first_large_batch_reads_each_subjects_records_by_key(session, today):
    """A new database's batches, nothing analysed: records just loaded (the planner thinks the
    table nearly empty). Each touched subject's records must be read through its subject key
    alone: with bitmap scans allowed the planner ANDed the subject's index with
    ix_records_item_date, so every subject re-read all the batch's records of the catalogue's
    items (quadratic: a 1M-row first load's outbox ran for over 4 minutes, a 20,000-row one 6.8 s
    against 0.37 s, 2026-12-05)."""
    today("2026-09-01")
    rng = random.Random(12)
    a = agency(session)
    rows = [penalty(rng, f"泉州市首批{i}有限公司", make_uscc(rng), f"泉首罚〔2026〕{i}号",
                    dt.date(2026, 5, 2), "罚款", "1.5", a.uscc) for i in range(3000)]
    out = ingest_file(session, data=to_csv(rows), filename="first.csv", source_uscc=a.uscc, item_code="penalty")
    assert out.accepted == 3000
    with explained(session) as plans:
        hooks.on_batch_ingested(session, out.batch_id)
    contributions = [(s, p) for s, p in plans if s.lstrip().startswith("INSERT INTO evaluation_contributions")
                     and "records r" in s]
    assert contributions, plans
    unkeyed = _unkeyed_index_reads(session, contributions)
    assert not unkeyed and "BitmapAnd" not in contributions[0][1], "\n\n".join(unkeyed) or contributions[0][1]


def test_the_records_contributions_are_read_index_only_from_the_subject_index(session, today):
    """Issue 14 point 3: one index of records per subject serves the pages (newest first) and the
    evaluation. The records contributions statement, per touched subject, reads only that index
    (index-only: the columns it needs are its key or INCLUDEd), nothing of the heap's JSON fields;
    migration 0026 merged ix_records_evaluation into it."""
    template = _city(session, today)
    batch_id = _batch(session, template, 1000)
    with explained(session) as plans:
        hooks.on_batch_ingested(session, batch_id)
    contributions = [p for s, p in plans if s.lstrip().startswith("INSERT INTO evaluation_contributions")
                     and "records r" in s]
    assert len(contributions) == 1, plans
    assert re.search(r"Index Only Scan using ix_records_subject_date on records r\b", contributions[0]), \
        contributions[0]
    indexes = session.execute(text("SELECT indexname FROM pg_indexes WHERE tablename = 'records'")).scalars()
    assert sorted(indexes) == ["ix_records_batch", "ix_records_item_date", "ix_records_subject_date", "pk_records",
                               "uq_records_source_decision"]
