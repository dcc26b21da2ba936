"""How the platform runs its lazy polars queries: one engine for all of them.

polars 2 runs ``LazyFrame.collect()`` on its streaming engine unless told otherwise. Its
start-up costs milliseconds a query whatever the size, and a batch's validation is a few
large-expression queries over frames of 50 to 50,000 rows held in memory: on the in-memory
engine the same validation took 38 ms against 60 ms for 50 rows, 80 against 103-109 ms
for 10,000 and 223 against 254-266 ms for 50,000, a third less CPU each time
(docs/performance-history.md, 2026-12-05 12:40 UTC). Eager DataFrame methods already run
in memory; every lazy query goes through ``collect`` / ``collect_all`` here
(tests/test_architecture.py holds the package to it)."""
from __future__ import annotations

from collections.abc import Iterable

import polars as pl

ENGINE = "in-memory"


def collect(frame: pl.LazyFrame) -> pl.DataFrame:
    return frame.collect(engine=ENGINE)


def collect_all(frames: Iterable[pl.LazyFrame]) -> list[pl.DataFrame]:
    return pl.collect_all(list(frames), engine=ENGINE)
