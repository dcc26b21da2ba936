"""The new records' ids taken before their load (PostgreSQL, ingest.repository.reserve_record_ids):
ascending, from the records sequence, answered in one row when consecutive and in full when not."""
import pytest
from sqlalchemy import event, text

from xinyong.ingest import repository


@pytest.mark.parametrize("backend", ["postgresql"])
def test_consecutive_ids_come_back_as_a_span(session):
    answers = []

    def seen(conn, cursor, statement, *args):
        if "nextval" in statement:
            answers.append(cursor.rowcount)
    event.listen(session.get_bind(), "after_cursor_execute", seen)
    try:
        first = repository.reserve_record_ids(session, 5).to_list()
    finally:
        event.remove(session.get_bind(), "after_cursor_execute", seen)
    assert answers == [1]   # one statement, one row: not one row per id
    second = repository.reserve_record_ids(session, 3).to_list()
    assert first == list(range(first[0], first[0] + 5))
    assert second == list(range(first[-1] + 1, first[-1] + 4))
    assert repository.reserve_record_ids(session, 0).to_list() == []


@pytest.mark.parametrize("backend", ["postgresql"])
def test_ids_with_gaps_come_back_in_full(session):
    # another writer's ids in between look, to this statement, like a sequence that skips values
    session.execute(text("ALTER SEQUENCE records_id_seq INCREMENT BY 3"))
    ids = repository.reserve_record_ids(session, 4).to_list()
    assert ids == [ids[0] + 3 * k for k in range(4)]


@pytest.mark.parametrize("backend", ["postgresql"])
def test_the_ids_are_the_sequences_next_ones_and_it_moves_past_them(session):
    def next_id() -> int:
        return session.execute(text("SELECT nextval(pg_get_serial_sequence('records', 'id'))")).scalar()
    before = next_id()
    assert repository.reserve_record_ids(session, 5000).to_list() == list(range(before + 1, before + 5001))
    assert next_id() == before + 5001
