"""Queries of self-declared information (one query per page; the subject joined in)."""
from __future__ import annotations

import functools

from sqlalchemy import Integer, bindparam, func, select
from sqlalchemy.orm import Session

from xinyong.models import Subject
from xinyong.models.declaration import Declaration


def of_subject(session: Session, subject_id: int, *, published_only: bool = False, limit: int = 100,
               offset: int = 0) -> list[Declaration]:
    """A subject's declarations, newest first (served by ix_declarations_subject_status)."""
    params = {"subject_id": subject_id, "limit": limit, "offset": offset}
    return list(session.scalars(_of_subject_statement(published_only), params))


@functools.cache
def _of_subject_statement(published_only: bool):
    # kept, executed with the values: building it (and its cache key) cost ~0.1 ms on every
    # subject page
    q = select(Declaration).where(Declaration.subject_id == bindparam("subject_id", type_=Declaration.subject_id.type))
    if published_only:
        q = q.where(Declaration.status == "published")
    return (q.order_by(Declaration.declared_at.desc(), Declaration.id.desc())
            .limit(bindparam("limit", type_=Integer())).offset(bindparam("offset", type_=Integer())))


def listing(session: Session, *, status: str | None = None, subject_id: int | None = None, limit: int = 50,
            offset: int = 0) -> list[tuple[Declaration, str, str, str | None]]:
    """(declaration, subject name, subject kind, subject USCC) for the credit department."""
    q = select(Declaration, Subject.name, Subject.kind, Subject.uscc).join(Subject, Subject.id == Declaration.subject_id)
    if status:
        q = q.where(Declaration.status == status)
    if subject_id is not None:
        q = q.where(Declaration.subject_id == subject_id)
    return [tuple(r) for r in session.execute(q.order_by(Declaration.id.desc()).limit(limit).offset(offset))]


def one_with_subject(session: Session, declaration_id: int) -> tuple[Declaration, str, str, str | None] | None:
    row = session.execute(select(Declaration, Subject.name, Subject.kind, Subject.uscc)
                          .join(Subject, Subject.id == Declaration.subject_id)
                          .where(Declaration.id == declaration_id)).first()
    return tuple(row) if row else None


def counts_by_status(session: Session) -> dict[str, int]:
    return dict(session.execute(select(Declaration.status, func.count()).group_by(Declaration.status)).all())
