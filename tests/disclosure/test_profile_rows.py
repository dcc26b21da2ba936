"""The profile read takes rows, not ORM objects (issue #14): the rows carry what the objects
carry, and a read hands its connection back in the thread that read."""
from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import inspect, select

from tests.support.builders import agency, penalty_rows, to_csv
from xinyong import clock
from xinyong.disclosure import repository, service
from xinyong.ingest.service import ingest_file
from xinyong.kit.web import read_in_thread
from xinyong.models import Record, Subject
from xinyong.subjects import opener as resident_ids

DAY = clock.today()


def _load(session, n: int = 8, persons: int = 3):
    src = agency(session).uscc
    out = ingest_file(session, data=to_csv(penalty_rows(n, src, persons=persons)), filename="p.csv",
                      source_uscc=src, item_code="penalty")
    session.commit()
    assert out.rejected == 0, out
    return list(session.scalars(select(Record.subject_id).distinct().order_by(Record.subject_id)))


def _beside(session, subject_id, read):
    """``public_records`` and ``read`` of one subject, each in a transaction of its own."""
    objects = repository.public_records(session, subject_id, DAY)
    session.rollback()
    rows = read(session, subject_id, DAY)
    session.rollback()
    return objects, rows


def _columns(model) -> list[str]:
    return [c.key for c in inspect(model).column_attrs]


def test_record_rows_carry_every_column_of_the_records_in_the_same_order(session):
    subject_ids = _load(session)
    assert len(subject_ids) >= 4
    seen = 0
    for subject_id in subject_ids:
        objects, rows = _beside(session, subject_id, repository.public_record_rows)
        assert [r.id for r, _ in rows] == [r.id for r, _ in objects]
        for (row, agency_name), (record, object_agency) in zip(rows, objects):
            assert agency_name == object_agency
            for key in _columns(Record):
                assert getattr(row, key) == getattr(record, key), key
            seen += 1
    assert seen > 0


def test_subject_rows_carry_every_column_of_the_subject(session):
    subject_ids = _load(session)
    rule = service._masking()["resident_id"]
    persons = 0
    for subject_id in subject_ids:
        row = repository.subject_row(session, subject_id)
        subject = session.get(Subject, subject_id)
        for key in _columns(Subject):
            if key != "resident_id_enc":   # a Sealed shows nothing, not even equality: compared as shown
                assert getattr(row, key) == getattr(subject, key), key
        assert resident_ids.masked(row, rule) == resident_ids.masked(subject, rule)
        persons += resident_ids.masked(row, rule) is not None
    assert persons == 3
    assert repository.subject_row(session, max(subject_ids) + 1000) is None


def test_read_in_thread_answers_and_gives_the_connection_back(session):
    subject_ids = _load(session)
    got = asyncio.run(read_in_thread(session, repository.subject_row, subject_ids[0]))
    assert got.id == subject_ids[0]
    assert not session.in_transaction()


def test_read_in_thread_gives_the_connection_back_when_the_read_fails(session):
    _load(session, n=2, persons=0)

    def failing(s, subject_id):
        repository.subject_row(s, subject_id)
        assert s.in_transaction()
        raise LookupError("no")

    with pytest.raises(LookupError):
        asyncio.run(read_in_thread(session, failing, 1))
    assert not session.in_transaction()


def test_a_served_profile_is_the_rows_masked_and_windowed(session, client):
    """The API answer is built from the rows: persons masked, records inside the window only."""
    subject_ids = _load(session, n=6, persons=3)
    for subject_id in subject_ids:
        subject = session.get(Subject, subject_id)
        r = client.get(f"/api/v1/subjects/{subject_id}")
        assert r.status_code == 200, r.text
        body = r.json()
        today = dt.date.fromisoformat(body["as_of"])
        assert [x["id"] for x in body["records"]] == [
            rec.id for rec, _ in repository.public_records(session, subject_id, today)]
        session.rollback()
        if subject.kind == "natural_person":
            assert body["masked"] and body["name"] != subject.name
            assert all(subject.name not in str(x["fields"]) for x in body["records"])
        else:
            assert not body["masked"] and body["name"] == subject.name


def test_profile_rows_are_the_public_records_in_the_profiles_columns(session):
    """The profile's narrow read (issue #14): the same records in the same order as
    ``public_records``, each carrying exactly what the ORM record holds in those columns."""
    subject_ids = _load(session, n=10, persons=4)
    seen = 0
    for subject_id in subject_ids:
        objects, rows = _beside(session, subject_id, repository.profile_record_rows)
        assert len(rows) == len(objects)
        for row, (record, agency_name) in zip(rows, objects):
            assert tuple(row) == (*(getattr(record, c.key) for c in repository.PROFILE_RECORD_COLUMNS), agency_name)
            seen += 1
    assert seen >= 10


def test_the_profile_shows_every_column_it_reads(session):
    """Nothing is read for nothing: every column of the narrow read is a field of the answer."""
    from xinyong.disclosure.schemas import PublicRecord
    for column in repository.PROFILE_RECORD_COLUMNS:
        assert column.key in PublicRecord.model_fields, column.key
