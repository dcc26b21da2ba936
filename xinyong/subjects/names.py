"""Name search over the subject register (issue 14 point 2: the trigram index off the bulk path).

Names are searched in ``subject_names`` (xinyong.models.SubjectName; the trigram GIN index on
PostgreSQL). A subject created one at a time gets its row there in its own transaction; the
subjects a batch's merge creates get theirs after the batch's commit, when the outbox applies
xinyong/subjects/hooks.py (by the worker: nothing the ingest answers waits for it). Until then
the batch's pending outbox row and its id range (``batches.subjects_from``) say which subjects
may have no row yet, and ``name_matches`` reads those from ``subjects`` itself: in any one
snapshot every committed subject is either in ``subject_names`` or at or after the first id of a
batch whose names are pending, because the batch's subjects, its range and its outbox row commit
together, and the hook's rows commit with the outbox row's claim. So a search finds a subject the
moment its batch is visible, whether or not its name has been copied."""
from __future__ import annotations

import polars as pl
from sqlalchemy import ColumnElement, func, select, union_all
from sqlalchemy.orm import Session, aliased

from xinyong.models import Batch, Subject, SubjectName
from xinyong.models.outbox import IngestOutbox

HOOK = "xinyong.subjects.hooks"      # the after-commit hook that copies a batch's new names
_CREATED = "subjects_created"        # session.info: (first, last) id the batch's merge created


def note_created(session: Session, ids: pl.Series) -> None:
    """The merge created the subjects ``ids`` (in this transaction): remembered for the batch."""
    if ids.is_empty():
        return
    first, last = ids.min(), ids.max()
    had = session.info.get(_CREATED)
    session.info[_CREATED] = (first, last) if had is None else (min(had[0], first), max(had[1], last))


def take_created(session: Session) -> tuple[int, int] | None:
    """The first and last id of the subjects created since the last call (None: none)."""
    return session.info.pop(_CREATED, None)


def forget_created(session: Session) -> None:
    session.info.pop(_CREATED, None)


def pending_from():
    """The first subject id whose name may not be in ``subject_names`` yet: the least
    ``subjects_from`` of the batches whose names' outbox row is pending (NULL: none)."""
    return (select(func.min(Batch.subjects_from)).join(IngestOutbox, IngestOutbox.batch_id == Batch.id)
            .where(IngestOutbox.hook == HOOK, IngestOutbox.applied_at.is_(None)).scalar_subquery())


def name_matches(q: str) -> ColumnElement[bool]:
    """``Subject`` whose name contains ``q`` (LIKE, escaped): the name-search table's matches
    and, among the subjects whose names are still pending, those of ``subjects`` itself."""
    fresh = aliased(Subject)
    matching = union_all(
        select(SubjectName.subject_id).where(SubjectName.name.contains(q, autoescape=True)),
        select(fresh.id).where(fresh.id >= pending_from(), fresh.name.contains(q, autoescape=True)))
    return Subject.id.in_(matching)
