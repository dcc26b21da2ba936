"""The evaluation's reactions to other domains' changes, inside their unit of work
(xinyong/registry.py HOOKS): only the subjects concerned are recomputed, so the cost follows
the subjects a batch or a repair touched, never the size of the city."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import text
from sqlalchemy.orm import Session

from xinyong.evaluation import service
from xinyong.evaluation.repository import Scope
from xinyong.kit.errors import InvalidInput

# up to this many subjects a batch's scope is a bound id list (index lookups per subject);
# beyond, the batch itself is the scope (one semi-join per statement)
CHUNK = 5000


def _model():
    try:
        return service.model_in_force().model
    except InvalidInput:   # the profile has no evaluation model (e.g. national only): nothing to keep current
        return None


def on_batch_ingested(session: Session, batch_id: int) -> None:
    """A small batch names its subjects (index lookups); a large one is one set-based scope,
    the batch's own records joined in each statement (bound id lists cost more per subject)."""
    model = _model()
    if model is None:
        return
    ids = [r[0] for r in session.execute(
        text("SELECT DISTINCT subject_id FROM records WHERE batch_id = :b ORDER BY subject_id"), {"b": batch_id})]
    scope = Scope.subjects(ids) if len(ids) <= CHUNK else Scope.batch(batch_id)
    if ids:
        service.recompute_scope(session, scope, trigger=f"batch:{batch_id}", model=model)


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
