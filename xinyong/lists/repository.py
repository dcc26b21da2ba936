"""Queries of lists. Set-based: every function answers for any number of subjects, records or
proposals in a fixed number of queries.

Other domains read list membership through ``active_entries`` (measures, evaluation, reports)
and ``entry_ids_for_records`` (repair)."""
from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from xinyong.disclosure.publicity import public_condition
from xinyong.lists import rules
from xinyong.models import Agency, Document, History, Record, Subject
from xinyong.models.listing import ListBasisRecord, ListEntry, ListProposal


@dataclasses.dataclass(frozen=True)
class EntryView:
    """One list membership as other domains see it."""
    id: int
    subject_id: int
    proposal_id: int
    kind: str
    category: str | None
    proposing_org_id: int
    status: str
    listed_on: dt.date | None
    period_end: dt.date | None
    citation: str


def view(e: ListEntry) -> EntryView:
    return EntryView(e.id, e.subject_id, e.proposal_id, e.kind, e.category, e.proposing_org_id, e.status,
                     e.listed_on, e.period_end, e.citation)


def in_force(today: dt.date):
    """Published and within its period (the sweep marks ended periods; this does not wait for it)."""
    return and_(ListEntry.status == "active", or_(ListEntry.period_end.is_(None), ListEntry.period_end >= today))


def active_entries(session: Session, subject_ids: list[int], today: dt.date) -> dict[int, list[EntryView]]:
    """The lists each subject is on today (published, period running), in one query."""
    found: dict[int, list[EntryView]] = {int(i): [] for i in subject_ids}
    if not found:
        return found
    rows = session.scalars(select(ListEntry).where(ListEntry.subject_id.in_(list(found)), in_force(today))
                           .order_by(ListEntry.subject_id, ListEntry.id))
    for e in rows:
        found[e.subject_id].append(view(e))
    return found


def entries_for_records(session: Session, record_ids: list[int], statuses: tuple[str, ...] | None = None
                        ) -> list[ListEntry]:
    """Entries whose listing rests on any of the records, in one query."""
    if not record_ids:
        return []
    stmt = (select(ListEntry).join(ListBasisRecord, ListBasisRecord.proposal_id == ListEntry.proposal_id)
            .where(ListBasisRecord.record_id.in_(list(record_ids))).distinct().order_by(ListEntry.id))
    if statuses:
        stmt = stmt.where(ListEntry.status.in_(statuses))
    return list(session.scalars(stmt))


