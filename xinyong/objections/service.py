"""Use cases of objections (异议, FZ art. 25; QZ art. 34): file, decide (correct or uphold),
and read with row-level visibility. The record is marked under objection in the same unit of
work as the filing and unmarked in the same unit of work as the decision. Every state change
is audited. Services flush, never commit."""
from __future__ import annotations

import dataclasses
import hashlib

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from xinyong import clock, registry
from xinyong.audit import record_event
from xinyong.deadlines import service as deadlines
from xinyong.kit.access import Principal
from xinyong.kit.errors import Conflict, Forbidden, InvalidInput, NotFound
from xinyong.law import active_profile
from xinyong.models import Record
from xinyong.models.objection import Objection, ObjectionEvidence
from xinyong.models.org_roles import roles_with
from xinyong.notifications.service import notify
from xinyong.objections import correction, repository, result, rules

PROCEDURE, STEP = "objection", "verify"
STAFF_ROLES = ("staff",)     # the credit department: files at the window, sees every objection
# who answers for a record: a public body's staff, or a market information provider's (QZ art. 34)
SOURCE_ROLES = roles_with("answer_objections")
HEAD_BYTES = 16


@dataclasses.dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


def _invalid(decision: rules.Decision) -> InvalidInput:
    return InvalidInput(decision.reason_zh, code=decision.code, field=decision.field,
                        message_en=decision.reason_en, details={"citation": decision.citation})


def _not_found() -> NotFound:
    return NotFound("异议不存在", message_en="no such objection")


# ---- filing --------------------------------------------------------------------------------------

def file_objection(session: Session, principal: Principal, *, record_id: int, grounds: list[str], reasons: str,
                   requested_change: str = "", files: list[Upload] = (), agent_ref: str = "",
                   channel: str = "api") -> Objection:
    """A subject objects to one of its records (or staff files for it at the window)."""
    record = session.get(Record, record_id)
    if record is None:
        raise NotFound("信用记录不存在", field="record", message_en="no such record")
    profile, today = active_profile(), clock.today()
    who = rules.may_file(profile, today, role=principal.role, own_subject_id=principal.subject_id,
                         record_subject_id=record.subject_id, agent_ref=agent_ref)
    if not who.allowed:
        if who.code == "not_own_record":   # a record not one's own is not there at all (404)
            raise NotFound("信用记录不存在", field="record", message_en="no such record")
        if who.code == "role_may_not_object":
            raise Forbidden(who.reason_zh, code=who.code, message_en=who.reason_en)
        raise _invalid(who)
    stated = rules.check_grounds(profile, today, grounds, reasons)
    if not stated.allowed:
        raise _invalid(stated)
    checked = rules.check_evidence(profile, today, [rules.EvidenceFile(f.filename, len(f.data), f.data[:HEAD_BYTES])
                                                    for f in files])
    if not checked.decision.allowed:
        raise _invalid(checked.decision)
    if repository.open_objection_of(session, record.id) is not None:
        raise Conflict("该记录已有正在处理的异议", code="objection_open",
                       message_en="an objection to this record is already being handled")
    agent = principal.role in STAFF_ROLES
    objection = Objection(
        subject_id=record.subject_id, record_id=record.id, open_record_id=record.id,
        source_agency_id=record.source_agency_id, grounds=list(dict.fromkeys(g.strip() for g in grounds if g.strip())),
        reasons=reasons.strip(), requested_change=(requested_change or "").strip()[:4000], status="open",
        channel="agent" if agent else "self", agent_authorisation_ref=agent_ref.strip() if agent else None,
        filed_by=principal.user_id, filed_at=clock.now(), filed_on=today, changes=[])
    try:
        with session.begin_nested():
            session.add(objection)
            session.flush()
    except IntegrityError:   # a concurrent filing won the unique open_record_id
        raise Conflict("该记录已有正在处理的异议", code="objection_open",
                       message_en="an objection to this record is already being handled") from None
    for upload, ctype in zip(files, checked.content_types):
        session.add(ObjectionEvidence(objection_id=objection.id, subject_id=record.subject_id,
                                      filename=_safe_name(upload.filename), content_type=ctype, size=len(upload.data),
                                      sha256=hashlib.sha256(upload.data).hexdigest(), content=upload.data,
                                      uploaded_by=principal.user_id, uploaded_at=clock.now()))
    record.under_objection = True
    session.flush()
    registry.run_hook("on_objection_opened", session, record.subject_id, [record.id], today)
    # market information is answered by its provider, whose staff hold the organisation's own role
    answering = None if record.disclosure == "market" else "agency"
    deadline = deadlines.open_step(session, procedure=PROCEDURE, procedure_id=objection.id, step=STEP,
                                   started_on=today, subject_id=record.subject_id,
                                   responsible_org_id=record.source_agency_id, responsible_role=answering)
    # to the organisation alone: a role beside it would reach every account of that role anywhere
    notify(session, kind="objection.filed", org_id=record.source_agency_id,
           text_zh=f"信用记录 {record.decision_no} 收到异议（第{objection.id}号），请于 {deadline.due_on.isoformat()} 前核查处理",
           text_en=f"Objection #{objection.id} to record {record.decision_no}: verify by {deadline.due_on.isoformat()}",
           link=f"/agency/objections/{objection.id}")
    record_event(session, principal, "objection.file", target_type="objection", target_id=objection.id,
                 subject_id=record.subject_id, details={
                     "record_id": record.id, "grounds": objection.grounds, "channel": channel,
                     "agent": agent, "evidence_files": len(files), "due_on": deadline.due_on,
                     "citation": stated.citation})
    return objection


