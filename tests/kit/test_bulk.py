"""Bulk loads (xinyong.kit.bulk) on both backends: a frame loaded in a given row order, a chunk
gathered at a time, arrives whole and in that order."""
from __future__ import annotations

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from xinyong.kit import bulk


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=6),
                min_size=1, max_size=40), st.integers(1, 7), st.randoms())
def test_a_frame_loads_in_the_given_order(session, monkeypatch, values, chunk, rnd):
    monkeypatch.setattr(bulk, "COPY_CHUNK_ROWS", chunk)
    monkeypatch.setattr(bulk, "MANY_CHUNK_ROWS", chunk)
    order = list(range(len(values)))
    rnd.shuffle(order)
    bulk.create_temp_table(session, "t_order", [("seq", "bigint"), ("value", "text")])
    frame = pl.DataFrame({"value": values}, schema={"value": pl.String}).with_row_index("src")
    loaded = frame.select(pl.col("src").alias("seq"), "value")
    bulk.load_frame(session, "t_order", loaded, pl.Series(order, dtype=pl.UInt32))
    rows = session.execute(text("SELECT seq, value FROM t_order")).all()
    bulk.drop_temp_table(session, "t_order")
    assert [r.seq for r in rows] == order          # a heap scan of a fresh table: load order
    assert [r.value for r in rows] == [values[i] for i in order]


def test_a_small_copy_is_still_sent_in_pieces():
    """A load of a few thousand rows is a pipeline too (each piece formatted while the last
    one loads), bounded by COPY_CHUNK_ROWS for memory."""
    assert bulk.copy_piece_rows(10_000) == 1_250
    assert bulk.copy_piece_rows(500) == bulk.COPY_MIN_PIECE_ROWS
    assert bulk.copy_piece_rows(10_000_000) == bulk.COPY_CHUNK_ROWS


def test_the_first_piece_of_a_copy_is_smaller_and_the_pieces_cover_every_row():
    """The server waits for the first piece to be formatted, not for the next ones (made while it
    loads): the first is a quarter of the others."""
    assert bulk.copy_pieces(10_000) == [(0, 312)] + [(o, 1_250) for o in range(312, 10_000, 1_250)]
    assert bulk.copy_pieces(500) == [(0, 500)]
    assert bulk.copy_pieces(1_100) == [(0, 250), (250, 1_000)]
    for height in (1, 999, 1_000, 1_001, 10_000, 123_457, 1_000_000):
        pieces = bulk.copy_pieces(height)
        covered = [i for offset, rows in pieces for i in range(offset, min(height, offset + rows))]
        assert covered == list(range(height))
        assert len(pieces) == 1 or pieces[0][1] <= pieces[1][1]



