"""New record ids reserved before a PostgreSQL load (xinyong.ingest.repository.reserve_record_ids):
as many as asked, ascending, each taken from the table's sequence (so no other writer can be
given one), whether they come back as one run of consecutive ids or several."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from xinyong.ingest.repository import reserve_record_ids

pytestmark = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)


def _next(session) -> int:
    return session.execute(text("SELECT nextval(pg_get_serial_sequence('records', 'id'))")).scalar()


def test_the_ids_are_the_sequences_next_ones_in_order(db, session):
    before = _next(session)
    ids = reserve_record_ids(session, 5000).to_list()
    assert ids == list(range(before + 1, before + 5001))
    assert _next(session) == before + 5001                   # the sequence has moved past them
    assert reserve_record_ids(session, 0).to_list() == []


def test_ids_that_are_not_consecutive_come_back_each_of_them(db, session):
    """A sequence stepping by 3 stands for other writers taking ids in between: every run is
    one id long, and each is still returned once, in order."""
    session.execute(text("SELECT setval(pg_get_serial_sequence('records', 'id'), 1000)"))
    session.execute(text("ALTER SEQUENCE records_id_seq INCREMENT BY 3"))
    try:
        ids = reserve_record_ids(session, 40).to_list()
        assert ids == list(range(1003, 1003 + 3 * 40, 3))
    finally:
        session.rollback()
        session.execute(text("ALTER SEQUENCE records_id_seq INCREMENT BY 1"))
        session.commit()
