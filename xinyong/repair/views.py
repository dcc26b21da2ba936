"""Shaping repair rows for the API and the pages (shared by both), in few queries."""
from __future__ import annotations

import dataclasses

from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.deadlines import service as deadlines
from xinyong.documents.service import documents_of
from xinyong.repair import repository, rules
from xinyong.law.loader import active_profile
from xinyong.repair.schemas import ApplicationOut, ConditionOut, ConfirmationsOut, DeadlineOut, DocumentOut, EligibilityOut, MaterialOut, ReasonOut
from xinyong.repair.service import PROCEDURE, RecordEligibility
from xinyong.workdays import load_calendar


def eligibility_out(item: RecordEligibility) -> EligibilityOut:
    r, res = item.record, item.result
    return EligibilityOut(record_id=r.id, item_code=r.item_code, decision_no=r.decision_no,
                          decision_date=r.decision_date, severity=r.severity, source_agency=item.agency_name,
                          record_status=r.status, eligible=res.eligible, from_date=res.from_date, regime=res.regime,
                          citation=res.citation, materials_required=list(res.materials),
                          reasons=[ReasonOut(**dataclasses.asdict(x)) for x in res.reasons])


def applications_out(session: Session, rows, detail: bool = False) -> list[ApplicationOut]:
    """(application, record, subject name, agency name) rows, with deadlines and materials in one
    query each (documents too, for a detail view)."""
    ids = [row[0].id for row in rows]
    steps = deadlines.steps_of(session, PROCEDURE, ids)
    materials = repository.materials_of(session, ids)
    calendar, today = load_calendar(session), clock.today()
    conds = rules.conditions(active_profile(), today)
    found = []
    for app, record, subject_name, agency_name in rows:
        mats = materials[app.id]
        present = {m.kind for m in mats}
        docs = documents_of(session, PROCEDURE, app.id) if detail else []
        found.append(ApplicationOut(
            id=app.id, subject_id=app.subject_id, subject_name=subject_name, record_id=app.record_id,
            decision_no=record.decision_no, source_agency=agency_name, status=app.status, channel=app.channel,
            filed_by=app.filed_by, statement=app.statement, regime=app.regime,
            eligibility_citation=app.eligibility_citation, required_materials=list(app.required_materials or []),
            missing_materials=rules.missing_materials(app.required_materials or [], {m.kind for m in mats}),
            reasons=[ReasonOut(**r) for r in app.reasons or []], received_on=app.received_on,
            accepted_on=app.accepted_on, decided_on=app.decided_on, decision_reason=app.decision_reason,
            repaired_on=app.repaired_on, repair_citation=app.repair_citation, revoked_on=app.revoked_on,
            revoked_kind=app.revoked_kind, revoked_reason=app.revoked_reason,
            revocation_citation=app.revocation_citation,
            deadlines=[DeadlineOut(step=d.step, started_on=d.started_on, due_on=d.due_on,
                                   state=deadlines.state_of(session, d, today, calendar), citation=d.citation,
                                   provisional=d.provisional, extensions=d.extensions,
                                   extension_reason=d.extension_reason, completed_on=d.completed_on,
                                   outcome=d.outcome) for d in steps[app.id]],
            materials=[MaterialOut(id=m.id, kind=m.kind, filename=m.filename, content_type=m.content_type,
                                   size=m.size, sha256=m.sha256) for m in mats],
            documents=[DocumentOut(id=d.id, kind=d.kind, number=d.number, title=d.title, link=f"/documents/{d.id}")
                       for d in docs],
            conditions_citation=conds[0].citation if conds else "",
            conditions=[ConditionOut(code=c.code, text_zh=c.text_zh, text_en=c.text_en,
                                     evidenced_by=c.evidenced_by if rules.evidenced(c, present) else None)
                        for c in conds],
            condition_confirmations=ConfirmationsOut(**app.condition_confirmations)
            if app.condition_confirmations else None))
    return found
