"""Bulk loads (xinyong.kit.bulk) on both backends: a frame loaded in a given row order, a chunk
gathered at a time, arrives whole and in that order."""
from __future__ import annotations

import polars as pl
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
