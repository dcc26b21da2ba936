"""The one definition of "in public view today" (QZ art. 22, NDRC Order 36 ch. 2), in its three
forms — a SQLAlchemy condition, the same condition as SQL text for the raw-SQL paths (feed,
evaluation), and its Python twin. Every output that can show, count or hint at a record goes
through one of them: pages, API, feed, reports, search, evaluation, errors
(tests/disclosure/test_publicity_definition.py checks that the three agree on both backends;
tests/disclosure/test_publicity_crawl.py that no output shows a record outside it).

A record is in public view on ``today`` when it is published (its catalogue item and severity
allow it), its catalogue disclosure is "public", it is not repaired, and ``today`` is inside its
half-open window ``publicity_start <= today < publicity_end`` (NULL end: no end). The window is
checked on every read: a record leaves public view at its end whether or not a sweep has run.

A natural person appears on public outputs only while at least one of their records is in
public view (``person_in_view``): anything else would confirm that a named person is on file."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy import and_, exists, or_, select

from xinyong.models import Record, Subject

PERSON_KINDS = ("natural_person",)


def public_condition(today, record=Record):
    """SQLAlchemy: the record (``Record`` or an alias of it) is in public view on ``today`` (a
    date or bindparam)."""
    r = record
    return and_(
        r.publicity_published.is_(True),
        r.disclosure == "public",
        r.status == "active",
        r.publicity_start <= today,
        or_(r.publicity_end.is_(None), r.publicity_end > today),
    )


def public_sql(alias: str = "r", today: str = ":today") -> str:
    """The same condition as SQL text over ``alias`` (a records row), ``today`` a bind name or
    SQL expression. Booleans compared with TRUE work on SQLite (1) and PostgreSQL alike."""
    a = alias
    return (f"({a}.publicity_published = TRUE AND {a}.disclosure = 'public' AND {a}.status = 'active' "
            f"AND {a}.publicity_start <= {today} AND ({a}.publicity_end IS NULL OR {a}.publicity_end > {today}))")


def _get(row, name: str):
    return row[name] if isinstance(row, Mapping) else getattr(row, name)


def in_public_view(row, today: dt.date) -> bool:
    """Python twin of ``public_condition`` over a Record or a mapping with the same columns."""
    end = _get(row, "publicity_end")
    return (bool(_get(row, "publicity_published")) and _get(row, "disclosure") == "public"
            and _get(row, "status") == "active" and _get(row, "publicity_start") <= today
            and (end is None or end > today))


def name_masking(on: dt.date | None = None) -> dict:
    """The profile's masking of natural persons (rule ``masking.natural_person``) in force."""
    from xinyong import clock
    from xinyong.law.loader import active_profile
    return active_profile().rule("masking.natural_person", on=on or clock.today()).value


def public_name(name: str, kind: str, masking: dict | None = None) -> tuple[str, bool]:
    """A subject's name as anyone but itself and those reading it on a logged basis sees it: a
    natural person's masked by the profile's rule, an organisation's in full. (name, masked)."""
    if kind in PERSON_KINDS:
        from xinyong.kit.masking import mask_name
        return mask_name(name, **(masking or name_masking())["name"]), True
    return name, False


def person_in_view(today, subject_id=None, kind=None):
    """SQLAlchemy: the subject (``Subject``, or the one of the columns ``subject_id`` and
    ``kind`` given) may appear in public outputs on ``today``: any organisation, or a natural
    person with at least one record in public view."""
    subject_id = Subject.id if subject_id is None else subject_id
    kind = Subject.kind if kind is None else kind
    has_public = exists(select(Record.id).where(Record.subject_id == subject_id, public_condition(today)))
    return or_(kind.not_in(PERSON_KINDS), has_public)


def subject_in_view(session, subject_id: int, today: dt.date) -> bool:
    """Whether the subject exists and may appear in public outputs today (``person_in_view``):
    a caller without a basis gets the same "not found" for a person out of view as for no one."""
    stmt = select(Subject.id).where(Subject.id == subject_id, person_in_view(today))
    return session.scalar(stmt) is not None
