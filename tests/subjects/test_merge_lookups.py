"""The batch's subject merge (issue 14): on PostgreSQL it returns the ids of the subjects it
created, so that only the staged subjects that existed before are looked up after it (a daily
batch's subjects are mostly new, and each was looked up a second time); on SQLite it stages
nothing: the batch's keys are looked up once and the new subjects inserted by one executemany."""
from __future__ import annotations

import random

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from xinyong.db import session_scope
from xinyong.kit import bulk
from xinyong.models import Subject
from xinyong.subjects import repository
from xinyong.synthetic import make_resident_id, make_uscc

POSTGRESQL = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)


def _rows(usccs: list[str], reps: list[str | None]) -> pl.DataFrame:
    n = len(usccs)
    return pl.DataFrame({
        "subject_kind": ["legal_person"] * n, "subject_name": [f"合并测试{u[-6:]}有限公司" for u in usccs],
        "subject_uscc": usccs, "subject_resident_id": [None] * n, "subject_other_id": [None] * n,
        "legal_rep_name": [None if r is None else "李四" for r in reps], "legal_rep_resident_id": reps},
        schema={"subject_kind": pl.Utf8, "subject_name": pl.Utf8, "subject_uscc": pl.Utf8,
                "subject_resident_id": pl.Utf8, "subject_other_id": pl.Utf8, "legal_rep_name": pl.Utf8,
                "legal_rep_resident_id": pl.Utf8})


def _resolve(db, frame: pl.DataFrame, lookups: list) -> pl.Series:
    real = bulk.copy_out

    def copy_out(session, sql, schema, params=None):
        if not sql.lstrip().startswith("INSERT"):
            lookups.append(sorted(bytes(params["existed"]).decode().strip("{}").replace('"', "").split(","))
                           if params else "all")
        return real(session, sql, schema, params)

    bulk.copy_out = copy_out
    try:
        with session_scope(db) as session:
            return repository.resolve_subjects(session, frame)
    finally:
        bulk.copy_out = real


@POSTGRESQL
def test_only_the_subjects_that_existed_are_looked_up_after_the_merge(db):
    rng = random.Random(3)
    usccs = sorted({make_uscc(rng) for _ in range(40)})
    rep = make_resident_id(rng)
    lookups: list = []
    first = _resolve(db, _rows(usccs[:10], [rep] + [None] * 9), lookups)
    assert lookups == []      # every subject (and the legal representative) new: nothing looked up
    # two known firms among new ones, each row twice; the known ones keep their ids
    mixed = usccs[8:30] * 2
    ids = _resolve(db, _rows(mixed, [None] * len(mixed)), lookups)
    assert lookups == [sorted(f"U:{u}" for u in usccs[8:10])]
    assert ids.slice(0, 2).to_list() == first.slice(8, 2).to_list()
    assert ids.slice(0, 22).to_list() == ids.slice(22, 22).to_list() and ids.n_unique() == 22
    assert set(ids.slice(2, 20).to_list()).isdisjoint(first.to_list())
    again = _resolve(db, _rows(usccs[:30], [rep] + [None] * 29), lookups)
    assert again.to_list() == first.to_list() + ids.slice(2, 20).to_list()


SQLITE = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
_RNG = random.Random(5)
USCCS = sorted({make_uscc(_RNG) for _ in range(5)})
PEOPLE = [make_resident_id(_RNG) for _ in range(4)]
OTHERS = ["ORG-0001", "ORG-0002", "项目-3"]


def _frame(rows: list[tuple]) -> pl.DataFrame:
    """(kind, uscc, resident ID, other id, legal representative's resident ID) per row."""
    return pl.DataFrame([{
        "subject_kind": kind, "subject_name": f"主体{i}", "subject_uscc": uscc, "subject_resident_id": rid,
        "subject_other_id": other, "legal_rep_name": None if rep is None else f"代表{i}", "legal_rep_resident_id": rep}
        for i, (kind, uscc, rid, other, rep) in enumerate(rows)], schema=_rows(USCCS[:1], [None]).schema)


_ROW = st.one_of(
    st.tuples(st.just("legal_person"), st.sampled_from(USCCS), st.none(), st.none() | st.sampled_from(OTHERS),
              st.none() | st.sampled_from(PEOPLE)),
    st.tuples(st.just("natural_person"), st.none(), st.sampled_from(PEOPLE), st.none(), st.none()),
    st.tuples(st.just("other"), st.none(), st.none(), st.sampled_from(OTHERS), st.none()))


