"""Public-view queries, all through the one definition of "in public view today"
(xinyong/disclosure/publicity.py)."""
from __future__ import annotations

import datetime as dt
import functools

from sqlalchemy import Connection, Date, Integer, String, bindparam, func, select, text
from sqlalchemy.orm import Session, aliased

from xinyong.db import KeptStatement
from xinyong.disclosure.publicity import person_in_view, public_condition
from xinyong.models import Agency, Record, Subject
from xinyong.subjects.names import candidates, like_pattern

__all__ = ["public_condition", "search_subjects", "subject", "public_records", "public_record_counts",
           "newest_public_records", "subject_row", "public_record_rows", "profile_record_rows"]


def search_subjects(session: Session, q: str, limit: int, offset: int, today: dt.date) -> list[Subject]:
    """Subjects by name or USCC; natural persons only by their whole name, and only while a
    record of theirs is in public view.
    Matched, filtered, ordered and paged on the name-search rows (xinyong/subjects/names.py), so
    only the page's subjects are read (joined for every match, a common name's 70,000 matches
    were 70,000 primary-key reads). One kept statement per shape, executed with the values."""
    q = q.strip()
    by_code = len(q) == 18 and q.isalnum()
    params = {"pattern": like_pattern(q), "exact": q, "today": today, "limit": limit, "offset": offset}
    if by_code:
        params["uscc"] = q.upper()
    if session.get_bind().dialect.name == "postgresql":
        # planned at the cost of every match's "person in view?" test (a common name's 70,000
        # matches: ~600,000), the search turned on PostgreSQL's JIT, which then compiled for
        # 130-330 ms a query that runs in 50-150 ms (bench: the 1M-subject city, 2026-12-07)
        session.execute(text("SET LOCAL jit = off"))
    return list(session.scalars(_search_template(by_code), params))


@functools.cache
def _search_template(by_code: bool):
    found = candidates(bindparam("pattern", type_=String()), bindparam("uscc", type_=String()) if by_code else None,
                       exact=bindparam("exact", type_=String()))
    page = (select(found.c.id).where(person_in_view(bindparam("today", type_=Date()), found.c.id, found.c.kind))
            .order_by(func.length(found.c.name), found.c.id)
            .limit(bindparam("limit", type_=Integer())).offset(bindparam("offset", type_=Integer())))
    return select(Subject).where(Subject.id.in_(page)).order_by(func.length(Subject.name), Subject.id)


def newest_public_records(session: Session, subject_ids: list[int], today: dt.date) -> dict[int, tuple[str, str]]:
    """{subject id: (decision number, source agency)} of each subject's newest record in public
    view, in one query: what tells two masked persons apart in search results."""
    if not subject_ids:
        return {}
    newer = aliased(Record)
    newest = (select(newer.id).where(newer.subject_id == Record.subject_id,
                                     public_condition(today, newer))
              .order_by(newer.decision_date.desc(), newer.id.desc()).limit(1).scalar_subquery())
    stmt = (select(Record.subject_id, Record.decision_no, Agency.name)
            .join(Agency, Agency.id == Record.source_agency_id)
            .where(Record.subject_id.in_(subject_ids), Record.id == newest))
    return {sid: (no, agency) for sid, no, agency in session.execute(stmt)}


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


# The public profile read (service.subject_profile) takes kept statements as rows:
# executed through the session's connection (Core), the columns come back typed as the ORM
# would type them, without an ORM object, its instance state and the identity map for each
# record (~40 % of the read's CPU). The SQL is the same; the rows are read-only views whose
# attributes are named as the model's (Record.decision_no -> row.decision_no). They run on the
# driver's cursor (db.KeptStatement: no execution context or result object per statement), on
# a Session's connection or on a bare Connection (the API route's, kit.web.read_on_connection).

def _connection(bind: Session | Connection) -> Connection:
    return bind.connection() if isinstance(bind, Session) else bind


def subject_row(bind: Session | Connection, subject_id: int):
    """The subject's columns as a row (attributes named as Subject's), or None."""
    rows = _kept_subject().rows(_connection(bind), {"subject_id": subject_id})
    return rows[0] if rows else None


def public_record_rows(session: Session, subject_id: int, today: dt.date, limit: int = 200) -> list[tuple]:
    """As ``public_records``, with each record as a row (attributes named as Record's) paired
    with its agency's name."""
    params = {"subject_id": subject_id, "today": today, "limit": limit}
    result = session.connection().execute(_public_records_template(), params)
    width = len(result.keys()) - 1   # the record's columns, then the agency's name
    return [(row, row[width]) for row in result]


