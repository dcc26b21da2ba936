"""SQLite: a load that at least doubles its table builds the table's secondary indexes after its
rows (xinyong.kit.bulk.indexes_set_aside), in the load's own transaction: the indexes come back
as they were declared, a rollback keeps them, a failed load gives them back, and an index that
checks something (unique, primary key, UNIQUE constraint) is never set aside."""
from __future__ import annotations

import contextlib
import sqlite3

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from xinyong.db import make_engine, session_factory
from xinyong.kit import bulk

TABLE = ("CREATE TABLE t_ix (id INTEGER NOT NULL, a TEXT NOT NULL, b INTEGER, u TEXT, "
         "CONSTRAINT pk_t_ix PRIMARY KEY (id), CONSTRAINT uq_t_ix_u UNIQUE (u))")
INDEXES = ["CREATE INDEX ix_t_ix_a ON t_ix (a, b)", "CREATE INDEX ix_t_ix_b ON t_ix (b) WHERE b IS NOT NULL",
           "CREATE UNIQUE INDEX ux_t_ix_ab ON t_ix (a, id)"]


def _schema(con) -> list[tuple]:
    return con.execute("SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 't_ix' ORDER BY name").fetchall()


@pytest.fixture
def engine(tmp_path, monkeypatch):
    monkeypatch.setattr(bulk, "REBUILD_MIN_ROWS", 5)
    engine = make_engine(f"sqlite:///{tmp_path / 'ix.db'}")
    with engine.begin() as conn:
        for sql in [TABLE, *INDEXES]:
            conn.execute(text(sql))
    yield engine
    engine.dispose()


def _frame(start: int, n: int) -> pl.DataFrame:
    return pl.DataFrame({"id": range(start, start + n), "a": [f"k{(i * 7919) % 13}" for i in range(start, start + n)],
                         "b": [None if i % 4 == 0 else i % 5 for i in range(start, start + n)],
                         "u": [f"u{i}" for i in range(start, start + n)]})


def _begun(session) -> None:
    """The transaction opened (pysqlite begins one at the first write; the ingest's load comes
    after the batch's own rows): a DROP outside one would commit alone, so none is made there."""
    session.execute(text("UPDATE t_ix SET id = id WHERE 0"))
    assert bulk.dbapi_connection(session).in_transaction


def _check(con) -> None:
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"   # every index holds every row


def test_a_load_that_doubles_the_table_builds_its_plain_indexes_after_and_keeps_what_checks(engine):
    raw = sqlite3.connect(engine.url.database)
    before = _schema(raw)
    seen = []
    with session_factory(engine)() as session:
        session.execute(text("INSERT INTO t_ix (id, a, b, u) VALUES (0, 'k0', 1, 'u0')"))
        bulk.dbapi_connection(session).set_trace_callback(seen.append)
        bulk.load_frame(session, "t_ix", _frame(1, 20))
        session.commit()
    dropped = sorted(s.split('"')[1] for s in seen if s.startswith("DROP INDEX"))
    assert dropped == ["ix_t_ix_a", "ix_t_ix_b"]   # not the unique index, the key or the constraint's
    assert _schema(raw) == before
    _check(raw)
    by_index = raw.execute("SELECT count(*) FROM t_ix INDEXED BY ix_t_ix_b WHERE b = 2").fetchone()[0]
    assert by_index == raw.execute("SELECT count(*) FROM t_ix NOT INDEXED WHERE b = 2").fetchone()[0] == 3
    raw.close()


def test_a_load_that_does_not_double_the_table_or_is_small_leaves_the_indexes_alone(engine):
    with session_factory(engine)() as session:
        _begun(session)
        bulk.load_frame(session, "t_ix", _frame(1, 10))   # ids 1-10: the largest rowid is 10
        cur = bulk.dbapi_connection(session).cursor()
        assert bulk.indexes_set_aside(cur, "t_ix", 9) == []    # 10 rows there: 9 more do not double it
        assert bulk.indexes_set_aside(cur, "t_ix", 4) == []    # below REBUILD_MIN_ROWS
        assert [d[0] for d in bulk.indexes_set_aside(cur, "t_ix", 10)] == ["ix_t_ix_a", "ix_t_ix_b"]
        session.rollback()


def test_outside_a_transaction_nothing_is_dropped(engine):
    raw = sqlite3.connect(engine.url.database)   # legacy transaction control: no transaction open yet
    assert not raw.in_transaction
    assert bulk.indexes_set_aside(raw.cursor(), "t_ix", 100) == []
    raw.close()


def _drops_of_load(engine, frame: pl.DataFrame, then: str, raises=None) -> list[str]:
    """`frame` loaded into t_ix in a transaction then ended by ``then`` ("commit", "rollback"),
    the load's failure (``raises``) caught first; the DROP INDEX statements it made."""
    seen = []
    with session_factory(engine)() as session:
        _begun(session)
        bulk.dbapi_connection(session).set_trace_callback(seen.append)
        with pytest.raises(raises) if raises else contextlib.nullcontext():
            bulk.load_frame(session, "t_ix", frame)
        getattr(session, then)()
    return [s for s in seen if s.startswith("DROP INDEX")]


