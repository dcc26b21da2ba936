"""Use cases of complaints and reports (QZ art. 37): file (signed in or anonymous), assign one
handler, hand it to another handler on a supervisor's approval (four eyes), handle, tell the
complainant the result. The complainant's identity is a sealed value opened only by
xinyong.complaints.opener, for the assigned handler; audit entries never carry it (their actor
for a filing is the platform, not the filer's account), and the result document and notification
reach a signed-in complainant through a keyed pseudonym, not the account id. Flushes, never commits."""
from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.audit import record_event
from xinyong.complaints import opener, repository, rules
from xinyong.complaints.schemas import ComplaintIn, HandleIn
from xinyong.deadlines import service as deadlines
from xinyong.disclosure.publicity import in_public_view, subject_in_view
from xinyong.documents.service import issue
from xinyong.kit.access import Principal
from xinyong.kit.crypto import keyed_hash
from xinyong.kit.sealed import party_ref
from xinyong.kit.errors import Conflict, InvalidInput, NotFound
from xinyong.kit.pdf import Section
from xinyong.kit.text import has_control_characters
from xinyong.law.loader import active_profile
from xinyong.models import Record, User
from xinyong.models.complaint import Complaint, ComplaintReassignment
from xinyong.models.credit_service import CreditServiceAgency
from xinyong.notifications.service import notify

PROCEDURE, STEP = repository.PROCEDURE, repository.STEP
TRACKING_CODE = re.compile(r"TS\d{8}-[0-9A-F]{8}")
STAGE_ZH = {"collection": "采集", "aggregation": "归集", "sharing": "共享", "publication": "公开", "query": "查询",
            "use": "应用"}
OUTCOME_ZH = {"substantiated": "情况属实", "partly_substantiated": "部分属实", "unsubstantiated": "情况不属实",
              "referred": "已移交有权机关处理"}
KIND_ZH = {"complaint": "投诉", "report": "举报"}


def policy() -> rules.ChannelPolicy:
    return rules.channel(active_profile(), clock.today())


def categories() -> rules.Categories:
    return rules.categories(active_profile(), clock.today())


def _invalid(p: rules.Problem) -> InvalidInput:
    return InvalidInput(p.zh, code=p.code, field=p.field, message_en=p.en)


def _not_found() -> NotFound:
    return NotFound("未找到该投诉举报", message_en="no such complaint")


def filer_hash(user_id: int) -> str:
    return keyed_hash(f"complaint-filer:{user_id}")


def _secret_hash(secret: str) -> str:
    return keyed_hash(f"complaint-secret:{secret}")


@dataclass(frozen=True)
class Filed:
    complaint: Complaint
    secret: str
    due_on: object


def file(session: Session, principal: Principal, data: ComplaintIn) -> Filed:
    """Anyone files (QZ art. 37). The identity goes into one ciphertext; the reading secret is
    returned once and kept only as a keyed hash."""
    pol, cats = policy(), categories()
    signed_in = not principal.is_anonymous
    category = cats.get(data.category)
    stage = data.stage or (category.stage if category else "")
    problem = (rules.category_problem(cats, category=data.category, credit_service_id=data.credit_service_id)
               or rules.filing_problem(pol, kind=data.kind, stage=stage, summary=data.summary,
                                       anonymous=data.anonymous, name=data.name, contact=data.contact,
                                       signed_in=signed_in))
    if problem:
        raise _invalid(problem)
    _check_target(session, principal, data.subject_id, data.record_id)
    _check_credit_service(session, data.credit_service_id)
    identity = {"name": "" if data.anonymous else data.name.strip(),
                "contact": "" if data.anonymous else data.contact.strip(),
                "id_number": "" if data.anonymous else data.id_number.strip(),
                "user_id": principal.user_id, "username": principal.username if signed_in else ""}
    today, secret = clock.today(), secrets.token_hex(12)
    complaint = Complaint(
        tracking_code=f"TS{today:%Y%m%d}-{secrets.token_hex(4).upper()}", secret_hash=_secret_hash(secret),
        kind=data.kind, stage=stage, summary=data.summary.strip(), subject_id=data.subject_id,
        record_id=data.record_id, category=data.category or None, credit_service_id=data.credit_service_id,
        anonymous=data.anonymous,
        filer_hash=filer_hash(principal.user_id) if signed_in else None, status="filed", filed_on=today)
    opener.seal_identity(complaint, identity)
    session.add(complaint)
    session.flush()
    step = deadlines.open_step(session, procedure=PROCEDURE, procedure_id=complaint.id, step=STEP,
                               started_on=today, subject_id=None, responsible_role="staff")
    # the platform is the actor: the filer's account must not appear in the audit log
    record_event(session, None, "complaint.filed", target_type="complaint", target_id=complaint.id,
                 details={"kind": data.kind, "stage": stage, "anonymous": data.anonymous,
                          "category": data.category, "credit_service_id": data.credit_service_id or 0,
                          "about_subject": data.subject_id is not None, "due_on": step.due_on.isoformat()})
    notify(session, kind="complaint_filed", role="staff", link=f"/complaints/{complaint.id}",
           text_zh=f"收到新的{KIND_ZH[data.kind]}（编号 {complaint.id}），请指派承办人",
           text_en=f"New {data.kind} #{complaint.id}: assign a handler")
    return Filed(complaint, secret, step.due_on)


