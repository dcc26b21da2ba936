"""PostgreSQL loads in the binary COPY format (xinyong.kit.pgbinary): every value arrives as the
text format would have stored it, a table with a column of another type is still loaded (in
text), and the records, the ingest's largest load, go in binary."""
from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from xinyong.kit import bulk, pgbinary

pytestmark = pytest.mark.parametrize("backend", ["postgresql"])

_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=8)
_COLUMNS = [("n", "bigint"), ("i", "int"), ("s", "text"), ("j", "json"), ("b", "bytes"), ("d", "date"),
            ("f", "bool"), ("ts", "timestamp"), ("tz", "timestamp")]
_ROW = st.tuples(
    st.none() | st.integers(-2**31, 2**31 - 1), st.none() | _TEXT,
    st.none() | st.dictionaries(_TEXT, st.none() | st.booleans() | st.integers(-10**6, 10**6) | _TEXT, max_size=3),
    st.none() | st.binary(max_size=8), st.none() | st.dates(dt.date(1900, 1, 1), dt.date(2200, 12, 31)),
    st.none() | st.booleans(),
    st.none() | st.datetimes(dt.datetime(1970, 1, 1), dt.datetime(2100, 1, 1)),
)


def _frame(rows: list[tuple]) -> pl.DataFrame:
    cols = list(zip(*rows)) if rows else [[]] * 7
    return pl.DataFrame({
        "n": pl.Series(range(len(rows)), dtype=pl.Int64), "i": pl.Series(cols[0], dtype=pl.Int64),
        "s": pl.Series(cols[1], dtype=pl.String),
        "j": pl.Series([None if v is None else json.dumps(v, ensure_ascii=False) for v in cols[2]], dtype=pl.String),
        "b": pl.Series(cols[3], dtype=pl.Binary), "d": pl.Series(cols[4], dtype=pl.Date),
        "f": pl.Series(cols[5], dtype=pl.Boolean), "ts": pl.Series(cols[6], dtype=pl.Datetime("us")),
        # the same instants in a zone of their own: sent as UTC, as the text format sends them
        "tz": pl.Series(cols[6], dtype=pl.Datetime("us")).dt.replace_time_zone("UTC")
                .dt.convert_time_zone("Asia/Shanghai"),
    })


def _loaded(session, frame: pl.DataFrame, table: str, monkeypatch, binary: bool) -> list:
    with monkeypatch.context() as m:
        if not binary:
            m.setattr(pgbinary, "encoder", lambda schema, types: None)
        bulk.create_temp_table(session, table, _COLUMNS)
        types = pgbinary.column_types(bulk.dbapi_connection(session).cursor(), table)
        assert (pgbinary.encoder(frame.schema, types) is not None) is binary
        bulk.load_frame(session, table, frame)
    rows = session.execute(text(f"SELECT * FROM {table} ORDER BY n")).all()
    bulk.drop_temp_table(session, table)
    return rows


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_ROW, min_size=1, max_size=30), st.integers(1, 7))
def test_binary_copy_stores_what_the_text_format_stores(session, monkeypatch, rows, chunk):
    monkeypatch.setattr(bulk, "COPY_CHUNK_ROWS", chunk)   # several pieces: header, rows ..., trailer
    frame = _frame(rows)
    assert _loaded(session, frame, "t_bin", monkeypatch, True) == _loaded(session, frame, "t_txt", monkeypatch, False)


def test_a_value_out_of_its_columns_range_is_refused_not_wrapped(session):
    bulk.create_temp_table(session, "t_range", [("i", "int")])
    with pytest.raises(Exception, match="(?i)overflow|out of range|conversion|strict"):
        bulk.load_frame(session, "t_range", pl.DataFrame({"i": [2**31]}, schema={"i": pl.Int64}))


def test_a_table_with_a_column_of_another_type_is_loaded_in_text(session):
    session.execute(text("CREATE TEMP TABLE t_num (n bigint, amount numeric(12, 2), at text) ON COMMIT DROP"))
    cursor = bulk.dbapi_connection(session).cursor()
    types = pgbinary.column_types(cursor, "t_num")
    assert types == {"n": "bigint", "amount": "numeric", "at": "text"}
    frame = pl.DataFrame({"n": [1, 2], "amount": ["12.50", None]})
    assert pgbinary.encoder(frame.schema, types) is None
    # a time into a text column: each format writes it its own way, so the text format's stays
    when = pl.DataFrame({"n": [3], "at": [dt.datetime(2026, 12, 5, 1, 2, 3)]})
    assert pgbinary.encoder(when.schema, types) is None
    bulk.load_frame(session, "t_num", frame)
    bulk.load_frame(session, "t_num", when)
    assert session.execute(text("SELECT n, amount, at FROM t_num ORDER BY n")).all() == [
        (1, 12.5, None), (2, None, None), (3, None, "2026-12-05 01:02:03.000000+00")]


def test_the_records_are_loaded_in_binary(session):
    """The ingest's records and publication leaves go in binary: a column type added to them
    that the encoder does not send would silently put them back in text."""
    from xinyong.ingest.repository import RECORD_COLUMN_NAMES
    cursor = bulk.dbapi_connection(session).cursor()
    records = pgbinary.column_types(cursor, "records")
    schema = {c: {"bigint": pl.Int64, "integer": pl.Int32, "date": pl.Date, "boolean": pl.Boolean,
                  "timestamp with time zone": pl.Datetime("us")}.get(records[c], pl.String)
              for c in ["id", *RECORD_COLUMN_NAMES]}
    assert pgbinary.encoder(pl.Schema(schema), records) is not None
    leaves = pgbinary.column_types(cursor, "transparency_publications")
    assert pgbinary.encoder(pl.Schema({c: pl.Int64 if t == "bigint" else pl.Int32 if t == "integer" else pl.String
                                       for c, t in leaves.items()}), leaves) is not None
