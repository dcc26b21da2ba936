"""Public-view queries. A record is public only while publicity_start <= today <
publicity_end (NULL end: no end): the window is checked on every read, so a record leaves
public view at its end by itself, whether or not a sweep has run."""
from __future__ import annotations

import datetime as dt
import functools

from sqlalchemy import Date, Integer, and_, bindparam, func, or_, select
from sqlalchemy.orm import Session

from xinyong.models import Agency, Record, Subject


def public_condition(today: dt.date):
    return and_(
        Record.publicity_published.is_(True),
        Record.disclosure == "public",
        Record.status == "active",
        Record.publicity_start <= today,
        or_(Record.publicity_end.is_(None), Record.publicity_end > today),
    )


def search_subjects(session: Session, q: str, limit: int, offset: int) -> list[Subject]:
    q = q.strip()
    if len(q) == 18 and q.isalnum():
        stmt = select(Subject).where(or_(Subject.uscc == q.upper(), Subject.name.contains(q, autoescape=True)))
    else:
        stmt = select(Subject).where(Subject.name.contains(q, autoescape=True))
    stmt = stmt.order_by(func.length(Subject.name), Subject.id).limit(limit).offset(offset)
    return list(session.scalars(stmt))


def subject(session: Session, subject_id: int) -> Subject | None:
    """As ``session.get``, which builds its statement and that statement's cache key anew on
    every call (~70 us): one statement, kept, executed with the id."""
    return session.execute(_subject_template(), {"subject_id": subject_id}).scalar_one_or_none()


@functools.cache
def _subject_template():
    return select(Subject).where(Subject.id == bindparam("subject_id", type_=Subject.id.type))


def public_records(session: Session, subject_id: int, today: dt.date, limit: int = 200) -> list[tuple[Record, str]]:
    # the kept statement itself, not a bound copy: its cache key is computed once
    params = {"subject_id": subject_id, "today": today, "limit": limit}
    return [(r, name) for r, name in session.execute(_public_records_template(), params).all()]


def public_records_statement(subject_id: int, today: dt.date, limit: int = 200):
    """Newest first: a backward scan of ix_records_subject_date, stopping at the page."""
    return _public_records_template().params(subject_id=subject_id, today=today, limit=limit)


@functools.cache
def _public_records_template():
    # built once and bound per call: building it took ~0.2 ms, on every profile read (the SQL
    # is the same: SQLAlchemy sends the values as parameters either way)
    return (
        select(Record, Agency.name)
        .join(Agency, Agency.id == Record.source_agency_id)
        .where(Record.subject_id == bindparam("subject_id", type_=Record.subject_id.type),
               public_condition(bindparam("today", type_=Date())))
        .order_by(Record.decision_date.desc(), Record.id.desc())
        .limit(bindparam("limit", type_=Integer()))
    )


def public_record_counts(session: Session, subject_ids: list[int], today: dt.date) -> dict[int, int]:
    if not subject_ids:
        return {}
    stmt = (select(Record.subject_id, func.count()).where(Record.subject_id.in_(subject_ids), public_condition(today))
            .group_by(Record.subject_id))
    return dict(session.execute(stmt).all())
