"""After-commit hook (xinyong.registry.AFTER_COMMIT_HOOKS, left to the worker: LEFT_TO_WORKER):
the names of the subjects a batch created, copied into the name-search table
(xinyong/subjects/names.py). Applied in the transaction that claims the batch's outbox row, so
exactly once; a subject in the range that already has its row (created one at a time, or by a
concurrent batch whose ids interleave) is left as it is."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import text
from sqlalchemy.orm import Session

from xinyong.models import Batch

_COPY = ("INSERT INTO subject_names (subject_id, name, kind) SELECT id, name, kind FROM subjects "
         "WHERE id BETWEEN :first AND :last ON CONFLICT DO NOTHING")


def on_batch_ingested(session: Session, batch_id: int, *, today: dt.date | None = None) -> None:
    batch = session.get(Batch, batch_id)
    if batch is None or batch.subjects_from is None:
        return
    session.execute(text(_COPY), {"first": batch.subjects_from, "last": batch.subjects_to})
