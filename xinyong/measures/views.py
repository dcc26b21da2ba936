"""ORM rows to API shapes (shared by api.py and pages.py)."""
from __future__ import annotations

from xinyong.disclosure.publicity import public_name
from xinyong.measures.schemas import ApplicationOut, FindingOut, JointCheckOut, MeasureListOut, MeasureOut, ReasonOut


def measure_out(m) -> MeasureOut:
    return MeasureOut(id=m.id, code=m.code, kind=m.kind, item_zh=m.item_zh, item_en=m.item_en, means_zh=m.means_zh,
                      means_en=m.means_en, implementing_body=m.implementing_body, legal_basis=m.legal_basis,
                      triggers=m.triggers, matters=m.matters)


def list_out(lst, measures) -> MeasureListOut:
    return MeasureListOut(id=lst.id, code=lst.code, version=lst.edition, jurisdiction=lst.jurisdiction, kind=lst.kind,
                          title_zh=lst.title_zh, title_en=lst.title_en, compiled_by=lst.compiled_by,
                          citation=lst.citation, status=lst.status, published_at=lst.published_at,
                          document_no=lst.document_no, withdrawn_at=lst.withdrawn_at,
                          measures=[measure_out(m) for m in measures])


def check_out(result) -> JointCheckOut:
    return JointCheckOut(
        check_id=result.check_id, subject_id=result.subject.id,
        subject_name=public_name(result.subject.name, result.subject.kind)[0],
        matter=result.matter, matter_zh=result.matter_name["zh"], checked_on=result.checked_on,
        considered=result.considered, unavailable_sources=result.unavailable, citation=result.citation,
        measures=[FindingOut(measure=measure_out(f.measure), list_id=f.measure_list.id,
                             list_version=f.measure_list.edition, list_title_zh=f.measure_list.title_zh,
                             document_no=f.measure_list.document_no,
                             reasons=[ReasonOut(trigger=m.trigger, reason_zh=m.reason_zh, reason_en=m.reason_en,
                                                record_ids=list(m.record_ids), entry_ids=list(m.entry_ids),
                                                peer_entries=list(m.peer_entries))
                                      for m in f.matches]) for f in result.findings])


def application_out(app, measure, lst, subject_name: str, agency_name: str) -> ApplicationOut:
    return ApplicationOut(id=app.id, subject_id=app.subject_id, subject_name=subject_name, agency_name=agency_name,
                          measure_id=measure.id, measure_code=measure.code, measure_item_zh=measure.item_zh,
                          list_version=app.list_version, matter=app.matter, case_ref=app.case_ref, reason=app.reason,
                          basis=app.basis, record_ids=app.record_ids, status=app.status, applied_at=app.applied_at,
                          lifted_on=app.lifted_on, lift_reason=app.lift_reason, feedback_effect=app.feedback_effect,
                          feedback_text=app.feedback_text)