def _check_target(session: Session, principal: Principal, subject_id: int | None, record_id: int | None) -> None:
    """The subject and record a complaint is about, as the caller may see them: in public view
    (disclosure.publicity), or the caller's own. Anything else is answered as no one and
    nothing, whether it exists or not: filing is open to anyone, and must not tell of a person
    or a record out of view (QZ art. 15 item 3)."""
    today, own = clock.today(), principal.subject_id
    if subject_id is not None and subject_id != own and not subject_in_view(session, subject_id, today):
        raise NotFound("未找到该信用主体", field="subject_id", message_en="no such credit subject")
    if record_id is not None:
        record = session.get(Record, record_id)
        seen = record is not None and (record.subject_id == own and own is not None or in_public_view(record, today))
        if not seen or (subject_id is not None and record.subject_id != subject_id):
            raise NotFound("未找到该信用记录", field="record_id", message_en="no such record (of that subject)")


def _check_credit_service(session: Session, credit_service_id: int | None) -> None:
    """A complaint against a credit service agency names one in the register (QZ art. 40-42)."""
    if credit_service_id is not None and session.get(CreditServiceAgency, credit_service_id) is None:
        raise NotFound("未找到该信用服务机构", field="credit_service_id", message_en="no such credit service agency")


def get(session: Session, complaint_id: int) -> Complaint:
    complaint = session.get(Complaint, complaint_id)
    if complaint is None:
        raise _not_found()
    return complaint


def _staffer(user: User | None) -> rules.Staffer:
    return rules.Staffer(user.id, user.role, bool(user.active)) if user else rules.Staffer(None, None, False)


def assign(session: Session, principal: Principal, complaint_id: int, handler_user_id: int) -> Complaint:
    """The first assignment, to someone other than the assigner (QZ art. 37); a change of
    handler goes through request_reassignment (four eyes)."""
    complaint = get(session, complaint_id)
    handler = session.get(User, handler_user_id)
    refusal = rules.assign_refusal(policy(), assigner=rules.Staffer(principal.user_id, principal.role),
                                   handler=_staffer(handler), status=complaint.status,
                                   current_handler_id=complaint.handler_user_id)
    if refusal == "not_a_handler":
        raise InvalidInput("请选择信用主管部门的承办人", code=refusal, field="handler_user_id",
                           message_en="choose a credit-department handler account")
    if refusal:
        zh, en = ASSIGN_REFUSALS[refusal]
        raise Conflict(zh, code=refusal, message_en=en)
    _set_handler(session, complaint, handler.id, principal.user_id, None)
    record_event(session, principal, "complaint.assigned", target_type="complaint", target_id=complaint.id,
                 details={"handler_user_id": handler.id})
    return complaint


ASSIGN_REFUSALS = {
    "self_assignment": ("不能指派给本人", "nobody assigns a complaint to themself"),
    "already_handled": ("该投诉举报已办结", "the complaint has been handled"),
    "not_an_assigner": ("无权指派", "this account may not assign complaints"),
    "reassignment_needs_approval": ("已指派的投诉举报只能经改派申请并由负责人审批后改派",
                                    "an assigned complaint changes hands only on a re-assignment request a "
                                    "supervisor approves"),
}


