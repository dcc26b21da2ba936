"""Read models of objections for the API and the pages: one page of rows plus, for the whole
page, one query for their deadlines and one for their evidence lists."""
from __future__ import annotations

from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.deadlines import service as deadlines
from xinyong.kit.access import Principal
from xinyong.law import active_profile
from xinyong.objections import repository, rules, service
from xinyong.objections.schemas import (
    ChangeOut,
    DeadlineOut,
    EvidenceOut,
    ObjectionOut,
    ObjectionPage,
)
from xinyong.workdays import load_calendar


def _grounds_text(codes: list[str], lang: str, grounds: dict) -> list[str]:
    return [grounds.get(c, {}).get(lang, c) for c in codes]


def outs(session: Session, rows, lang: str = "zh") -> list[ObjectionOut]:
    ids = [row[0].id for row in rows]
    steps = deadlines.steps_of(session, service.PROCEDURE, ids)
    files = repository.evidence_list(session, ids)
    today, profile = clock.today(), active_profile()
    grounds, cite = rules.grounds_of(profile, today), rules.citation_of(profile, rules.GROUNDS_KEY, today)
    calendar = load_calendar(session) if ids else None
    out = []
    for objection, record, subject_name, agency_name in rows:
        step = next((d for d in reversed(steps.get(objection.id, [])) if d.step == service.STEP), None)
        deadline = None
        if step is not None:
            deadline = DeadlineOut(step=step.step, due_on=step.due_on, provisional=step.provisional,
                                   citation=step.citation, completed_on=step.completed_on,
                                   state=deadlines.state_of(session, step, today, calendar))
        base = f"/api/v1/objections/{objection.id}/evidence"
        out.append(ObjectionOut(
            id=objection.id, record_id=record.id, subject_id=objection.subject_id, subject_name=subject_name,
            item_code=record.item_code, decision_no=record.decision_no, source_agency_id=objection.source_agency_id,
            source_agency=agency_name, grounds=list(objection.grounds),
            grounds_text=_grounds_text(objection.grounds, lang, grounds), reasons=objection.reasons,
            requested_change=objection.requested_change, status=objection.status, channel=objection.channel,
            agent_authorisation_ref=objection.agent_authorisation_ref, filed_on=objection.filed_on,
            filed_at=objection.filed_at, decided_at=objection.decided_at,
            decision_reasons=objection.decision_reasons,
            changes=[ChangeOut(**c) for c in objection.changes or []],
            evidence=[EvidenceOut(id=i, filename=n, content_type=t, size=s, sha256=h, url=f"{base}/{i}")
                      for i, n, t, s, h in files.get(objection.id, [])],
            deadline=deadline, document_id=objection.document_id,
            document_url=f"/api/v1/documents/{objection.document_id}" if objection.document_id else None,
            citation=cite))
    return out


def page(session: Session, principal: Principal, status: str | None, limit: int, offset: int,
         lang: str = "zh") -> ObjectionPage:
    where = service.scope_of(principal)
    where = repository.ObjectionFilter(where.subject_id, where.agency_id, status)
    rows = repository.page(session, where, limit, offset)
    return ObjectionPage(items=outs(session, rows, lang), total=repository.count(session, where),
                         limit=limit, offset=offset)


def one(session: Session, principal: Principal, objection_id: int, lang: str = "zh") -> ObjectionOut:
    return outs(session, [service.visible(session, principal, objection_id)], lang)[0]
