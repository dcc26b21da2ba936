"""The evaluation's reactions to other domains' changes, inside their unit of work
(xinyong/registry.py HOOKS): only the subjects concerned are recomputed, so the cost follows
the subjects a batch or a repair touched, never the size of the city."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from xinyong.evaluation import service
from xinyong.evaluation.scope import (SCOPE_TABLE, Scope, batch_subject_ids, drop_staged, stage_batch_subjects,
                                      stage_subjects, staged_subject_ids)
from xinyong.kit import batchfacts
from xinyong.kit.errors import InvalidInput

# up to this many subjects a batch's scope is a bound id list; beyond, the batch's subjects
# staged in a keyed temporary table. Either way each statement reads the scope's subjects one by
# one through the subject_id indexes (scope.per_subject_plans): the cost per touched
# subject does not depend on the size of the city (tests/evaluation/test_incremental_plans.py)
CHUNK = 5000


def _model():
    try:
        return service.model_in_force().model
    except InvalidInput:   # the profile has no evaluation model (e.g. national only): nothing to keep current
        return None


def on_batch_ingested(session: Session, batch_id: int, today: dt.date | None = None) -> None:
    """A small batch names its subjects; a large one stages them once in a keyed temporary
    table (bound id lists cost more per subject); both are read subject by subject by index.
    Applied after the batch's commit (the ingest outbox); ``today`` (the day of that commit) is
    not used: the subjects are evaluated as they stand when it is applied. Applied by the batch's
    own ingest, the subjects are those it handed over (kit/batchfacts.py) when it re-sent no
    record; otherwise they are read from the batch's records."""
    model = _model()
    if model is None:
        return
    handed = batchfacts.subjects_of(batch_id)   # applied by its own ingest: the subjects it wrote, if known
    handed = handed.to_list() if handed is not None else None
    if handed is not None:
        named = handed if len(handed) <= CHUNK else None
    else:
        named = batch_subject_ids(session, batch_id, CHUNK)   # PostgreSQL, a batch of few subjects: read in one statement
    if named is not None:
        if named:
            service.recompute_scope(session, Scope.subjects(named), trigger=f"batch:{batch_id}", model=model)
        return
    count = stage_subjects(session, handed) if handed is not None else stage_batch_subjects(session, batch_id)
    try:
        if count:
            scope = (Scope.subjects(staged_subject_ids(session)) if count <= CHUNK
                     else Scope.staged(SCOPE_TABLE))
            service.recompute_scope(session, scope, trigger=f"batch:{batch_id}", model=model)
    finally:
        drop_staged(session)


def _subject(session: Session, subject_id: int, trigger: str) -> None:
    model = _model()
    if model is not None:
        service.recompute_scope(session, Scope.subjects([subject_id]), trigger=trigger, model=model)


def on_records_repaired(session: Session, subject_id: int, record_ids: list[int], today: dt.date) -> None:
    _subject(session, subject_id, "records_repaired")


def on_repair_revoked(session: Session, subject_id: int, record_ids: list[int], today: dt.date) -> None:
    _subject(session, subject_id, "repair_revoked")


def on_records_corrected(session: Session, subject_id: int, record_ids: list[int], today: dt.date) -> None:
    _subject(session, subject_id, "records_corrected")