def _set_handler(session: Session, complaint: Complaint, handler_id: int, assigned_by: int | None,
                 expected_handler_id: int | None) -> None:
    """Compare-and-set: the handler changes only if it is still the one the rules were checked
    against, so two concurrent assignments or approvals cannot both take effect."""
    still = (Complaint.handler_user_id.is_(None) if expected_handler_id is None
             else Complaint.handler_user_id == expected_handler_id)
    result = session.execute(
        update(Complaint).where(Complaint.id == complaint.id, still, Complaint.status.in_(("filed", "assigned")))
        .values(handler_user_id=handler_id, assigned_by=assigned_by, assigned_at=clock.now(), status="assigned")
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise Conflict("承办情况已变化，请刷新后重试", code="changed_meanwhile",
                       message_en="the complaint's handler changed meanwhile: reload and try again")
    session.expire(complaint)
    notify(session, kind="complaint_assigned", user_id=handler_id, link=f"/complaints/{complaint.id}",
           text_zh=f"您被指派承办投诉举报（编号 {complaint.id}）", text_en=f"You handle complaint #{complaint.id}")


def handler_view(session: Session, principal: Principal, complaint_id: int) -> tuple[Complaint, dict]:
    """The complaint with the complainant's identity, for its assigned handler only; anyone
    else: 404 (QZ art. 37). Each opening is audited (without the identity)."""
    complaint = get(session, complaint_id)
    return complaint, opener.open_identity(session, principal, complaint, "handle")


def handle(session: Session, principal: Principal, complaint_id: int, data: HandleIn) -> Complaint:
    """The handler records the handling and the result; the result is told to the complainant
    (notification and PDF to a signed-in complainant; readable with the tracking code)."""
    complaint = get(session, complaint_id)
    if not rules.may_see_identity(principal.user_id, complaint.handler_user_id):
        raise _not_found()
    if complaint.status == "handled":
        raise Conflict("该投诉举报已办结", code="already_handled", message_en="already handled")
    pol = policy()
    problem = rules.handling_problem(pol, outcome=data.outcome, handling=data.handling, result=data.result)
    if problem:
        raise _invalid(problem)
    complaint.outcome, complaint.handling, complaint.result = data.outcome, data.handling.strip(), data.result.strip()
    complaint.status, complaint.handled_at, complaint.handled_on = "handled", clock.now(), clock.today()
    step = deadlines.step_of(session, PROCEDURE, complaint.id, STEP)
    if step is not None:
        deadlines.complete_step(session, step, data.outcome)
    user_id = opener.open_identity(session, principal, complaint, "tell_result").get("user_id")
    if user_id:
        doc = _result_document(session, complaint, pol, user_id, principal)
        complaint.result_document_id = doc.id
        notify(session, kind="complaint_result", recipient_ref=party_ref(user_id), link="/me/complaints",
               text_zh=f"您的{KIND_ZH[complaint.kind]}（{complaint.tracking_code}）已办结，请查看处理结果",
               text_en=f"Your {complaint.kind} {complaint.tracking_code} has been handled: read the result")
    session.flush()
    record_event(session, principal, "complaint.handled", target_type="complaint", target_id=complaint.id,
                 details={"outcome": data.outcome, "document_id": complaint.result_document_id or 0,
                          "told": "account_and_code" if user_id else "tracking_code"})
    return complaint


def _result_document(session, complaint: Complaint, pol, user_id: int, principal: Principal):
    sections = [
        Section(heading="事项", paragraphs=[f"{KIND_ZH[complaint.kind]}编号：{complaint.tracking_code}；"
                                           f"提交日期：{complaint.filed_on.isoformat()}；所涉环节：{STAGE_ZH.get(complaint.stage, complaint.stage)}。",
                                           complaint.summary]),
        Section(heading="处理情况", paragraphs=[complaint.handling or ""]),
        Section(heading="处理结果", paragraphs=[f"结论：{OUTCOME_ZH.get(complaint.outcome, complaint.outcome)}。",
                                            complaint.result or ""]),
        Section(heading="权利告知", paragraphs=["对处理结果不服的，可以依法申请行政复议或者提起行政诉讼。"]),
    ]
    return issue(session, kind="complaint_result", procedure=PROCEDURE, procedure_id=complaint.id,
                 title="投诉举报处理结果告知书", sections=sections, addressee_ref=party_ref(user_id),
                 citation=pol.citation, created_by=principal.user_id)


def track(session: Session, tracking_code: str, secret: str) -> Complaint:
    """The complainant reads the result with the tracking code and the secret (no account)."""
    code = tracking_code.strip().upper()
    complaint = repository.by_tracking_code(session, code) if TRACKING_CODE.fullmatch(code) else None
    expected = complaint.secret_hash if complaint else _secret_hash("decoy")
    if not hmac.compare_digest(expected, _secret_hash(secret.strip().lower())) or complaint is None:
        raise NotFound("编号或查询密码不正确", code="not_found",
                       message_en="the tracking code or the secret is not right")
    return complaint


def mine(session: Session, principal: Principal) -> list[Complaint]:
    if principal.is_anonymous:
        return []
    return repository.by_filer(session, filer_hash(principal.user_id))


# ---- four eyes: handing an assigned complaint to another handler ---------------------------------------

def reassign_policy() -> rules.ReassignmentPolicy:
    return rules.reassignment(active_profile(), clock.today())


def request_reassignment(session: Session, principal: Principal, complaint_id: int, to_user_id: int,
                         reason: str) -> ComplaintReassignment:
    """An assigner (or the handler handing over) asks, with a recorded reason, for the complaint
    to pass to another handler; nothing changes until a supervisor approves (QZ art. 37, 14)."""
    complaint = get(session, complaint_id)
    to = session.get(User, to_user_id)
    pol = reassign_policy()
    problem = rules.reassign_request_problem(
        policy(), pol, requester=rules.Staffer(principal.user_id, principal.role), to=_staffer(to),
        status=complaint.status, current_handler_id=complaint.handler_user_id, reason=reason,
        pending=repository.pending_reassignment(session, complaint.id) is not None)
    if problem:
        raise _invalid(problem) if problem.code in ("not_a_handler", "reason_required") else Conflict(
            problem.zh, code=problem.code, field=problem.field, message_en=problem.en)
    request = ComplaintReassignment(complaint_id=complaint.id, from_user_id=complaint.handler_user_id,
                                    to_user_id=to.id, reason=reason.strip(), requested_by=principal.user_id,
                                    requested_at=clock.now(), status="pending", citation=pol.citation)
    session.add(request)
    session.flush()
    record_event(session, principal, "complaint.reassignment_requested", target_type="complaint",
                 target_id=complaint.id, details={"request_id": request.id, "to_user_id": to.id,
                                                  "from_user_id": complaint.handler_user_id})
    for role in pol.approver_roles:
        notify(session, kind="complaint_reassignment", role=role, link=f"/complaints/{complaint.id}",
               text_zh=f"投诉举报（编号 {complaint.id}）申请改派承办人，请审批",
               text_en=f"Complaint #{complaint.id}: a change of handler awaits your approval")
    return request


def decide_reassignment(session: Session, principal: Principal, complaint_id: int, request_id: int,
                        approve: bool, note: str = "") -> ComplaintReassignment:
    """A second person in a supervising role approves or refuses (four eyes). On approval the
    new handler alone may open the identity; the displaced handler loses access at once."""
    complaint = get(session, complaint_id)
    request = session.get(ComplaintReassignment, request_id)
    if request is None or request.complaint_id != complaint.id:
        raise NotFound("未找到该改派申请", message_en="no such re-assignment request")
    pol = reassign_policy()
    refusal = rules.approval_refusal(
        pol, approver=rules.Staffer(principal.user_id, principal.role), requester_id=request.requested_by,
        to_user_id=request.to_user_id, from_user_id=request.from_user_id, request_status=request.status,
        complaint_status=complaint.status, current_handler_id=complaint.handler_user_id)
    if refusal == "stale_request" and not approve:
        refusal = None   # a request overtaken by events may still be refused, to close it
    if refusal:
        raise Conflict(APPROVAL_REFUSALS_ZH.get(refusal, refusal), code=refusal,
                       message_en=f"cannot decide: {refusal}")
    if rules_text_problem(note):
        raise InvalidInput("审批意见含有非法字符或过长", code="note_invalid", field="note",
                           message_en="the note has control characters or is too long")
    request.status, request.decided_by, request.decided_at = ("approved" if approve else "refused",
                                                               principal.user_id, clock.now())
    request.decision_note = note.strip() or None
    if approve:
        _set_handler(session, complaint, request.to_user_id, request.requested_by, request.from_user_id)
        notify(session, kind="complaint_unassigned", user_id=request.from_user_id, link="/complaints",
               text_zh=f"投诉举报（编号 {complaint.id}）已改派他人承办", text_en=f"Complaint #{complaint.id} was re-assigned")
    session.flush()
    record_event(session, principal, "complaint.reassigned" if approve else "complaint.reassignment_refused",
                 target_type="complaint", target_id=complaint.id,
                 details={"request_id": request.id, "requested_by": request.requested_by,
                          "from_user_id": request.from_user_id, "to_user_id": request.to_user_id})
    return request


APPROVAL_REFUSALS_ZH = {"not_a_supervisor": "只有负责人可以审批改派", "four_eyes": "申请人、原承办人和新承办人不能审批本申请",
                        "not_pending": "该申请已处理", "stale_request": "承办情况已变化，该申请不能批准"}


def rules_text_problem(note: str) -> bool:
    return has_control_characters(note) or len(note) > rules.TEXT_MAX