def _stage_merge(session, staged: pl.DataFrame, now, registers: bool = False) -> pl.DataFrame:
    """The merge SQLite ran before it had no stage (main 99153cc), kept as the reference; since
    session 33 a batch that does not register subjects sets a legal representative only where a
    subject has none (subjects.repository.resolve_subjects)."""
    bulk.create_temp_table(session, repository.STAGE, repository.STAGE_COLUMNS)
    bulk.load_frame(session, repository.STAGE, staged)
    session.execute(text(
        f"INSERT INTO subjects (kind, name, uscc, resident_id_hash, resident_id_enc, other_id, legal_rep_name, "
        f"created_at) SELECT kind, name, uscc, rid_hash, rid_enc, other_id, legal_rep_name, :now FROM "
        f"{repository.STAGE} WHERE true ON CONFLICT DO NOTHING"), {"now": now})
    session.execute(text(
        f"UPDATE subjects SET legal_rep_id = rep.id, legal_rep_name = st.legal_rep_name "
        f"FROM {repository.STAGE} st JOIN subjects rep ON rep.resident_id_hash = st.legal_rep_hash "
        f"WHERE st.legal_rep_hash IS NOT NULL AND subjects.uscc = st.uscc AND subjects.legal_rep_id IS NOT rep.id"
        f"{'' if registers else ' AND subjects.legal_rep_id IS NULL'}"))
    mapping = bulk.query_frame(session, repository._mapping_sql(), {"skey": pl.Utf8, "subject_id": pl.Int64})
    bulk.drop_temp_table(session, repository.STAGE)
    return mapping


def _outcome(db, before: list[tuple], batch: list[tuple]):
    """The batch's subject ids and the subjects table after it, or the error; rolled back. The
    resident IDs' ciphertexts by length (each encryption draws its own nonce); created_at not
    compared (the two runs' clocks differ; the stage merge bound it untyped, with an offset,
    where the ORM and the merge without a stage store UTC without one)."""
    with session_scope(db) as session:
        try:
            if before:
                repository.resolve_subjects(session, _frame(before))
            ids = repository.resolve_subjects(session, _frame(batch)).to_list()
        except RuntimeError as exc:
            session.rollback()
            return str(exc)
        table = session.execute(text(
            "SELECT id, kind, name, uscc, resident_id_hash, length(resident_id_enc), other_id, legal_rep_id, "
            "legal_rep_name FROM subjects ORDER BY id")).all()
        session.rollback()
    return ids, [tuple(r) for r in table]


@SQLITE
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(before=st.lists(_ROW, max_size=5), batch=st.lists(_ROW, min_size=1, max_size=10))
def test_sqlite_merge_without_a_stage_resolves_and_stores_what_the_stage_merge_did(db, before, batch):
    """Known and new subjects, repeats, legal representatives (new or known persons), a new
    firm whose other identifier another subject holds: the same ids, the same stored subjects,
    the same error, as the INSERT .. SELECT from a stage it replaced."""
    ours = _outcome(db, before, batch)
    real = repository._merge_sqlite
    repository._merge_sqlite = _stage_merge
    try:
        reference = _outcome(db, before, batch)
    finally:
        repository._merge_sqlite = real
    assert ours == reference, (before, batch)


@SQLITE
def test_sqlite_merge_looks_up_the_batchs_keys_once_and_stages_nothing(db, monkeypatch):
    """SQLite: one look-up of every key before the new subjects are inserted, none after (all
    of them inserted), and no temporary table."""
    queries: list = []
    real = bulk.query_frame
    monkeypatch.setattr(bulk, "query_frame", lambda session, sql, *a, **k: queries.append(sql) or real(session, sql, *a, **k))
    monkeypatch.setattr(bulk, "create_temp_table", lambda *a, **k: pytest.fail("a stage table was made"))
    rows = [("legal_person", USCCS[0], None, None, PEOPLE[0]), ("natural_person", None, PEOPLE[1], None, None),
            ("other", None, None, OTHERS[0], None)]
    with session_scope(db) as session:
        first = repository.resolve_subjects(session, _frame(rows))
    assert len(queries) == 1 and first.n_unique() == 3
    with session_scope(db) as session:
        again = repository.resolve_subjects(session, _frame(rows[1:] + [("legal_person", USCCS[1], None, None, None)]))
    assert len(queries) == 2 and again.slice(0, 2).to_list() == first.slice(1, 2).to_list()
    with session_scope(db) as session:
        stored = dict(session.execute(text("SELECT id, coalesce(uscc, resident_id_hash, other_id) FROM subjects")).all())
        rep = session.execute(text("SELECT legal_rep_id FROM subjects WHERE uscc = :u"), {"u": USCCS[0]}).scalar()
    assert stored[first[0]] == USCCS[0] and stored[first[2]] == OTHERS[0] and stored[again[2]] == USCCS[1]
    assert rep is not None and rep not in first.to_list()   # the representative: a person subject of their own
    with session_scope(db) as session:   # stored as the ORM stores an instant: UTC, no offset
        made = session.get(Subject, first[0]).created_at
        session.add(Subject(kind="other", name="ORM", other_id="ORM-1", created_at=made))
        session.flush()
        texts = session.execute(text("SELECT DISTINCT created_at FROM subjects WHERE id = :a OR other_id = 'ORM-1'"),
                                {"a": first[0]}).scalars().all()
    assert made.tzinfo is not None and len(texts) == 1