def basis_of(session: Session, proposal_ids: list[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {i: [] for i in proposal_ids}
    if proposal_ids:
        for pid, rid in session.execute(select(ListBasisRecord.proposal_id, ListBasisRecord.record_id)
                                        .where(ListBasisRecord.proposal_id.in_(proposal_ids))
                                        .order_by(ListBasisRecord.record_id)):
            found[pid].append(rid)
    return found


def basis_references(session: Session, proposal_id: int) -> list[str]:
    """The basis records of a proposal as the law and the subject know them: the deciding
    agency and the 决定文书号 ("泉州市市场监督管理局 泉市监罚〔2026〕501号")."""
    return basis_references_of(session, [proposal_id])[proposal_id]


def basis_references_of(session: Session, proposal_ids: list[int]) -> dict[int, list[str]]:
    """basis_references for many proposals in one query."""
    found: dict[int, list[str]] = {i: [] for i in proposal_ids}
    if proposal_ids:
        rows = session.execute(select(ListBasisRecord.proposal_id, Record.decision_no, Agency.name)
                               .join(Record, ListBasisRecord.record_id == Record.id)
                               .outerjoin(Agency, Agency.id == Record.source_agency_id)
                               .where(ListBasisRecord.proposal_id.in_(proposal_ids)).order_by(Record.id))
        for pid, no, name in rows:
            found[pid].append(f"{name} {no}" if name else no)
    return found


def basis_records(session: Session, record_ids: list[int]) -> list[Record]:
    if not record_ids:
        return []
    return list(session.scalars(select(Record).where(Record.id.in_(list(record_ids))).order_by(Record.id)))


def basis_facts_of(session: Session, proposal_ids: list[int], today: dt.date) -> dict[int, tuple[rules.BasisFacts, ...]]:
    """The basis records of proposals as the rules read them (their state on ``today``), in one query."""
    found: dict[int, list] = {i: [] for i in proposal_ids}
    if proposal_ids:
        rows = session.execute(select(ListBasisRecord.proposal_id, Record.id, Record.subject_id, Record.source_agency_id,
                                      Record.severity, Record.status, Record.decision_no, Record.publicity_end)
                               .join(Record, ListBasisRecord.record_id == Record.id)
                               .where(ListBasisRecord.proposal_id.in_(proposal_ids)).order_by(Record.id))
        for pid, *facts, end in rows:
            found[pid].append(rules.BasisFacts(*facts, publicity_ended=end is not None and end <= today))
    return {pid: tuple(facts) for pid, facts in found.items()}


def basis_facts(records: list[Record], today: dt.date) -> tuple[rules.BasisFacts, ...]:
    """Records named as a proposal's basis, as the rules read them on ``today``."""
    return tuple(rules.BasisFacts(r.id, r.subject_id, r.source_agency_id, r.severity, r.status, r.decision_no,
                                  publicity_ended=r.publicity_end is not None and r.publicity_end <= today)
                 for r in records)


def proposals_on_records(session: Session, record_ids: list[int], statuses: tuple[str, ...]) -> list[ListProposal]:
    """Proposals in these states resting on any of the records, in one query."""
    if not record_ids:
        return []
    return list(session.scalars(
        select(ListProposal).join(ListBasisRecord, ListBasisRecord.proposal_id == ListProposal.id)
        .where(ListBasisRecord.record_id.in_(list(record_ids)), ListProposal.status.in_(statuses))
        .distinct().order_by(ListProposal.id)))


def basis_records_changed_in_batch(session: Session, batch_id: int) -> dict[int, list[int]]:
    """Subject -> the listing basis records a batch's re-sent decisions changed (their superseded
    versions are in the history with the batch's id). Driven by the basis table, which holds a
    few rows per listing: a batch of a million rows that touches no listing costs one probe."""
    rows = session.execute(select(ListBasisRecord.subject_id, ListBasisRecord.record_id)
                           .join(History, (History.entity == "record") & (History.entity_id == ListBasisRecord.record_id))
                           .where(History.changed_in_batch == batch_id).distinct())
    found: dict[int, list[int]] = {}
    for subject_id, record_id in rows:
        found.setdefault(subject_id, []).append(record_id)
    return found


def open_kinds(session: Session, subject_id: int, open_statuses: tuple[str, ...], today: dt.date
               ) -> tuple[frozenset[str], frozenset[str]]:
    """(kinds with an open procedure, kinds the subject is on now) for one subject."""
    procedures = session.scalars(select(ListProposal.kind).where(ListProposal.subject_id == subject_id,
                                                                 ListProposal.status.in_(open_statuses)))
    entries = session.scalars(select(ListEntry.kind).where(
        ListEntry.subject_id == subject_id, or_(in_force(today), ListEntry.status == "decided")))
    return frozenset(procedures), frozenset(entries)


def adverse_records_in_view(session: Session, subject_id: int, today: dt.date, severities: tuple[str, ...]) -> int:
    """The subject's records of these severities in public view today (disclosure.publicity)."""
    if not severities:
        return 0
    return session.scalar(select(func.count(Record.id)).where(
        Record.subject_id == subject_id, Record.severity.in_(severities), public_condition(today))) or 0


def adverse_records_since(session: Session, subject_id: int, since: dt.date, severities: tuple[str, ...]) -> int:
    if not severities:
        return 0
    return session.scalar(select(func.count(Record.id)).where(
        Record.subject_id == subject_id, Record.decision_date >= since, Record.severity.in_(severities),
        Record.status == "active")) or 0


# ---- lists of rows for pages and the API --------------------------------------------------------------------

def proposals(session: Session, *, org_id: int | None = None, subject_id: int | None = None,
              statuses: tuple[str, ...] | None = None, limit: int = 50, offset: int = 0
              ) -> list[tuple[ListProposal, Subject, Agency]]:
    stmt = (select(ListProposal, Subject, Agency).join(Subject, Subject.id == ListProposal.subject_id)
            .join(Agency, Agency.id == ListProposal.proposing_org_id))
    if org_id is not None:
        stmt = stmt.where(ListProposal.proposing_org_id == org_id)
    if subject_id is not None:
        stmt = stmt.where(ListProposal.subject_id == subject_id)
    if statuses:
        stmt = stmt.where(ListProposal.status.in_(statuses))
    return [tuple(r) for r in session.execute(stmt.order_by(ListProposal.id.desc()).limit(limit).offset(offset))]


def proposal_with(session: Session, proposal_id: int) -> tuple[ListProposal, Subject, Agency] | None:
    row = session.execute(select(ListProposal, Subject, Agency).join(Subject, Subject.id == ListProposal.subject_id)
                          .join(Agency, Agency.id == ListProposal.proposing_org_id)
                          .where(ListProposal.id == proposal_id)).first()
    return tuple(row) if row else None


def entry_of_proposals(session: Session, proposal_ids: list[int]) -> dict[int, ListEntry]:
    if not proposal_ids:
        return {}
    return {e.proposal_id: e for e in session.scalars(select(ListEntry).where(ListEntry.proposal_id.in_(proposal_ids)))}


def published(session: Session, today: dt.date, *, kind: str | None = None, subject_id: int | None = None,
              limit: int = 50, offset: int = 0, q: str = "", listed_from: dt.date | None = None,
              listed_to: dt.date | None = None) -> list[tuple[ListEntry, ListProposal, Subject, Agency]]:
    """Entries on the public list today, newest first. ``q``: an organisation's name (part) or a
    USCC; natural persons are listed masked and are never found by their name."""
    stmt = (select(ListEntry, ListProposal, Subject, Agency)
            .join(ListProposal, ListProposal.id == ListEntry.proposal_id)
            .join(Subject, Subject.id == ListEntry.subject_id)
            .join(Agency, Agency.id == ListEntry.proposing_org_id).where(in_force(today)))
    if kind is not None:
        stmt = stmt.where(ListEntry.kind == kind)
    if subject_id is not None:
        stmt = stmt.where(ListEntry.subject_id == subject_id)
    if q:   # among the entries in force (few): their subjects' names, not the name-search table
        stmt = stmt.where(or_(Subject.uscc == q.upper(),
                              and_(Subject.kind != "natural_person", Subject.name.contains(q, autoescape=True))))
    if listed_from is not None:
        stmt = stmt.where(ListEntry.listed_on >= listed_from)
    if listed_to is not None:
        stmt = stmt.where(ListEntry.listed_on <= listed_to)
    stmt = stmt.order_by(ListEntry.listed_on.desc(), ListEntry.id.desc()).limit(limit).offset(offset)
    return [tuple(r) for r in session.execute(stmt)]


def published_counts(session: Session, today: dt.date) -> dict[str, int]:
    return {k: n for k, n in session.execute(select(ListEntry.kind, func.count(ListEntry.id)).where(in_force(today))
                                            .group_by(ListEntry.kind))}


def entries_of_subject(session: Session, subject_id: int) -> list[tuple[ListEntry, ListProposal, Agency]]:
    """Every entry of one subject, whatever its status (the subject's own view)."""
    return [tuple(r) for r in session.execute(
        select(ListEntry, ListProposal, Agency).join(ListProposal, ListProposal.id == ListEntry.proposal_id)
        .join(Agency, Agency.id == ListEntry.proposing_org_id)
        .where(ListEntry.subject_id == subject_id).order_by(ListEntry.id.desc()))]


def expire(session: Session, today: dt.date) -> list[tuple[int, int, int, str]]:
    """End every published entry whose period is over, in one statement; (id, subject, proposal, kind)."""
    ended = [tuple(r) for r in session.execute(
        select(ListEntry.id, ListEntry.subject_id, ListEntry.proposal_id, ListEntry.kind)
        .where(ListEntry.status == "active", ListEntry.period_end < today))]
    if ended:
        session.execute(update(ListEntry).where(ListEntry.id.in_([e[0] for e in ended]))
                        .values(status="expired", removed_on=today, removal_reason="expired"))
        session.flush()
    return ended


def persons_by_ids(session: Session, subject_ids: list[int]) -> dict[int, Subject]:
    if not subject_ids:
        return {}
    return {s.id: s for s in session.scalars(select(Subject).where(Subject.id.in_(subject_ids)))}


def documents_of(session: Session, proposal_ids: list[int]) -> dict[int, list[Document]]:
    found: dict[int, list[Document]] = {i: [] for i in proposal_ids}
    if proposal_ids:
        for d in session.scalars(select(Document).where(Document.procedure == "listing",
                                                        Document.procedure_id.in_(proposal_ids)).order_by(Document.id)):
            found[d.procedure_id].append(d)
    return found


def entries_of_subjects(session: Session, subject_ids: list[int], kinds: list[str], statuses: tuple[str, ...]
                        ) -> list[ListEntry]:
    return list(session.scalars(select(ListEntry).where(
        ListEntry.subject_id.in_(subject_ids), ListEntry.kind.in_(kinds), ListEntry.status.in_(statuses))
        .order_by(ListEntry.id).with_for_update()))


def adverse_in_batch(session: Session, batch_id: int, severities: list[str], incentive_kinds: list[str]
                     ) -> list[tuple[int, str, str]]:
    """(subject id, severity, decision no) of one active adverse record of the batch per subject
    that is on an incentive list now: set-based, one query over the batch."""
    if not severities or not incentive_kinds:
        return []
    on_list = select(ListEntry.subject_id).where(ListEntry.kind.in_(incentive_kinds),
                                                 ListEntry.status.in_(("active", "decided")))
    rows = session.execute(select(Record.subject_id, func.max(Record.severity), func.min(Record.decision_no))
                           .where(Record.batch_id == batch_id, Record.status == "active",
                                  Record.severity.in_(severities), Record.subject_id.in_(on_list))
                           .group_by(Record.subject_id)).all()
    return [(s, sev, no) for s, sev, no in rows]


def public_decision(session: Session, entry_id: int, today: dt.date):
    """The decision document (列入决定书) of an entry on the public list today, when its subject is
    an organisation (a natural person's document names them in full: never public); else None."""
    return session.scalar(
        select(Document).join(ListEntry, and_(Document.procedure == "listing",
                                              Document.procedure_id == ListEntry.proposal_id))
        .join(Subject, Subject.id == ListEntry.subject_id)
        .where(ListEntry.id == entry_id, in_force(today), Document.kind == "listing_decision",
               Subject.kind != "natural_person")
        .order_by(Document.id.desc()).limit(1))


def decision_ids(session: Session, entry_ids: list[int]) -> dict[int, int]:
    """{entry id: decision document id} for entries of organisations, in one query."""
    if not entry_ids:
        return {}
    rows = session.execute(
        select(ListEntry.id, Document.id).join(Document, and_(Document.procedure == "listing",
                                                              Document.procedure_id == ListEntry.proposal_id))
        .join(Subject, Subject.id == ListEntry.subject_id)
        .where(ListEntry.id.in_(entry_ids), Document.kind == "listing_decision", Subject.kind != "natural_person"))
    return {entry: doc for entry, doc in rows}
