"""Migration 0023_partman converts a PostgreSQL database that already holds rows: every row
keeps its id, the audit chains and the transparency log still verify, the id sequences go on
where they were, and the platform's reads find the rows."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import create_engine, text

from tests.partitions.support import UTC
from xinyong.config import reset_settings
from xinyong.db import make_engine, session_scope
from xinyong.migrate import upgrade
from xinyong.partitions.rules import PARTITIONED

TIMES = [dt.datetime(2026, 2, 3, tzinfo=UTC), dt.datetime(2026, 5, 20, tzinfo=UTC),
         dt.datetime(2031, 7, 1, tzinfo=UTC)]   # the last beyond the months made ahead


def _before_partitioning() -> str:
    """The revision 0023_partman follows (whatever the merge chains it after)."""
    from alembic.script import ScriptDirectory

    from xinyong.migrate import alembic_config
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_revision("0023_partman").down_revision


@pytest.fixture
def old_database(pg_url, monkeypatch):
    """A fresh database on the suite's server, migrated to the revision before partitioning."""
    admin = create_engine(pg_url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS xinyong_partman_conversion"))
        conn.execute(text("CREATE DATABASE xinyong_partman_conversion"))
    url = pg_url.rsplit("/", 1)[0] + "/xinyong_partman_conversion"
    monkeypatch.setenv("XINYONG_DATABASE_URL", url)
    reset_settings()
    upgrade(url, _before_partitioning())
    engine = make_engine(url)
    yield url, engine
    engine.dispose()
    reset_settings()
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE xinyong_partman_conversion WITH (FORCE)"))
    admin.dispose()


def _old_outbox(mp) -> None:
    """The audit and transparency code as it wrote before 0025_prune: outbox and leaves without
    the entry's time (the old database has no such columns)."""
    from sqlalchemy import BigInteger, Column, MetaData, Table, select

    from xinyong.audit import repository as audit_repository
    from xinyong.transparency import repository
    meta = MetaData()
    pending = Table("transparency_pending", meta, Column("entry_id", BigInteger, primary_key=True))
    leaves = Table("transparency_leaves", meta, Column("leaf_index", BigInteger, primary_key=True),
                   Column("entry_id", BigInteger))
    entries = repository._ENTRY
    mp.setattr(audit_repository, "add_to_outbox",
               lambda session, entry: session.execute(pending.insert().values(entry_id=entry.id)))
    mp.setattr(repository, "_PENDING", pending)
    mp.setattr(repository, "_LEAF", leaves)
    mp.setattr(repository, "pending", lambda session, limit: [tuple(r) for r in session.execute(
        select(pending.c.entry_id, entries.c.at).join(entries, entries.c.id == pending.c.entry_id)
        .order_by(pending.c.entry_id).limit(limit))])
    mp.setattr(repository, "add_leaves", lambda session, first, found: session.execute(
        leaves.insert(), [{"leaf_index": first + i, "entry_id": e.id} for i, e in enumerate(found)]))


def _fill(engine) -> None:
    from xinyong import clock
    from xinyong.audit import record_event
    from xinyong.transparency.worker import sequence_and_publish
    for n, at in enumerate(TIMES):
        with pytest.MonkeyPatch.context() as mp:
            _old_outbox(mp)
            with session_scope(engine) as session:
                mp.setattr(clock, "now", lambda at=at: at)
                for subject in (1, 2):
                    record_event(session, None, "record.create", target_type="record", target_id=n * 10 + subject,
                                 subject_id=subject)
            if n < len(TIMES) - 1:   # the last month's entries still wait in the outbox
                sequence_and_publish(force_head=True, engine=engine)
        with engine.begin() as conn:
            for subject in (1, 2):
                values = {"s": subject, "at": at, "n": n}
                conn.execute(text("INSERT INTO access_log (subject_id, at, role, items, purpose, allowed, reason, "
                                  "channel) VALUES (:s, :at, 'agency', '[]', 'p', true, '', 'api')"), values)
                conn.execute(text("INSERT INTO history (entity, entity_id, subject_id, version, snapshot, "
                                  "change_reason, changed_at) VALUES ('record', :n, :s, 1, '{}', 'r', :at)"), values)
                conn.execute(text("INSERT INTO feed_events (subject_id, kind, occurred_on, details, citation, "
                                  "created_at) VALUES (:s, 'published', CAST(:at AS date), '{}', '', :at)"), values)


def _rows(engine) -> dict[str, list[tuple]]:
    with engine.connect() as conn:
        return {t: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {t} ORDER BY id"))] for t in PARTITIONED}


def test_the_migration_partitions_a_database_with_rows(old_database, monkeypatch):
    from xinyong.access.repository import LogFilter, search_log
    from xinyong.audit import record_event
    from xinyong.audit.service import verify
    url, engine = old_database
    _fill(engine)
    before = _rows(engine)
    assert all(len(rows) >= 6 for rows in before.values())   # (and what the platform added itself)
    upgrade(url)
    engine.dispose()
    assert _rows(engine) == before            # every row, every id, every hash, unchanged
    with engine.connect() as conn:
        kinds = dict(conn.execute(text("SELECT relname, relkind FROM pg_class WHERE relname = ANY(:t)"),
                                  {"t": list(PARTITIONED)}).all())
        months = set(conn.execute(text("SELECT tableoid::regclass::text FROM access_log")).scalars())
    assert kinds == {t: "p" for t in PARTITIONED}
    assert months == {"access_log_p2026_02", "access_log_p2026_05", "access_log_p2031_07"}   # none in default
    with engine.connect() as conn:   # 0025_prune: references carry their entry's time, spans and months filled
        for table in ("transparency_pending", "transparency_leaves"):
            assert conn.execute(text(f"SELECT count(*) FROM {table} t JOIN audit_log a ON a.id = t.entry_id "
                                     "AND a.at = t.entry_at")).scalar() == conn.execute(
                text(f"SELECT count(*) FROM {table}")).scalar() > 0, table
        assert conn.execute(text("SELECT count(*) FROM feed_events e WHERE e.created_at < (SELECT min(first_at) "
                                 "FROM feed_event_spans s WHERE s.last_id >= e.id)")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM history h WHERE NOT EXISTS (SELECT 1 FROM history_months m "
                                 "WHERE m.entity = h.entity AND m.entity_id = h.entity_id)")).scalar() == 0
    with session_scope(engine) as session:
        report = verify(session)
        assert report.ok and report.entries == len(before["audit_log"]) and report.heads >= 1, report.problems
        found = search_log(session, LogFilter(subject_id=2), limit=10, offset=0)
        assert [r[0].at for r in found] == sorted(TIMES, reverse=True)
        entry = record_event(session, None, "record.create", target_type="record", target_id=99, subject_id=1)
    assert entry.id == max(r[0] for r in before["audit_log"]) + 1   # the sequence goes on
    with session_scope(engine) as session:
        assert verify(session).ok


def test_the_downgrade_gives_the_plain_tables_back_with_their_rows(old_database):
    from alembic import command

    from xinyong.migrate import alembic_config
    url, engine = old_database
    _fill(engine)
    before = _rows(engine)
    upgrade(url)
    command.downgrade(alembic_config(url), _before_partitioning())
    engine.dispose()
    assert _rows(engine) == before
    with engine.connect() as conn:
        kinds = set(conn.execute(text("SELECT relkind FROM pg_class WHERE relname = ANY(:t)"),
                                 {"t": list(PARTITIONED)}).scalars())
        keys = set(conn.execute(text("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'p' "
                                     "AND conrelid::regclass::text = ANY(:t)"), {"t": list(PARTITIONED)}).scalars())
    assert kinds == {"r"} and keys == {"PRIMARY KEY (id)"}
