"""What the ingest knows about a batch it has just written, handed to the hooks it applies
itself right after its commit (xinyong/ingest/outbox.py): the subjects of the batch's records,
when it re-sent none (then exactly the distinct subject ids of the records carrying the batch's
id, which is what a hook would otherwise read back: tests/evaluation/test_batch_facts.py). A hook
applied by anything else (the worker after a crash, a later batch's application of earlier
pending rows) finds nothing here and reads the database. A context variable: the outbox's
threads run in copies of the ingest's context."""
from __future__ import annotations

import contextlib
import contextvars

import polars as pl

_SUBJECTS: contextvars.ContextVar[dict[int, pl.Series]] = contextvars.ContextVar("batch_subjects", default={})


@contextlib.contextmanager
def handed(batch_id: int, subjects: pl.Series | None):
    """Within: ``subjects_of(batch_id)`` is ``subjects`` (distinct subject ids, ascending), or
    None if not given."""
    if subjects is None:
        yield
        return
    token = _SUBJECTS.set({**_SUBJECTS.get(), batch_id: subjects})
    try:
        yield
    finally:
        _SUBJECTS.reset(token)


def subjects_of(batch_id: int) -> pl.Series | None:
    """The distinct subject ids of the batch's records as its ingest wrote them, ascending, if
    handed over in this context; else None (read them from the records)."""
    return _SUBJECTS.get().get(batch_id)