def _safe_name(name: str) -> str:
    base = (name or "evidence").replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(c for c in base if c.isprintable() and c not in '"<>|:*?')
    return (cleaned or "evidence")[:200]


# ---- visibility ----------------------------------------------------------------------------------

def visible(session: Session, principal: Principal, objection_id: int):
    """The objection row with its record, subject and agency names — if the caller may see it:
    its subject, the source agency's users, and the credit department. Otherwise 404."""
    row = repository.one(session, objection_id)
    if row is None or not may_see(principal, row[0]):
        raise _not_found()
    return row


def may_see(principal: Principal, objection: Objection) -> bool:
    if principal.role == "subject":
        return principal.subject_id == objection.subject_id
    if principal.role in SOURCE_ROLES:
        return principal.agency_id is not None and principal.agency_id == objection.source_agency_id
    return principal.role in STAFF_ROLES


def scope_of(principal: Principal) -> repository.ObjectionFilter:
    """What a list shows the caller: its own (subject), its agency's (agency), all (staff)."""
    if principal.role == "subject":
        return repository.ObjectionFilter(subject_id=principal.subject_id if principal.subject_id else -1)
    if principal.role in SOURCE_ROLES:
        return repository.ObjectionFilter(agency_id=principal.agency_id if principal.agency_id else -1)
    if principal.role in STAFF_ROLES:
        return repository.ObjectionFilter()
    raise Forbidden("无权查看异议", message_en="not allowed to see objections")


def evidence_file(session: Session, principal: Principal, objection_id: int, evidence_id: int) -> ObjectionEvidence:
    """An evidence file, for the subject, the source agency and the credit department only."""
    objection = session.get(Objection, objection_id)
    if objection is None or not may_see(principal, objection):
        raise _not_found()
    found = repository.evidence(session, objection_id, evidence_id)
    if found is None:
        raise NotFound("证明材料不存在", message_en="no such evidence file")
    record_event(session, principal, "objection.evidence_read", target_type="objection", target_id=objection.id,
                 subject_id=objection.subject_id, details={"evidence_id": found.id})
    return found


# ---- the source agency's decision ------------------------------------------------------------------

def decide(session: Session, principal: Principal, objection_id: int, *, outcome: str, reasons: str,
           corrections: dict[str, str] | None = None) -> Objection:
    """The source agency verifies and decides: corrected (field-level old and new values, applied
    to the record through its history) or upheld; either way the step is completed, the record
    unmarked, a written result issued to the subject and the subject notified."""
    objection = session.get(Objection, objection_id)
    if objection is None or principal.role not in SOURCE_ROLES or principal.agency_id != objection.source_agency_id:
        if objection is not None and principal.role in STAFF_ROLES:
            raise Forbidden("异议由信息来源单位核查处理", code="source_decides",
                            message_en="the source agency decides on the objection")
        raise _not_found()
    if objection.status != "open":
        raise Conflict("该异议已处理", code="objection_decided", message_en="the objection has already been decided")
    checked = rules.check_outcome(outcome, reasons)
    if not checked.allowed:
        raise _invalid(checked)
    if outcome == "upheld" and corrections:
        raise InvalidInput("维持原记录时不能提交更正值", field="corrections",
                           message_en="an upheld record takes no corrected values")
    record = session.get(Record, objection.record_id)
    profile, today = active_profile(), clock.today()
    changes: list[rules.Change] = []
    if outcome == "corrected":
        changes = correction.apply(session, principal, objection, record, corrections or {}, profile, today)
    deadline = deadlines.step_of(session, PROCEDURE, objection.id, STEP)
    if deadline is not None:
        deadlines.complete_step(session, deadline, outcome)
    objection.status, objection.open_record_id = outcome, None
    objection.decided_by, objection.decided_at = principal.user_id, clock.now()
    objection.decision_reasons = reasons.strip()
    objection.changes = [{"field": c.field, "label": c.label, "old": c.old, "new": c.new} for c in changes]
    record.under_objection = False
    session.flush()
    document = result.issue_result(session, principal, objection, record, profile, today)
    objection.document_id = document.id
    session.flush()
    notify(session, kind=f"objection.{outcome}", subject_id=objection.subject_id,
           text_zh=f"您对记录 {record.decision_no} 的异议（第{objection.id}号）已处理："
                   f"{'已更正' if outcome == 'corrected' else '维持原记录'}",
           text_en=f"Your objection #{objection.id} to record {record.decision_no} was decided: {outcome}",
           link=f"/me/objections/{objection.id}")
    record_event(session, principal, "objection.decide", target_type="objection", target_id=objection.id,
                 subject_id=objection.subject_id, details={
                     "record_id": record.id, "outcome": outcome, "fields": [c.field for c in changes],
                     "document_id": document.id, "on_time": deadline is None or today <= deadline.due_on})
    if changes:
        registry.run_hook("on_records_corrected", session, objection.subject_id, [record.id], today)
    registry.run_hook("on_objection_closed", session, objection.subject_id, [record.id], today)
    return objection


def extend(session: Session, principal: Principal, objection_id: int, reason: str):
    """The source agency extends the verification once, with a recorded reason (profile rule)."""
    objection = session.get(Objection, objection_id)
    if objection is None or principal.role not in SOURCE_ROLES or principal.agency_id != objection.source_agency_id:
        raise _not_found()
    deadline = deadlines.step_of(session, PROCEDURE, objection.id, STEP)
    if deadline is None or objection.status != "open":
        raise Conflict("该异议已处理", code="objection_decided", message_en="the objection has already been decided")
    deadlines.extend_step(session, deadline, reason, principal.user_id)
    record_event(session, principal, "objection.extend", target_type="objection", target_id=objection.id,
                 subject_id=objection.subject_id, details={"due_on": deadline.due_on})
    return deadline