# What a public profile shows of a record (schemas.PublicRecord), in this order: the profile
# read selects these and no more. The other columns (batch, row, timestamps, the severity's
# basis, the window's other dates) were read, typed and decoded for nothing: a tenth of the
# read's CPU (~0.05 ms of 0.5 on SQLite).
PROFILE_RECORD_COLUMNS = (Record.id, Record.item_code, Record.decision_no, Record.decision_date, Record.severity,
                          Record.publicity_end, Record.publicity_citation, Record.fields, Record.under_objection)


def profile_record_rows(bind: Session | Connection, subject_id: int, today: dt.date, limit: int = 200) -> list[tuple]:
    """The subject's records in public view, newest first, as rows of PROFILE_RECORD_COLUMNS
    followed by the source agency's name (the same window and order as ``public_records``)."""
    params = {"subject_id": subject_id, "today": today, "limit": limit}
    return _kept_profile_records().rows(_connection(bind), params)


def public_records_statement(subject_id: int, today: dt.date, limit: int = 200):
    """Newest first: a backward scan of ix_records_subject_date, stopping at the page."""
    return _public_records_template().params(subject_id=subject_id, today=today, limit=limit)


def profile_records_statement(subject_id: int, today: dt.date, limit: int = 200):
    """The statement of ``profile_record_rows``, bound."""
    return _profile_records_template().params(subject_id=subject_id, today=today, limit=limit)


def _in_public_view_newest_first(*columns):
    return (
        select(*columns)
        .join(Agency, Agency.id == Record.source_agency_id)
        .where(Record.subject_id == bindparam("subject_id", type_=Record.subject_id.type),
               public_condition(bindparam("today", type_=Date())))
        .order_by(Record.decision_date.desc(), Record.id.desc())
        .limit(bindparam("limit", type_=Integer()))
    )


@functools.cache
def _public_records_template():
    # built once and bound per call: building it took ~0.2 ms, on every profile read (the SQL
    # is the same: SQLAlchemy sends the values as parameters either way)
    return _in_public_view_newest_first(Record, Agency.name)


@functools.cache
def _profile_records_template():
    return _in_public_view_newest_first(*PROFILE_RECORD_COLUMNS, Agency.name)


@functools.cache
def _kept_subject() -> KeptStatement:
    return KeptStatement(_subject_template(), "SubjectRow")


@functools.cache
def _kept_profile_records() -> KeptStatement:
    return KeptStatement(_profile_records_template(), "ProfileRecordRow")


def public_record_counts(session: Session, subject_ids: list[int], today: dt.date) -> dict[int, int]:
    if not subject_ids:
        return {}
    stmt = (select(Record.subject_id, func.count()).where(Record.subject_id.in_(subject_ids), public_condition(today))
            .group_by(Record.subject_id))
    return dict(session.execute(stmt).all())


DUAL_PUBLICITY_ITEMS = ("licence", "penalty")   # 双公示: administrative licences and penalties


def browse(session: Session, today: dt.date, *, items: tuple[str, ...] = DUAL_PUBLICITY_ITEMS,
           agency_id: int | None = None, date_from: dt.date | None = None, date_to: dt.date | None = None,
           limit: int = 20, offset: int = 0) -> list[tuple[Record, str, Subject]]:
    """双公示 records in public view, newest decision first, with their agency and subject."""
    stmt = (select(Record, Agency.name, Subject)
            .join(Agency, Agency.id == Record.source_agency_id).join(Subject, Subject.id == Record.subject_id)
            .where(Record.item_code.in_(items), public_condition(today)))
    if agency_id is not None:
        stmt = stmt.where(Record.source_agency_id == agency_id)
    if date_from is not None:
        stmt = stmt.where(Record.decision_date >= date_from)
    if date_to is not None:
        stmt = stmt.where(Record.decision_date <= date_to)
    stmt = stmt.order_by(Record.decision_date.desc(), Record.id.desc()).limit(limit).offset(offset)
    return [tuple(r) for r in session.execute(stmt)]


def source_agencies(session: Session) -> list[tuple[int, str]]:
    """Agencies that send records (public bodies), by name: the 双公示 filter's choices."""
    return [tuple(r) for r in session.execute(select(Agency.id, Agency.name).where(Agency.kind == "public_body")
                                              .order_by(Agency.name))]
