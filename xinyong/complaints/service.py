"""Use cases of complaints and reports (QZ art. 37): file (signed in or anonymous), assign one
handler, handle, tell the complainant the result. The complainant's identity is encrypted at
rest and opened only for the assigned handler; audit entries never carry it (their actor for
a filing is the platform, not the filer's account). Flushes, never commits."""
from __future__ import annotations

import hmac
import json
import re
import secrets
from dataclasses import dataclass

from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.audit import record_event
from xinyong.complaints import repository, rules
from xinyong.complaints.schemas import ComplaintIn, HandleIn
from xinyong.deadlines import service as deadlines
from xinyong.documents.service import issue
from xinyong.kit.access import Principal
from xinyong.kit.crypto import decrypt, encrypt, keyed_hash
from xinyong.kit.errors import Conflict, InvalidInput, NotFound
from xinyong.kit.pdf import Section
from xinyong.law.loader import active_profile
from xinyong.models import Record, Subject, User
from xinyong.models.complaint import Complaint
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
    pol = policy()
    signed_in = not principal.is_anonymous
    problem = rules.filing_problem(pol, kind=data.kind, stage=data.stage, summary=data.summary,
                                   anonymous=data.anonymous, name=data.name, contact=data.contact, signed_in=signed_in)
    if problem:
        raise _invalid(problem)
    _check_target(session, data.subject_id, data.record_id)
    identity = {"name": "" if data.anonymous else data.name.strip(),
                "contact": "" if data.anonymous else data.contact.strip(),
                "id_number": "" if data.anonymous else data.id_number.strip(),
                "user_id": principal.user_id, "username": principal.username if signed_in else ""}
    today, secret = clock.today(), secrets.token_hex(12)
    complaint = Complaint(
        tracking_code=f"TS{today:%Y%m%d}-{secrets.token_hex(4).upper()}", secret_hash=_secret_hash(secret),
        kind=data.kind, stage=data.stage, summary=data.summary.strip(), subject_id=data.subject_id,
        record_id=data.record_id, anonymous=data.anonymous,
        identity_enc=encrypt(json.dumps(identity, ensure_ascii=False)),
        filer_hash=filer_hash(principal.user_id) if signed_in else None, status="filed", filed_on=today)
    session.add(complaint)
    session.flush()
    step = deadlines.open_step(session, procedure=PROCEDURE, procedure_id=complaint.id, step=STEP,
                               started_on=today, subject_id=None, responsible_role="staff")
    # the platform is the actor: the filer's account must not appear in the audit log
    record_event(session, None, "complaint.filed", target_type="complaint", target_id=complaint.id,
                 details={"kind": data.kind, "stage": data.stage, "anonymous": data.anonymous,
                          "about_subject": data.subject_id is not None, "due_on": step.due_on.isoformat()})
    notify(session, kind="complaint_filed", role="staff", link=f"/complaints/{complaint.id}",
           text_zh=f"收到新的{KIND_ZH[data.kind]}（编号 {complaint.id}），请指派承办人",
           text_en=f"New {data.kind} #{complaint.id}: assign a handler")
    return Filed(complaint, secret, step.due_on)


def _check_target(session: Session, subject_id: int | None, record_id: int | None) -> None:
    if subject_id is not None and session.get(Subject, subject_id) is None:
        raise NotFound("未找到该信用主体", field="subject_id", message_en="no such credit subject")
    if record_id is not None:
        record = session.get(Record, record_id)
        if record is None or (subject_id is not None and record.subject_id != subject_id):
            raise NotFound("未找到该信用记录", field="record_id", message_en="no such record (of that subject)")


def get(session: Session, complaint_id: int) -> Complaint:
    complaint = session.get(Complaint, complaint_id)
    if complaint is None:
        raise _not_found()
    return complaint


def assign(session: Session, principal: Principal, complaint_id: int, handler_user_id: int) -> Complaint:
    complaint = get(session, complaint_id)
    handler = session.get(User, handler_user_id)
    pol = policy()
    refusal = rules.assign_refusal(pol, principal.role, handler.role if handler else None,
                                   bool(handler and handler.active), complaint.status)
    if refusal == "not_a_handler":
        raise InvalidInput("请选择信用主管部门的承办人", code=refusal, field="handler_user_id",
                           message_en="choose a credit-department handler account")
    if refusal:
        raise Conflict(f"不能指派：{refusal}", code=refusal, message_en=f"cannot assign: {refusal}")
    previous = complaint.handler_user_id
    complaint.handler_user_id, complaint.assigned_by, complaint.assigned_at = handler.id, principal.user_id, clock.now()
    complaint.status = "assigned"
    session.flush()
    record_event(session, principal, "complaint.assigned", target_type="complaint", target_id=complaint.id,
                 details={"handler_user_id": handler.id, "previous_handler_user_id": previous or 0})
    notify(session, kind="complaint_assigned", user_id=handler.id, link=f"/complaints/{complaint.id}",
           text_zh=f"您被指派承办投诉举报（编号 {complaint.id}）", text_en=f"You handle complaint #{complaint.id}")
    return complaint


def identity_of(complaint: Complaint) -> dict:
    if not complaint.identity_enc:
        return {"name": "", "contact": "", "id_number": "", "user_id": None, "username": ""}
    return json.loads(decrypt(complaint.identity_enc))


def handler_view(session: Session, principal: Principal, complaint_id: int) -> tuple[Complaint, dict]:
    """The complaint with the complainant's identity, for its assigned handler only; anyone
    else: 404 (QZ art. 37). Each opening is audited (without the identity)."""
    complaint = get(session, complaint_id)
    if not rules.may_see_identity(principal.user_id, complaint.handler_user_id):
        raise _not_found()
    identity = identity_of(complaint)
    record_event(session, principal, "complaint.identity_viewed", target_type="complaint", target_id=complaint.id,
                 details={"anonymous": complaint.anonymous})
    return complaint, identity


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
    user_id = identity_of(complaint).get("user_id")
    if user_id:
        doc = _result_document(session, complaint, pol, user_id, principal)
        complaint.result_document_id = doc.id
        notify(session, kind="complaint_result", user_id=user_id, link="/me/complaints",
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
                 title="投诉举报处理结果告知书", sections=sections, addressee_user_id=user_id,
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
