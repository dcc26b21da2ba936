"""The batch's subject merge on PostgreSQL returns the ids of the subjects it created, so that
only the staged subjects that existed before are looked up after it (issue 14: a daily batch's
subjects are mostly new, and each was looked up a second time)."""
from __future__ import annotations

import random

import polars as pl
import pytest
from sqlalchemy import text

from xinyong.db import session_scope
from xinyong.kit import bulk
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


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_sqlite_looks_up_nothing_after_a_merge_that_created_every_subject(db):
    """SQLite's merge returns its created subjects too: a batch of new subjects (firms, persons,
    an identifier-only subject) needs no look-up after it; with one known subject among them all
    are looked up, and every row gets the id of its subject either way."""
    rng = random.Random(5)
    usccs = sorted({make_uscc(rng) for _ in range(6)})
    people = [make_resident_id(rng) for _ in range(3)]
    frame = pl.concat([_rows(usccs[:3], [people[0], None, None]), pl.DataFrame({
        "subject_kind": ["natural_person", "natural_person", "other"], "subject_name": ["王五", "赵六", "某组织"],
        "subject_uscc": [None, None, None], "subject_resident_id": [people[1], people[2], None],
        "subject_other_id": [None, None, "ORG-0001"], "legal_rep_name": [None] * 3, "legal_rep_resident_id": [None] * 3},
        schema=_rows(usccs[:1], [None]).schema)])
    mapped: list = []
    real = bulk.query_frame

    def query_frame(session, sql, schema, params=None):
        if sql.lstrip().startswith("SELECT st.skey"):
            mapped.append(sql)
        return real(session, sql, schema, params)

    bulk.query_frame = query_frame
    try:
        with session_scope(db) as session:
            first = repository.resolve_subjects(session, frame)
        assert mapped == []
        with session_scope(db) as session:
            again = repository.resolve_subjects(session, pl.concat([frame.slice(1, 1), _rows(usccs[3:], [None] * 3)]))
        assert len(mapped) == 1
    finally:
        bulk.query_frame = real
    with session_scope(db) as session:
        stored = dict(session.execute(text(
            "SELECT id, coalesce(uscc, resident_id_hash, other_id) FROM subjects")).all())
    assert first.n_unique() == 6 and again[0] == first[1]
    assert stored[first[0]] == usccs[0] and stored[first[5]] == "ORG-0001"
    assert len(set(again.to_list()) | set(first.to_list())) == 9
