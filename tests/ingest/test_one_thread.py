"""Validation does not depend on the host's core count (issue #10, point 7).

With POLARS_MAX_THREADS=1 (the default on a one-core host) the CSV reader cuts a file into
many small chunks; filtering the batch into parts kept them, a part could start with an empty
chunk, and polars 2.1.0's ``pl.format`` over such a column panicked in ``rules._accepted``.
The thread count is fixed when polars is imported, so the validation runs in a subprocess.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import polars as pl

from xinyong.catalogue import get_catalogue
from xinyong.ingest import service

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import datetime as dt
import polars as pl
from bench.gen_penalties import generate
from xinyong.catalogue import get_catalogue
from xinyong.law import active_profile
from xinyong.ingest import service
from xinyong.ingest.readers import read_table
from xinyong.ingest.rules import validate

assert pl.thread_pool_size() == 1, pl.thread_pool_size()
day = dt.date(2026, 12, 4)
out = generate(20_000, today=day)
frame = read_table((out[0] if isinstance(out, tuple) else out).write_csv().encode(), "p.csv")
assert max(frame.n_chunks("all")) > 1  # the one-thread reader's layout that triggered the panic
service.VALIDATE_CHUNK_ROWS = 1_000
item, profile = get_catalogue().get("penalty"), active_profile()
parts = accepted = 0
for part, _last in service._partitions(frame, item):
    accepted += validate(part, item, profile, day).accepted.height
    parts += 1
print(parts, accepted, frame.height)
"""


def test_a_multi_part_validation_with_one_polars_thread_completes():
    env = {**os.environ, "POLARS_MAX_THREADS": "1", "PYTHONPATH": str(ROOT), "RUST_BACKTRACE": "0"}
    run = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    parts, accepted, total = map(int, run.stdout.split())
    assert parts == 20 and accepted == total == 20_000


def test_every_part_is_one_chunk_even_when_the_frame_is_many(monkeypatch):
    item = get_catalogue().get("penalty")
    column = "行政处罚决定书文号"
    assert item.field_for_header(column) is item.field_by_role("decision_no")
    chunks = [pl.DataFrame({column: [f"D{c}-{i}" for i in range(50)], "x": [str(i) for i in range(50)]})
              for c in range(40)]
    frame = pl.concat(chunks, rechunk=False)
    assert frame.n_chunks() == 40
    monkeypatch.setattr(service, "VALIDATE_CHUNK_ROWS", 100)
    parts = [part for part, _last in service._partitions(frame, item)]
    assert len(parts) > 1 and sum(p.height for p in parts) == frame.height
    assert all(max(p.n_chunks("all")) == 1 for p in parts)


def test_exactly_the_last_part_is_marked_last_even_when_the_last_hash_bucket_is_empty(monkeypatch):
    """The last part's records are built while the subjects resolve: the part must be known as
    the last one however the batch was cut (one part, hash parts, an empty last bucket)."""
    item = get_catalogue().get("penalty")
    column = "行政处罚决定书文号"
    monkeypatch.setattr(service, "VALIDATE_CHUNK_ROWS", 100)
    candidates = pl.Series([f"D-{i}" for i in range(2_000)])
    numbers = candidates.filter(candidates.hash(seed=0) % 3 != 2).head(300)   # bucket 2 of 3 empty
    assert numbers.len() == 300
    for frame in (pl.DataFrame({column: numbers}), pl.DataFrame({column: numbers.head(80)}),
                  pl.DataFrame({"x": numbers})):   # hash parts; one part; no decision-number column
        marks = [last for _part, last in service._partitions(frame, item)]
        assert marks[-1] and not any(marks[:-1]), marks
