"""A batch cut in parts (service._partitions): the parts are the rows of each hash bucket of the
decision number, in file order, every column kept, whatever the file's headers are named; the
file's frame is let go as the parts are cut (the parts hold their own copies of the rows)."""
from __future__ import annotations

import gc
import weakref

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.catalogue import get_catalogue
from xinyong.ingest import service

DECISION = "行政处罚决定书文号"


def _expected(frame: pl.DataFrame, parts: int) -> list[pl.DataFrame]:
    """The parts as the filter of each non-empty bucket (the cut before 2026-12-07)."""
    key = frame[DECISION].fill_null("").hash(seed=0) % parts
    return [frame.filter(key == i) for i in key.unique().sort().to_list()]


@settings(max_examples=60, deadline=None)
@given(numbers=st.lists(st.one_of(st.none(), st.text(max_size=6)), min_size=1, max_size=60),
       chunk=st.integers(1, 25), width=st.integers(0, 9),
       extra=st.lists(st.sampled_from(["__part", "__part_", "__part__", "其他", "x"]), unique=True, max_size=4))
def test_the_parts_are_each_buckets_rows_in_order_with_every_column(numbers, chunk, width, extra):
    item = get_catalogue().get("penalty")
    columns = {DECISION: numbers, **{name: [f"{name}{i}" for i in range(len(numbers))] for name in extra},
               **{f"c{j}": [f"{j}-{i}" for i in range(len(numbers))] for j in range(width)}}
    frame = pl.DataFrame(columns, schema={name: pl.String for name in columns})
    original = service.VALIDATE_CHUNK_ROWS
    service.VALIDATE_CHUNK_ROWS = chunk
    try:
        cut = list(service._partitions(frame.clone(), item))
        parts = -(-frame.height // chunk)
    finally:
        service.VALIDATE_CHUNK_ROWS = original
    expected = _expected(frame, parts) if parts > 1 else [frame]
    assert len(cut) == len(expected)
    for (part, last), want in zip(cut, expected):
        assert part.columns == frame.columns
        assert part.equals(want)
        assert max(part.n_chunks("all")) == 1
    assert [last for _part, last in cut] == [False] * (len(cut) - 1) + [True]


def test_the_files_frame_is_let_go_once_cut(monkeypatch):
    """The caller hands the frame over (``_ingest_frame`` keeps no reference): once the parts
    are cut, nothing holds it, so its memory goes before the parts are validated."""
    item = get_catalogue().get("penalty")
    monkeypatch.setattr(service, "VALIDATE_CHUNK_ROWS", 10)
    frame = pl.DataFrame({DECISION: [f"D-{i}" for i in range(100)], "x": [str(i) for i in range(100)]})
    gone = weakref.ref(frame)
    parts = service._partitions(frame, item)
    frame = None
    first, _last = next(parts)
    gc.collect()
    assert gone() is None
    rest = [part for part, _last in parts]
    assert sum(p.height for p in [first, *rest]) == 100
