"""PostgreSQL: a batch's few thousand subjects without legal representatives are merged from bound
arrays (subjects.repository._merge_arrays) instead of a temporary table; the subjects created,
their ids and order, and the ids found for those that existed are the staged merge's."""
from __future__ import annotations

import random

import polars as pl
import pytest
from sqlalchemy import text

from xinyong.kit import bulk
from xinyong.subjects import repository
from xinyong.synthetic import make_resident_id, make_uscc

pytestmark = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
COLUMNS = "kind, name, uscc, resident_id_hash, resident_id_enc, other_id, legal_rep_name, legal_rep_id"


def _frame(rows: list[tuple]) -> pl.DataFrame:
    names = ("subject_kind", "subject_name", "subject_uscc", "subject_resident_id", "subject_other_id",
             "legal_rep_name", "legal_rep_resident_id")
    return pl.DataFrame([dict(zip(names, r)) for r in rows], schema={n: pl.Utf8 for n in names})


def _batch(rng: random.Random, tag: str, n: int) -> list[tuple]:
    """Firms, persons and subjects known by another id; names with the characters an array's text
    quotes or escapes."""
    rows = []
    for i in range(n):
        name = f'{tag}测试{i} "引号" \\反斜杠, {{括号}} 有限公司'
        kind = i % 3
        rows.append(("legal_person", name, make_uscc(rng), None, None, "王五", None) if kind == 0 else
                    ("natural_person", f"{tag}张{i}", None, make_resident_id(rng), None, None, None) if kind == 1 else
                    ("other", f"{tag}其他{i}", None, None, f"{tag}-OTHER-{i}", None, None))
    return rows


def _merged(session, frame: pl.DataFrame, staged: bool, monkeypatch) -> tuple[list[int], list[tuple], int]:
    """(each row's subject id, the created subjects in id order, the first created id) in a savepoint
    rolled back after; ``staged``: through the temporary table."""
    calls = []
    real = repository._merge_arrays
    monkeypatch.setattr(repository, "ANALYSE_STAGE_AT", 0 if staged else 10_000)
    monkeypatch.setattr(repository, "_merge_arrays", lambda *a: calls.append(1) or real(*a))
    before = session.execute(text("SELECT coalesce(max(id), 0) FROM subjects")).scalar()
    nested = session.begin_nested()
    ids = repository.resolve_subjects(session, frame).to_list()
    created = [tuple(r) for r in session.execute(text(
        f"SELECT id, {COLUMNS} FROM subjects WHERE id > :b ORDER BY id"), {"b": before})]
    nested.rollback()
    assert bool(calls) != staged
    first = created[0][0] if created else 0
    return ids, [(r[0] - first, *r[1:]) for r in created], first


def test_a_merge_of_bound_arrays_gives_what_the_staged_merge_gives(session, monkeypatch):
    # ciphertexts made the same way each time (sealing draws a fresh nonce), bytes of every value
    monkeypatch.setattr(repository, "ciphertexts", lambda plains: [bytes(range(256)) + p.encode() for p in plains])
    rng = random.Random(11)
    known = _batch(rng, "已有", 30)
    repository.resolve_subjects(session, _frame(known))
    new = _batch(rng, "新", 60)
    rows = [r for pair in zip(new[:30], known[:30]) for r in pair] + new[30:] + new[:5]  # repeats, known between
    frame = _frame(rows)
    ids_arrays, created_arrays, first_arrays = _merged(session, frame, False, monkeypatch)
    ids_staged, created_staged, first_staged = _merged(session, frame, True, monkeypatch)
    assert len(created_arrays) == 60 and created_arrays == created_staged
    shift = first_staged - first_arrays
    assert [i + shift if i >= first_arrays else i for i in ids_arrays] == ids_staged
    assert any(r[5] is not None for r in created_arrays)   # a ciphertext went through as hex


def test_a_batch_naming_legal_representatives_is_still_staged(session, monkeypatch):
    rng = random.Random(12)
    calls = []
    real = repository._merge_arrays
    monkeypatch.setattr(repository, "_merge_arrays", lambda *a: calls.append(1) or real(*a))
    staged = []
    real_create = bulk.create_temp_table
    monkeypatch.setattr(bulk, "create_temp_table", lambda s, name, cols: staged.append(name) or real_create(s, name, cols))
    frame = _frame([("legal_person", "代表测试有限公司", make_uscc(rng), None, None, "李四", make_resident_id(rng))])
    ids = repository.resolve_subjects(session, frame)
    assert ids.null_count() == 0 and calls == [] and staged == [repository.STAGE]
    rep = session.execute(text("SELECT legal_rep_id FROM subjects WHERE id = :i"), {"i": ids[0]}).scalar()
    assert rep is not None
