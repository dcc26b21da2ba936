"""The new records' ids taken before their load (ingest.repository.reserve_record_ids). PostgreSQL:
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


# ---- SQLite: the ids a load would take, under the batch's write lock -------------------------

@pytest.mark.parametrize("backend", ["sqlite"])
def test_sqlite_reserves_the_ids_the_load_would_take_and_no_other_writer_can_take_them(db, session, tmp_path):
    import sqlite3

    from tests.feed.support import ingest, world
    regulator, _, _ = world(session)
    ingest(session, regulator, 3)
    session.commit()
    top = session.execute(text("SELECT max(id) FROM records")).scalar()
    # a fresh transaction that has written nothing yet: reserving takes the write lock itself
    assert repository.reserve_record_ids(session, 4).to_list() == [top + 1, top + 2, top + 3, top + 4]
    insert = ("INSERT INTO records (subject_id, item_code, source_agency_id, decision_no, decision_date, "
              "disclosure, publicity_published, publicity_start, publicity_citation, fields, status, version, "
              "batch_id, row_no, received_at, updated_at) VALUES (1, 'penalty', 1, 'x', '2026-01-01', 'public', "
              "0, '2026-01-01', '', '{}', 'active', 1, 1, 2, '2026-01-01', '2026-01-01')")
    other = sqlite3.connect(db.url.database, timeout=0.2)
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute(insert)
        other.rollback()
        session.rollback()
        # once this transaction has ended, another writer takes the next id, as the load would have
        assert other.execute(insert).lastrowid == top + 1
        other.rollback()
    finally:
        other.close()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_sqlite_builds_a_batchs_leaves_from_reserved_ids_without_reading_them_back(db, session, monkeypatch):
    """The new records' ids are taken before their load (as on PostgreSQL), so their leaves are
    built beside it: the records are not read back, and the root is the one over the records
    as stored (tests/transparency/test_publications.py rebuilds each leaf independently)."""
    from sqlalchemy import select

    from tests.feed.support import ingest, world
    from tests.transparency.test_publications import _batch_entry, _independent_leaf
    from xinyong.models import Record
    from xinyong.transparency import merkle
    from xinyong.transparency import repository as transparency_repository
    regulator, _, _ = world(session)
    ingest(session, regulator, 4, seed=3, prefix="泉市监先")
    session.commit()

    def read_back(*args):
        raise AssertionError("a batch of new records read its ids back")
    monkeypatch.setattr(transparency_repository, "batch_record_ids", read_back)
    _, out = ingest(session, regulator, 6)
    session.commit()
    records = list(session.scalars(select(Record).where(Record.batch_id == out.batch_id).order_by(Record.id)))
    assert len(records) == 6 and records[0].id == 5
    leaves = [_independent_leaf(r, out.batch_id, i) for i, r in enumerate(records)]
    assert _batch_entry(session, out.batch_id)["records_root"] == merkle.root_of(leaves).hex()
