"""PostgreSQL: while a batch is validated, the pages of the subjects' key indexes its merge
will need are read on a connection of their own (ingest.service._read_subject_key_pages), from
the USCCs and ID numbers as the file has them; the merge starts once that reading has ended,
and a failed reading costs nothing but its gain."""
from __future__ import annotations

import pytest

from tests.support.builders import agency, penalty_rows, to_csv
from xinyong.ingest import service


def _ingest(session, monkeypatch, read, backend_rows=12):
    events = []
    real_resolve = service.resolve_subjects

    def resolve(*args, **kwargs):
        events.append("merge")
        return real_resolve(*args, **kwargs)

    monkeypatch.setattr(service, "READ_KEY_PAGES_FROM_ROWS", 1)
    monkeypatch.setattr(service, "read_key_pages", lambda engine, usccs, ids: read(engine, usccs, ids, events))
    monkeypatch.setattr(service, "resolve_subjects", resolve)
    src = agency(session).uscc
    rows = penalty_rows(backend_rows, src, persons=3)
    out = service.ingest_file(session, data=to_csv(rows), filename="p.csv", source_uscc=src, item_code="penalty")
    return rows, out, events


@pytest.mark.parametrize("backend", ["postgresql"])
def test_the_merges_key_pages_are_read_while_the_batch_is_validated(session, monkeypatch):
    seen = {}

    def read(engine, usccs, ids, events):
        from xinyong.subjects.repository import read_key_pages
        seen.update(usccs=set(usccs.to_list()), ids=set(ids.to_list()))
        read_key_pages(engine, usccs, ids)   # the real reading, on its own connection
        events.append("read")

    rows, out, events = _ingest(session, monkeypatch, read)
    assert out.status == "completed" and out.created == 12
    assert events == ["read", "merge"]
    usccs = {r["行政相对人代码_1(统一社会信用代码)"] for r in rows} - {""}
    assert len(usccs) == 9 and usccs <= seen["usccs"]   # the three persons have none
    persons = {r["证件号码"] for r in rows[:3]}
    assert len(persons) == 3 and persons <= seen["ids"]


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_failed_reading_ahead_costs_the_batch_nothing(session, monkeypatch):
    def read(engine, usccs, ids, events):
        events.append("read")
        raise RuntimeError("the connection went away")

    _, out, events = _ingest(session, monkeypatch, read)
    assert out.status == "completed" and out.created == 12 and events == ["read", "merge"]


@pytest.mark.parametrize("backend", ["sqlite"])
def test_sqlite_reads_nothing_ahead(session, monkeypatch):
    _, out, events = _ingest(session, monkeypatch, lambda *a: a[-1].append("read"))
    assert out.created == 12 and events == ["merge"]


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_batch_of_several_parts_reads_nothing_ahead(session, monkeypatch):
    """(its validation is long enough for the merge's pages to be read anyway: the reading
    only slowed the validation beside it)"""
    monkeypatch.setattr(service, "VALIDATE_CHUNK_ROWS", 4)
    _, out, events = _ingest(session, monkeypatch, lambda *a: a[-1].append("read"))
    assert out.created == 12 and events == ["merge"]