@pytest.mark.parametrize("binary", [True, False])
def test_copy_text_reads_back_every_value(session, monkeypatch, binary):
    """PostgreSQL loads COPY's binary format (xinyong.kit.pgbinary), else its text format
    (unquoted, tab-separated, backslash escapes: cheaper for the server to read than csv): in
    either, every character the text format gives a meaning to comes back as it was sent, in
    text, JSON and bytes, and a null stays apart from the text "\\N"."""
    import datetime as dt
    import json

    from xinyong.kit import pgbinary
    if not binary:
        monkeypatch.setattr(pgbinary, "encoder", lambda schema, types: None)
    tricky = ["a\\b", "tab\there", "line\nbreak", "cr\rhere", "\\N", "\\.", "", None, "引号\"'", "end\\"]
    when = dt.datetime(2026, 12, 5, 6, 7, 8, 123456, tzinfo=dt.timezone.utc)
    frame = pl.DataFrame({
        "s": tricky, "j": [None if v is None else json.dumps({"k": v}, ensure_ascii=False) for v in tricky],
        "b": [None if v is None else v.encode() for v in tricky], "d": [dt.date(2024, 2, 29)] * len(tricky),
        "f": [True, False] * (len(tricky) // 2), "ts": [when] * len(tricky),
    }).with_row_index("n").with_columns(pl.col("n").cast(pl.Int64), pl.col("s").cast(pl.Categorical).alias("c"))
    bulk.create_temp_table(session, "t_text", [("n", "bigint"), ("s", "text"), ("j", "json"), ("b", "bytes"),
                                               ("d", "date"), ("f", "bool"), ("ts", "timestamp"), ("c", "text")])
    bulk.load_frame(session, "t_text", frame)
    rows = session.execute(text("SELECT s, j, b, d, f, ts, c FROM t_text ORDER BY n")).all()
    bulk.drop_temp_table(session, "t_text")
    assert [r.s for r in rows] == tricky and [r.c for r in rows] == tricky
    assert [None if r.j is None else (r.j if isinstance(r.j, dict) else json.loads(r.j))["k"] for r in rows] == tricky
    assert [None if r.b is None else bytes(r.b) for r in rows] == [None if v is None else v.encode() for v in tricky]
    assert {str(r.d) for r in rows} == {"2024-02-29"}
    if bulk.dialect(session) == "postgresql":
        assert [r.f for r in rows] == [True, False] * (len(tricky) // 2)
        assert {r.ts for r in rows} == {when}
        assert bulk.copy_text(frame.select("s", "f").head(2)) == b"a\\\\b\ttrue\ntab\\there\tfalse\n"


@pytest.mark.parametrize("backend", ["sqlite"])
def test_sqlite_loads_a_large_frame_with_a_larger_page_cache_and_gives_the_connections_back(session, monkeypatch):
    monkeypatch.setattr(bulk, "LOAD_CACHE_MIN_ROWS", 3)
    raw = bulk.dbapi_connection(session)
    before = raw.execute("PRAGMA cache_size").fetchone()[0]
    seen = []
    raw.set_trace_callback(seen.append)
    try:
        bulk.create_temp_table(session, "t_cache", [("value", "text")])
        bulk.load_frame(session, "t_cache", pl.DataFrame({"value": ["a", "b"]}))   # small: as it was
        bulk.load_frame(session, "t_cache", pl.DataFrame({"value": ["a", "b", "c"]}))
    finally:
        raw.set_trace_callback(None)
    assert seen.count(f"PRAGMA cache_size=-{bulk.LOAD_CACHE_KIB}") == 1
    assert raw.execute("PRAGMA cache_size").fetchone()[0] == before
    assert session.execute(text("SELECT count(*) FROM t_cache")).scalar() == 5


@pytest.mark.parametrize("backend", ["sqlite"])
def test_sqlite_makes_the_next_chunks_values_in_a_thread_while_one_is_inserted(session, monkeypatch):
    """The Python values of a chunk are made while sqlite3 inserts the one before (it releases
    the GIL while SQLite steps): every chunk in a thread of its own, the rows whole and in order."""
    import threading
    monkeypatch.setattr(bulk, "MANY_CHUNK_ROWS", 2)
    threads = []
    real = bulk._sqlite_values
    monkeypatch.setattr(bulk, "_sqlite_values", lambda f: threads.append(threading.current_thread().name) or real(f))
    bulk.create_temp_table(session, "t_ahead", [("n", "bigint")])
    bulk.load_frame(session, "t_ahead", pl.DataFrame({"n": range(7)}), pl.Series([6, 5, 4, 3, 2, 1, 0], dtype=pl.UInt32))
    assert [r.n for r in session.execute(text("SELECT n FROM t_ahead"))] == [6, 5, 4, 3, 2, 1, 0]
    bulk.drop_temp_table(session, "t_ahead")
    assert len(threads) == 4 and all(t.startswith("rows") for t in threads)


def test_a_sqlite_commit_leaves_the_wal_checkpoint_to_a_thread_beside_what_follows(tmp_path, monkeypatch):
    """The commit returns before the transaction's pages are copied into the database file;
    the checkpoint runs on a connection of its own and the committed rows are there throughout."""
    import os
    import threading

    from sqlalchemy.orm import Session

    from xinyong.db import make_engine
    path = tmp_path / "c.db"
    engine = make_engine(f"sqlite:///{path}")
    seen = []
    real = bulk._checkpoint

    def checkpoint(database):
        seen.append((threading.current_thread().name, os.path.getsize(database)))
        real(database)
        seen.append(os.path.getsize(database))
    monkeypatch.setattr(bulk, "_checkpoint", checkpoint)
    with Session(engine) as session:
        session.execute(text("CREATE TABLE t (v TEXT)"))
        session.commit()
        # past the automatic checkpoint's 1,000 pages (16 KiB each: the platform's page size)
        bulk.load_frame(session, "t", pl.DataFrame({"v": ["x" * 500] * 40_000}))
        done = bulk.commit_checkpointing_beside(session)
        assert done is not None
        done.result()
        assert session.execute(text("SELECT count(*) FROM t")).scalar() == 40_000
        assert bulk.dbapi_connection(session).execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000
    (name, before), after = seen
    assert name.startswith("checkpoint") and before < 1_000_000 < after   # ~20 MB copied by the thread
    engine.dispose()
    memory = make_engine("sqlite://")
    with Session(memory) as session:
        session.execute(text("CREATE TABLE t (v TEXT)"))
        assert bulk.commit_checkpointing_beside(session) is None


_CELL = st.one_of(st.none(), st.integers(-2**63, 2**63 - 1),
                  st.text(st.characters(blacklist_categories=("Cs",)), max_size=8),
                  st.sampled_from(["'", "''", "a'b", "NULL", "1", "\x00x", "x" * 1_001, "引号"]))


@pytest.mark.parametrize("backend", ["sqlite"])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.booleans(), _CELL, st.sampled_from(["text", "int"])), min_size=1, max_size=5),
       st.integers(1, 6), st.integers(1, 4))
