"""The crash trials' state digest (tests/faults/state.py), computed in the database: equal
states with other ids are equal, a duplicated, lost or changed row is not, and an id hidden in
a JSON document the declarations do not know stops the digest instead of passing unnoticed."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.faults import runs, state, trials

pytestmark = pytest.mark.usefixtures("crash_trial_env")
ROWS = 200


@pytest.fixture(scope="module")
def penalty_file(tmp_path_factory):
    return trials.penalty_file(ROWS, tmp_path_factory.mktemp("digest") / f"penalties-{ROWS}.csv")


def _shift_ids(db) -> None:
    """What a killed transaction leaves on PostgreSQL: sequences moved on. (SQLite's rowids
    without AUTOINCREMENT are max + 1: a rolled-back insert leaves no gap there.)"""
    if db.dialect.name == "postgresql":
        with db.begin() as conn:
            for seq in conn.execute(text("SELECT sequencename FROM pg_sequences")).scalars().all():
                conn.execute(text(f"SELECT setval('{seq}', 777)"))


def _one(db, sql: str) -> None:
    with db.begin() as conn:
        conn.execute(text(sql))


def test_the_same_batch_under_other_ids_digests_equal_and_a_duplicate_loss_or_change_does_not(db, penalty_file):
    first = runs.reference_ingest(db, penalty_file).digest
    state.empty(db)
    _shift_ids(db)
    again = runs.reference_ingest(db, penalty_file).digest
    with db.connect() as conn:
        low = conn.execute(text("SELECT min(id) FROM records")).scalar_one()
    assert db.dialect.name == "sqlite" or low > 777   # the ids did differ
    assert again == first, state.differences(first, again)

    _one(db, "INSERT INTO feed_events (subject_id, record_id, kind, occurred_on, details, citation, created_at) "
             "SELECT subject_id, record_id, kind, occurred_on, details, citation, created_at FROM feed_events "
             "WHERE id = (SELECT min(id) FROM feed_events)")
    assert set(state.differences(first, state.digest(db))) == {"feed_events"}
    _one(db, "DELETE FROM feed_events WHERE id = (SELECT max(id) FROM feed_events)")
    assert state.digest(db) == first
    _one(db, "DELETE FROM evaluation_results WHERE subject_id = (SELECT max(subject_id) FROM evaluation_results)")
    _one(db, "UPDATE records SET severity = 'serious' WHERE id = (SELECT max(id) FROM records)")
    assert set(state.differences(first, state.digest(db))) == {"evaluation_results", "records"}


def test_an_id_in_a_json_document_the_digest_does_not_declare_stops_it(db, penalty_file):
    runs.reference_ingest(db, penalty_file)
    assert state.undeclared(db) == []
    doc = "'{\"record_id\": 12}'" + ("::jsonb" if db.dialect.name == "postgresql" else "")
    _one(db, f"UPDATE feed_events SET details = {doc} WHERE id = (SELECT min(id) FROM feed_events)")
    assert state.undeclared(db) == ["feed_events.details: record_id"]
    with pytest.raises(AssertionError, match="record_id"):
        state.digest(db)
