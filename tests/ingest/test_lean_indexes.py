"""Only the indexes of records a read path needs (issue 14 point 3): one index per subject,
ix_records_subject_date, serves the newest-first pages and (its INCLUDEd columns, on
PostgreSQL) the evaluation's index-only reads; migration 0026 merged ix_records_evaluation
into it, converting an existing database and back on both backends."""
from __future__ import annotations

from sqlalchemy import inspect, text

from tests.feed.support import ingest, world
from xinyong.migrate import alembic_config

RECORDS = text("SELECT id, subject_id, decision_date, item_code, severity, status, under_objection FROM records "
               "ORDER BY id")


def _indexes(engine) -> dict[str, str]:
    """name -> definition (PostgreSQL) or column list (SQLite) of each index of records."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            rows = conn.execute(text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'records'"))
            return dict(rows.all())
        found = {i["name"]: ",".join(i["column_names"]) for i in inspect(conn).get_indexes("records")}
        found.update({u["name"]: ",".join(u["column_names"]) for u in inspect(conn).get_unique_constraints("records")})
        return found


def test_one_index_per_subject_serves_the_pages_and_the_evaluation(db):
    indexes = _indexes(db)
    assert "ix_records_evaluation" not in indexes
    assert sorted(n for n in indexes if "subject" in n) == ["ix_records_subject_date"]
    if db.dialect.name == "postgresql":
        assert indexes["ix_records_subject_date"].endswith(
            "(subject_id, decision_date, id) INCLUDE (item_code, severity, status, under_objection)")
    else:
        assert indexes["ix_records_subject_date"] == "subject_id,decision_date,id"


def test_the_migration_converts_an_existing_database_and_back(db, session):
    from alembic import command
    regulator, _, _ = world(session)
    ingest(session, regulator, 5)
    session.commit()
    session.close()
    with db.connect() as conn:
        rows = conn.execute(RECORDS).all()
    assert len(rows) == 5
    after = _indexes(db)
    assert "ix_records_evaluation" not in after
    cfg = alembic_config(db.url.render_as_string(hide_password=False))
    command.downgrade(cfg, "0025_prune")
    try:
        before = _indexes(db)
        assert set(before) == set(after) | {"ix_records_evaluation"}
        if db.dialect.name == "postgresql":
            assert before["ix_records_evaluation"].endswith(
                "(subject_id) INCLUDE (item_code, decision_date, severity, status, under_objection) "
                "WHERE (under_objection IS NOT NULL)")
            assert before["ix_records_subject_date"].endswith("(subject_id, decision_date, id)")
        else:
            assert before["ix_records_evaluation"] == "subject_id"
        with db.connect() as conn:
            assert conn.execute(RECORDS).all() == rows
    finally:
        command.upgrade(cfg, "head")
    assert _indexes(db) == after
    with db.connect() as conn:
        assert conn.execute(RECORDS).all() == rows