def test_sqlite_stores_a_constant_column_as_binding_it_in_every_row_would(session, monkeypatch, spec, height, chunk):
    """A column with one value in every row is written into the statement as SQLite's literal of
    that value, not bound per row: every row reads back the same value of the same storage class
    (typeof) as a plain executemany of every cell stores, NULs, quotes and long texts included."""
    import datetime as dt
    monkeypatch.setattr(bulk, "MANY_CHUNK_ROWS", chunk)
    columns, types = {}, []
    for i, (constant, cell, kind) in enumerate(spec):
        cell = cell if kind == "text" or not isinstance(cell, str) else None
        cell = cell if kind == "int" or not isinstance(cell, int) else str(cell)
        other = None if cell is not None else ("v" if kind == "text" else 7)
        columns[f"c{i}"] = [cell] * height if constant else [cell] + [other] * (height - 1)
        types.append((f"c{i}", "bigint" if kind == "int" else "text"))
    frame = pl.DataFrame(columns, schema={c: pl.Int64 if t == "bigint" else pl.String for c, t in types})
    frame = frame.with_columns(pl.lit(dt.date(2024, 2, 29)).alias("d"), pl.lit(True).alias("b"),
                               pl.lit(dt.datetime(2026, 12, 5, 6, 7, 8, 9)).alias("ts"))
    types += [("d", "date"), ("b", "bool"), ("ts", "timestamp")]
    raw = bulk.dbapi_connection(session)
    cols = ", ".join(frame.columns)
    read = f"SELECT {', '.join(f'{c}, typeof({c})' for c in frame.columns)} FROM {{}} ORDER BY rowid"
    bulk.create_temp_table(session, "t_const", types)
    bulk.create_temp_table(session, "t_bound", types)
    try:
        bulk.load_frame(session, "t_const", frame)
        reference = bulk._sqlite_values(frame)
        raw.executemany(f"INSERT INTO t_bound ({cols}) VALUES ({', '.join('?' * frame.width)})", reference.rows())
        assert raw.execute(read.format("t_const")).fetchall() == raw.execute(read.format("t_bound")).fetchall()
    finally:
        bulk.drop_temp_table(session, "t_const")
        bulk.drop_temp_table(session, "t_bound")


@pytest.mark.parametrize("backend", ["sqlite"])
def test_sqlite_binds_no_value_for_a_constant_column(session):
    """Only the columns whose value changes from row to row are made into Python values and
    bound; the others are literals of the statement."""
    import datetime as dt
    raw = bulk.dbapi_connection(session)
    frame = pl.DataFrame({"n": [1, 2, 3], "k": ["it's"] * 3, "z": [None] * 3, "f": [0.1] * 3,
                          "d": [dt.date(2026, 1, 2)] * 3, "x": ["x" * 1_001] * 3},
                         schema={"n": pl.Int64, "k": pl.String, "z": pl.String, "f": pl.Float64, "d": pl.Date,
                                 "x": pl.String})
    assert bulk._constant_literals(raw, frame) == {"k": "'it''s'", "z": "NULL", "d": "'2026-01-02'"}
    assert bulk._constant_literals(raw, frame.head(1)) == {}


