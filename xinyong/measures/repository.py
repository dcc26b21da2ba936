"""Queries of the measures domain. Set-based: one query per question, never one per row."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.disclosure.publicity import name_masking, public_name

from xinyong.measures.rules import BreachFact, EntryFact, PeerEntryFact, RecordFact
from xinyong.models import Agency, Record, Subject
from xinyong.models.commitment import Commitment
from xinyong.models.measure import Measure, MeasureApplication, MeasureCheck, MeasureList


def latest_versions(session: Session) -> dict[str, MeasureList]:
    rows = session.scalars(select(MeasureList).order_by(MeasureList.code, MeasureList.edition))
    return {r.code: r for r in rows}


def lists(session: Session, *, statuses: tuple[str, ...] | None = ("published",),
          jurisdiction: str | None = None) -> list[MeasureList]:
    q = select(MeasureList).order_by(MeasureList.jurisdiction, MeasureList.kind.desc(), MeasureList.code,
                                     MeasureList.edition.desc())
    if statuses:
        q = q.where(MeasureList.status.in_(statuses))
    if jurisdiction:
        q = q.where(MeasureList.jurisdiction == jurisdiction)
    return list(session.scalars(q))


def measures_of(session: Session, list_ids: list[int]) -> dict[int, list[Measure]]:
    out: dict[int, list[Measure]] = {i: [] for i in list_ids}
    if list_ids:
        for m in session.scalars(select(Measure).where(Measure.list_id.in_(list_ids)).order_by(Measure.code)):
            out[m.list_id].append(m)
    return out


def published_measures(session: Session, jurisdiction: str) -> list[tuple[Measure, MeasureList]]:
    q = (select(Measure, MeasureList).join(MeasureList, Measure.list_id == MeasureList.id)
         .where(MeasureList.status == "published", MeasureList.jurisdiction == jurisdiction)
         .order_by(MeasureList.kind.desc(), Measure.code))
    return [(m, lst) for m, lst in session.execute(q)]


def measure_with_list(session: Session, measure_id: int) -> tuple[Measure, MeasureList] | None:
    row = session.execute(select(Measure, MeasureList).join(MeasureList, Measure.list_id == MeasureList.id)
                          .where(Measure.id == measure_id)).first()
    return (row[0], row[1]) if row else None


def measures_with_lists(session: Session, measure_ids: list[int]) -> dict[int, tuple[Measure, MeasureList]]:
    if not measure_ids:
        return {}
    rows = session.execute(select(Measure, MeasureList).join(MeasureList, Measure.list_id == MeasureList.id)
                           .where(Measure.id.in_(measure_ids)))
    return {m.id: (m, lst) for m, lst in rows}


def decision_numbers(session: Session, record_ids: set[int]) -> dict[int, str]:
    """The decision number of each record: how a page names a record (its id is internal)."""
    if not record_ids:
        return {}
    return dict(session.execute(select(Record.id, Record.decision_no).where(Record.id.in_(sorted(record_ids)))).all())


def record_facts(session: Session, subject_id: int) -> tuple[RecordFact, ...]:
    q = select(Record.id, Record.item_code, Record.severity, Record.decision_date, Record.status,
               Record.publicity_start, Record.publicity_end, Record.under_objection).where(Record.subject_id == subject_id)
    return tuple(RecordFact(*row) for row in session.execute(q))


def breach_facts(session: Session, subject_id: int) -> tuple[BreachFact, ...]:
    """Broken commitments, each with whether the record it produced is still current."""
    q = (select(Commitment.id, Commitment.breached_on, Commitment.breach_record_id, Record.status)
         .outerjoin(Record, Record.id == Commitment.breach_record_id)
         .where(Commitment.subject_id == subject_id, Commitment.status == "breached"))
    return tuple(BreachFact(cid, on, rid, status in (None, "active")) for cid, on, rid, status in session.execute(q))


def entry_facts(session: Session, subject_id: int, today: dt.date) -> tuple[EntryFact, ...] | None:
    """Active list entries from the lists domain; None when that domain is not installed."""
    try:
        from xinyong.lists.repository import active_entries
    except ImportError:
        return None
    found = active_entries(session, [subject_id], today)   # {subject_id: [EntryView]}
    return tuple(EntryFact(int(e.id), str(e.kind)) for e in found.get(subject_id, []))


def peer_entry_facts(session: Session, subject_id: int, today: dt.date, actor=None) -> tuple[PeerEntryFact, ...]:
    """Entries in force on recognised peer cities' punitive lists: an organisation's matched by its
    USCC, a natural person's by the region's pseudonym (its derivation audited in ``actor``'s name)."""
    try:
        from xinyong.peers.service import entries_in_force
    except ImportError:
        return ()
    subject = session.get(Subject, subject_id)
    if subject is None:
        return ()
    return tuple(PeerEntryFact(e.id, e.kind, p.name_zh, p.name_en, p.basis, e.decision_ref, e.decision_url,
                               e.decided_on, e.citation) for p, e in entries_in_force(session, subject, today, actor))


def current_grade(session: Session, subject_id: int) -> tuple[bool, str | None]:
    """(known, grade) from the evaluation domain; known is False when it is not installed."""
    try:
        from xinyong.evaluation.service import current_grades
    except ImportError:
        return False, None
    return True, current_grades(session, [subject_id]).get(subject_id)


def subject_by_key(session: Session, key: str) -> Subject | None:
    key = key.strip()
    if not key or len(key) > 18 or any(ord(ch) < 32 for ch in key):
        return None
    if key.isdigit() and len(key) < 18:
        return session.get(Subject, int(key))
    return session.scalar(select(Subject).where(Subject.uscc == key.upper()))


def applications(session: Session, *, agency_id: int | None = None, subject_id: int | None = None,
                 application_id: int | None = None, limit: int = 50, offset: int = 0):
    """(application, measure, list, subject name, agency name) rows. A natural person is named
    masked, as on every output but the person's own (disclosure.publicity.public_name): an
    agency reading its applications (or anyone reading one by id) learns no name from them; the
    person's own list (``subject_id``) names it in full."""
    q = (select(MeasureApplication, Measure, MeasureList, Subject.name, Agency.name, Subject.kind)
         .join(Measure, Measure.id == MeasureApplication.measure_id)
         .join(MeasureList, MeasureList.id == MeasureApplication.list_id)
         .join(Subject, Subject.id == MeasureApplication.subject_id)
         .join(Agency, Agency.id == MeasureApplication.agency_id)
         .order_by(MeasureApplication.applied_at.desc(), MeasureApplication.id.desc()).limit(limit).offset(offset))
    if agency_id is not None:
        q = q.where(MeasureApplication.agency_id == agency_id)
    if subject_id is not None:
        q = q.where(MeasureApplication.subject_id == subject_id)
    if application_id is not None:
        q = q.where(MeasureApplication.id == application_id)
    own = subject_id is not None and agency_id is None and application_id is None
    masking = None if own else name_masking()
    return [(app, measure, lst, name if own else public_name(name, kind, masking)[0], agency)
            for app, measure, lst, name, agency, kind in session.execute(q)]


def applied_of_subject(session: Session, subject_id: int) -> list[tuple[MeasureApplication, Measure]]:
    q = (select(MeasureApplication, Measure).join(Measure, Measure.id == MeasureApplication.measure_id)
         .where(MeasureApplication.subject_id == subject_id, MeasureApplication.status == "applied"))
    return [(a, m) for a, m in session.execute(q)]


def checks_count(session: Session, subject_id: int) -> int:
    return session.scalar(select(func.count()).select_from(MeasureCheck)
                          .where(MeasureCheck.subject_id == subject_id)) or 0