def test_a_rollback_keeps_the_indexes(engine):
    raw = sqlite3.connect(engine.url.database)
    before = _schema(raw)
    assert len(_drops_of_load(engine, _frame(0, 12), "rollback")) == 2
    assert _schema(raw) == before
    assert raw.execute("SELECT count(*) FROM t_ix").fetchone()[0] == 0
    raw.close()


def test_a_failed_load_gives_the_indexes_back_to_a_transaction_that_goes_on(engine):
    raw = sqlite3.connect(engine.url.database)
    before = _schema(raw)
    clash = _frame(0, 8).with_columns(pl.when(pl.col("id") == 6).then(pl.lit("u2")).otherwise("u").alias("u"))
    # the UNIQUE constraint checked at the row, not after; the caller goes on and commits what
    # was loaded before the clash
    assert len(_drops_of_load(engine, clash, "commit", raises=sqlite3.IntegrityError)) == 2
    assert _schema(raw) == before
    _check(raw)
    assert raw.execute("SELECT count(*) FROM t_ix").fetchone()[0] == 6
    raw.close()


def test_the_planner_statistics_of_an_index_set_aside_are_kept(engine):
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t_ix (id, a, b, u) VALUES (100, 'k', 1, 'x')"))
        conn.execute(text("ANALYZE"))
    raw = sqlite3.connect(engine.url.database)
    stats = raw.execute("SELECT tbl, idx, stat FROM sqlite_stat1 ORDER BY idx").fetchall()
    assert any(s[1] == "ix_t_ix_a" for s in stats)
    with session_factory(engine)() as session:
        _begun(session)
        bulk.load_frame(session, "t_ix", _frame(0, 100))
        session.commit()
    assert raw.execute("SELECT tbl, idx, stat FROM sqlite_stat1 ORDER BY idx").fetchall() == stats
    raw.close()


@settings(max_examples=20, deadline=None)
@given(st.lists(st.integers(0, 40), min_size=1, max_size=4))
def test_any_sequence_of_loads_ends_with_every_index_whole(tmp_path_factory, sizes):
    """Loads that double the table and loads that do not, one after the other: the indexes are
    those declared and each holds every row (integrity_check), the rows those loaded."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(bulk, "REBUILD_MIN_ROWS", 5)
        engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('ix') / 'p.db'}")
        with engine.begin() as conn:
            for sql in [TABLE, *INDEXES]:
                conn.execute(text(sql))
        raw = sqlite3.connect(engine.url.database)
        before, start = _schema(raw), 0
        for n in sizes:
            with session_factory(engine)() as session:
                _begun(session)
                bulk.load_frame(session, "t_ix", _frame(start, n))
                session.commit()
            start += n
        assert _schema(raw) == before
        _check(raw)
        assert raw.execute("SELECT count(*), coalesce(sum(id), 0) FROM t_ix").fetchone() == (start, start * (start - 1) // 2)
        raw.close()
        engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_batch_into_an_empty_records_table_leaves_its_indexes_as_migrated(db, session, monkeypatch):
    """Through the ingest: the records' indexes set aside for a batch that doubles the table,
    built after, and the migrated schema the same after it."""
    from tests.feed.support import ingest, world
    monkeypatch.setattr(bulk, "REBUILD_MIN_ROWS", 3)
    schema = "SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name"
    before = session.execute(text(schema)).all()
    seen = []
    raw = bulk.dbapi_connection(session)
    raw.set_trace_callback(seen.append)
    try:
        regulator, _, _ = world(session)
        _, out = ingest(session, regulator, 8)
        session.commit()
    finally:
        raw.set_trace_callback(None)
    assert out.created == 8
    assert any(s.startswith('DROP INDEX "ix_records_') for s in seen)
    assert session.execute(text(schema)).all() == before
    assert session.execute(text("PRAGMA integrity_check")).scalar() == "ok"


def test_a_process_killed_while_the_indexes_are_set_aside_leaves_them_as_they_were(engine, tmp_path):
    """The drop and the load are one uncommitted transaction: a crash between the drop and the
    build (the process killed, no rollback run) leaves the database with its indexes, whole."""
    import subprocess
    import sys
    raw = sqlite3.connect(engine.url.database)
    before = _schema(raw)
    raw.close()
    engine.dispose()
    child = f"""
import os, polars as pl
from sqlalchemy import text
from xinyong.db import make_engine, session_factory
from xinyong.kit import bulk
bulk.REBUILD_MIN_ROWS = 5
bulk.rebuild_indexes = lambda cur, dropped: os._exit(9 if dropped else 3)   # killed before the build
engine = make_engine("sqlite:///{engine.url.database}")
with session_factory(engine)() as session:
    session.execute(text("UPDATE t_ix SET id = id WHERE 0"))
    bulk.load_frame(session, "t_ix", pl.DataFrame({{"id": range(50), "a": ["k"] * 50, "b": range(50),
                                                    "u": [str(i) for i in range(50)]}}))
"""
    done = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, timeout=120)
    assert done.returncode == 9, done.stderr   # the indexes were dropped when it died
    raw = sqlite3.connect(engine.url.database)
    assert _schema(raw) == before
    _check(raw)
    assert raw.execute("SELECT count(*) FROM t_ix").fetchone()[0] == 0
    raw.close()
