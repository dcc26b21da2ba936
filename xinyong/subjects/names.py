"""Name search over the subject register (issue 14 point 2: the trigram index off the bulk path).

Names are searched in ``subject_names`` (xinyong.models.SubjectName; the trigram GIN index on
PostgreSQL). A subject created one at a time gets its row there in its own transaction; the
subjects a batch's merge creates get theirs after the batch's commit, when the outbox applies
xinyong/subjects/hooks.py (by the worker: nothing the ingest answers waits for it). Until then
the batch's pending outbox row and its id range (``batches.subjects_from``/``subjects_to``) say
which subjects may have no row yet, and ``candidates`` reads those from ``subjects`` itself: in
any one snapshot every committed subject is either in ``subject_names`` or in the id range of a
batch whose names are pending, because the batch's subjects, its range and its outbox row commit
together, and the hook's rows commit with the outbox row's claim. So a search finds a subject the
moment its batch is visible, whether or not its name has been copied."""
from __future__ import annotations

import polars as pl
from sqlalchemy import or_, select, true, union_all
from sqlalchemy.orm import Session, aliased

from xinyong.disclosure.publicity import PERSON_KINDS
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


def pending_ranges():
    """(subjects_from, subjects_to) of each batch whose names' outbox row is pending: the
    subjects that may have no name row yet are in these ranges."""
    return (select(Batch.subjects_from, Batch.subjects_to).join(IngestOutbox, IngestOutbox.batch_id == Batch.id)
            .where(IngestOutbox.hook == HOOK, IngestOutbox.applied_at.is_(None)).subquery("pending"))


LIKE_ESCAPE = "/"


def like_pattern(q: str) -> str:
    """The LIKE pattern of "contains ``q``", ``q``'s own % and _ taken literally (escaped by
    LIKE_ESCAPE, as SQLAlchemy's ``contains(autoescape=True)`` escapes them): a value bound to a
    kept statement, which ``contains`` of a literal string could not be."""
    e = LIKE_ESCAPE
    return "%" + q.replace(e, e + e).replace("%", e + "%").replace("_", e + "_") + "%"


def candidates(pattern, uscc=None, exact=None):
    """(id, name, kind) of every subject whose name is LIKE ``pattern`` (``like_pattern``; a
    value or a bind parameter), each once: the name-search table's matches, and those of
    ``subjects`` itself among the id ranges of the batches whose names are pending that have no
    name row yet (the planner reads the few pending batches first, then each range by the
    primary key). With ``uscc``, also the subject of that code. A search filters, orders and
    pages these narrow rows before it reads any subject.

    With ``exact`` (the query itself), a natural person matches only on the whole name: a part
    of a masked person's name would let anyone read it back a character at a time ("萧" and
    "成" both finding "萧*")."""
    fresh = aliased(Subject)
    pending = pending_ranges()
    named = select(SubjectName.subject_id).where(SubjectName.subject_id == fresh.id)

    def whole_if_person(table):
        if exact is None:
            return true()
        return or_(table.kind.not_in(PERSON_KINDS), table.name == exact)

    parts = [
        select(SubjectName.subject_id.label("id"), SubjectName.name, SubjectName.kind)
        .where(SubjectName.name.like(pattern, escape=LIKE_ESCAPE), whole_if_person(SubjectName)),
        select(fresh.id, fresh.name, fresh.kind)
        .join(pending, fresh.id.between(pending.c.subjects_from, pending.c.subjects_to))
        .where(fresh.name.like(pattern, escape=LIKE_ESCAPE), ~named.exists(), whole_if_person(fresh))]
    if uscc is not None:
        coded = aliased(Subject)
        parts.append(select(coded.id, coded.name, coded.kind)
                     .where(coded.uscc == uscc, ~coded.name.like(pattern, escape=LIKE_ESCAPE)))
    return union_all(*parts).subquery("candidates")