def test_query_frame_reads_a_querys_rows_into_a_frame_without_a_row_object_each(session, monkeypatch):
    """PostgreSQL by COPY out, SQLite from the DBAPI cursor: the rows in the frame, typed by the
    schema; no SQLAlchemy statement runs for them (its Row per row cost a 1M-row batch ~1 s)."""
    bulk.create_temp_table(session, "t_q", [("k", "text"), ("n", "bigint")])
    bulk.load_frame(session, "t_q", pl.DataFrame({"k": ["a", None, "引号,\"x\""], "n": [1, 2, None]}))
    monkeypatch.setattr(session, "execute", lambda *a, **k: pytest.fail("a SQLAlchemy statement ran"))
    got = bulk.query_frame(session, "SELECT k, n FROM t_q ORDER BY n NULLS LAST", {"k": pl.Utf8, "n": pl.Int64})
    empty = bulk.query_frame(session, "SELECT k, n FROM t_q WHERE false", {"k": pl.Utf8, "n": pl.Int64})
    monkeypatch.undo()
    bulk.drop_temp_table(session, "t_q")
    assert got.to_dicts() == [{"k": "a", "n": 1}, {"k": None, "n": 2}, {"k": "引号,\"x\"", "n": None}]
    assert empty.schema == {"k": pl.Utf8, "n": pl.Int64} and empty.height == 0


@pytest.mark.parametrize("backend", ["sqlite"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(st.none(), st.text(st.characters(blacklist_categories=("Cs",)), max_size=40),
                          st.sampled_from(["引号\x00内", "'\"\\", "é" * 300, "x" * 300])), min_size=2, max_size=8),
       st.integers(1, 3), st.sampled_from([1, 64]))
def test_sqlite_stores_a_text_bound_as_bytes_as_binding_the_text_would(session, monkeypatch, cells, chunk, least):
    """A long text column beyond ASCII is bound as its UTF-8 bytes and cast back to TEXT by the
    statement: every row reads back the same value of the same storage class as a plain
    executemany of the texts stores (NULs, quotes, nulls included), in a text and a JSON column."""
    monkeypatch.setattr(bulk, "MANY_CHUNK_ROWS", chunk)
    monkeypatch.setattr(bulk, "BYTES_BIND_MIN_BYTES", least)
    frame = pl.DataFrame({"n": range(len(cells)), "t": cells, "j": cells}, schema={"n": pl.Int64, "t": pl.String,
                                                                                 "j": pl.String})
    present = [c for c in cells if c is not None]
    size = sum(len(c.encode()) for c in present)
    expected = {"t", "j"} if present and size >= least * len(present) and size > sum(map(len, present)) else set()
    raw = bulk.dbapi_connection(session)
    assert bulk._bound_as_bytes(raw.cursor(), frame, frame.columns) == expected
    types = [("n", "bigint"), ("t", "text"), ("j", "json")]
    read = "SELECT n, t, typeof(t), j, typeof(j) FROM {} ORDER BY rowid"
    bulk.create_temp_table(session, "t_bytes", types)
    bulk.create_temp_table(session, "t_text", types)
    try:
        bulk.load_frame(session, "t_bytes", frame)
        raw.executemany("INSERT INTO t_text (n, t, j) VALUES (?, ?, ?)", frame.rows())
        assert raw.execute(read.format("t_bytes")).fetchall() == raw.execute(read.format("t_text")).fetchall()
    finally:
        bulk.drop_temp_table(session, "t_bytes")
        bulk.drop_temp_table(session, "t_text")


def test_a_database_in_another_encoding_gets_its_texts_bound_as_texts(tmp_path):
    """CAST of bytes to TEXT reads them in the database's encoding: in a UTF-16 database no
    column is bound as bytes, and the texts are stored as they were."""
    import sqlite3
    con = sqlite3.connect(tmp_path / "u16.db")
    con.execute("PRAGMA encoding = 'UTF-16le'")
    con.execute("CREATE TABLE t (v TEXT)")
    frame = pl.DataFrame({"v": ["引号" * 100, "é" * 200]})
    assert bulk._bound_as_bytes(con.cursor(), frame, ["v"]) == set()
    memory = sqlite3.connect(":memory:")
    assert bulk._bound_as_bytes(memory.cursor(), frame, ["v"]) == {"v"}
