"""Use cases of credit repair (FZ art. 20-23; QZ art. 35-36; NDRC Orders 58/36): eligibility of a
subject's records, applications online or at the offline window, acceptance within 3 working
days, the result within 10 (extendable once with a reason), the effects of repair, revocation.
Every change is audited, told to the subject and kept in the record's history. Flushes only."""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.access import gate
from xinyong.audit import record_event
from xinyong.deadlines import service as deadlines
from xinyong.documents.service import issue
from xinyong.kit.access import Principal
from xinyong.kit.errors import Conflict, Forbidden, InvalidInput, NotFound
from xinyong.kit.pdf import Section
from xinyong.kit.text import strip_control_characters
from xinyong.law import RuleNotInForce
from xinyong.law.loader import active_profile
from xinyong.models import Agency, Record
from xinyong.models.history import History
from xinyong.models.repair import MATERIAL_KINDS, REVOCATION_KINDS, RepairApplication, RepairMaterial
from xinyong.notifications.service import notify
from xinyong.registry import run_hook
from xinyong.repair import repository, rules

PROCEDURE = "repair"
ACTORS = ("staff", "agency")      # credit-department staff see every application; agencies their own
REASON_MAX = 2000
WINDOW_VISIT = gate.PURPOSES["window_repair"]   # a window visit, in the access log


@dataclasses.dataclass(frozen=True)
class Upload:
    kind: str
    filename: str
    content_type: str
    data: bytes


@dataclasses.dataclass(frozen=True)
class RecordEligibility:
    record: Record
    agency_name: str
    result: rules.Eligibility


# ---- eligibility -------------------------------------------------------------------------------------

def facts_of(record: Record, categories: dict[int, str], open_apps: dict[int, int]) -> rules.RecordFacts:
    return rules.RecordFacts(
        id=record.id, item_code=record.item_code, severity=record.severity, decision_date=record.decision_date,
        status=record.status, under_objection=record.under_objection,
        publicity_published=record.publicity_published, publicity_min_end=record.publicity_min_end,
        publicity_end=record.publicity_end, publicity_citation=record.publicity_citation,
        serious_list_category=categories.get(record.id), open_application_id=open_apps.get(record.id))


def eligibility(session: Session, subject_id: int, today: dt.date | None = None) -> list[RecordEligibility]:
    """Every record of the subject with whether, from when and why (not) it can be repaired."""
    today = today or clock.today()
    rows = repository.records_of(session, subject_id)
    ids = [r.id for r, _ in rows]
    categories = repository.serious_list_categories(session, ids)
    open_apps = repository.open_applications(session, ids)
    fraud = repository.fraud_findings(session, subject_id)
    profile = active_profile()
    return [RecordEligibility(r, name, rules.decide(profile, facts_of(r, categories, open_apps), today, fraud))
            for r, name in rows]


def record_eligibility(session: Session, record: Record, today: dt.date) -> rules.Eligibility:
    categories = repository.serious_list_categories(session, [record.id])
    open_apps = repository.open_applications(session, [record.id])
    fraud = repository.fraud_findings(session, record.subject_id)
    return rules.decide(active_profile(), facts_of(record, categories, open_apps), today, fraud)


# ---- filing --------------------------------------------------------------------------------------------

def _invalid(field: str, zh: str, en: str) -> InvalidInput:
    return InvalidInput(zh, field=field, message_en=en)


def read_limit(today: dt.date) -> int:
    """How much of one uploaded material to read: one byte past the profile's limit, so a larger
    file is refused by name rather than cut short."""
    return rules.material_limits(active_profile(), today)[0] + 1


def check_uploads(uploads: list[Upload], today: dt.date) -> list[tuple[Upload, str]]:
    """(upload, detected content type) of every non-empty upload; bad files refused with the field."""
    max_bytes, allowed = rules.material_limits(active_profile(), today)
    checked = []
    for up in uploads:
        if up.kind not in MATERIAL_KINDS:
            raise _invalid(up.kind, f"未知的材料类型 {up.kind}", f"unknown kind of material {up.kind}")
        problem = rules.file_problem(up.data, up.content_type, max_bytes, allowed)
        if problem:
            name = rules.MATERIAL_NAMES[up.kind]
            raise _invalid(up.kind, f"{name[0]}：{problem[0]}", f"{name[1]}: {problem[1]}")
        checked.append((up, rules.sniff(up.data) or up.content_type))
    return checked


def apply(session: Session, principal: Principal, *, subject_id: int, record_id: int, statement: str,
          uploads: list[Upload], channel: str) -> RepairApplication:
    """File an application (QZ art. 35; FZ art. 21). Ineligible: refused at once with the reasons,
    the articles and a refusal document. Eligible: received, with the acceptance and result clocks
    started (QZ art. 36)."""
    if channel == "window" and principal.role != "staff":
        raise Forbidden("仅信用主管部门工作人员可在线下窗口代为提交", message_en="only credit-department staff file at the window")
    if channel == "online" and (principal.role != "subject" or principal.subject_id != subject_id):
        raise NotFound("记录不存在", message_en="no such record")
    # the record's row locked: two submissions for one record (a double click, a resent form)
    # are decided one after the other, and the second finds the first open
    record = session.get(Record, record_id, with_for_update=True)
    if record is None or record.subject_id != subject_id:
        raise NotFound("记录不存在", field="record_id", message_en="no such record")
    if len(statement) > REASON_MAX:
        raise _invalid("statement", "说明过长", "the statement is too long")
    today = clock.today()
    checked = check_uploads([u for u in uploads if u.data], today)
    result = record_eligibility(session, record, today)
    open_one = next((r for r in result.blocking if r.code == "application_open"), None)
    if open_one is not None:
        # not a new application to refuse in writing: the one being handled is the answer
        raise Conflict(f"{open_one.text_zh}，请在该申请中查看进度", code="repair_application_open", field="record_id",
                       message_en=f"{open_one.text_en}: follow it there")
    app = RepairApplication(
        subject_id=subject_id, record_id=record.id, source_agency_id=record.source_agency_id, status="received",
        channel=channel, applicant_user_id=principal.user_id if channel == "online" else None,
        filed_by=principal.user_id if channel == "window" else None, statement=statement.strip(),
        regime=result.regime or "-", eligibility_citation=result.citation, required_materials=list(result.materials),
        reasons=[], received_on=today)
    if result.eligible and "commitment_letter" not in {u.kind for u, _ in checked}:
        raise _invalid("commitment_letter", "请上传信用修复承诺书（必交材料）",
                       "upload the credit repair commitment letter (required)")
    session.add(app)
    session.flush()
    for up, ctype in checked:
        session.add(RepairMaterial(application_id=app.id, subject_id=subject_id, kind=up.kind,
                                   filename=(strip_control_characters(up.filename or "") or up.kind)[-200:],
                                   content_type=ctype, size=len(up.data),
                                   sha256=hashlib.sha256(up.data).hexdigest(), content=up.data,
                                   uploaded_by=principal.user_id))
    session.flush()
    details = {"record_id": record.id, "channel": channel, "materials": len(checked)}
    if not result.eligible:
        return _refuse_ineligible(session, principal, app, record, result, details)
    deadlines.open_step(session, procedure=PROCEDURE, procedure_id=app.id, step="acceptance", started_on=today,
                        subject_id=subject_id, responsible_org_id=record.source_agency_id, responsible_role="agency")
    deadlines.open_step(session, procedure=PROCEDURE, procedure_id=app.id, step="result", started_on=today,
                        subject_id=subject_id, responsible_org_id=record.source_agency_id, responsible_role="agency")
    record_event(session, principal, "repair.apply", target_type="repair_application", target_id=app.id,
                 subject_id=subject_id, details=details)
    notify(session, kind="repair.received", org_id=record.source_agency_id, link=f"/repair/{app.id}",
           text_zh=f"收到信用修复申请（编号 {app.id}，决定书 {record.decision_no}），请在3个工作日内决定是否受理",
           text_en=f"repair application #{app.id} ({record.decision_no}) received: decide on acceptance within 3 working days")
    notify(session, kind="repair.received", subject_id=subject_id, link=f"/repair/{app.id}",
           text_zh=f"您的信用修复申请（编号 {app.id}）已提交", text_en=f"your repair application #{app.id} was received")
    return app


def _refuse_ineligible(session: Session, principal: Principal, app: RepairApplication, record: Record,
                       result: rules.Eligibility, details: dict) -> RepairApplication:
    reasons = [dataclasses.asdict(r) for r in result.blocking]
    app.status, app.reasons, app.decided_on = "refused", reasons, clock.today()
    app.decision_reason = "；".join(r["text_zh"] for r in reasons)
    session.flush()
    _document(session, app, record, "repair_refusal", "信用修复申请不予受理决定书",
              [Section(heading="不予受理的理由", paragraphs=[f"{r['text_zh']}（依据：{r['citation']}）" for r in reasons])],
              "; ".join(sorted({r["citation"] for r in reasons if r["citation"]})), principal)
    record_event(session, principal, "repair.refuse_ineligible", target_type="repair_application", target_id=app.id,
                 subject_id=app.subject_id, details={**details, "codes": ",".join(r["code"] for r in reasons)})
    notify(session, kind="repair.refused", subject_id=app.subject_id, link=f"/repair/{app.id}",
           text_zh=f"信用修复申请（编号 {app.id}）不予受理：{app.decision_reason}",
           text_en=f"repair application #{app.id} refused: " + "; ".join(r["text_en"] for r in reasons))
    return app


# ---- visibility ---------------------------------------------------------------------------------------

def visible(session: Session, principal: Principal, app_id: int):
    """The (application, record, subject name, agency name) row the caller may see; 404 otherwise."""
    row = repository.application_row(session, app_id)
    app = row[0] if row else None
    if app is None or not can_see(principal, app):
        raise NotFound("信用修复申请不存在", message_en="no such repair application")
    return row


def can_see(principal: Principal, app: RepairApplication) -> bool:
    if principal.role == "subject":
        return principal.subject_id == app.subject_id
    if principal.role == "agency":
        return principal.agency_id == app.source_agency_id
    return principal.role in ("staff", "admin")


def _actionable(session: Session, principal: Principal, app_id: int, *statuses: str) -> tuple[RepairApplication, Record]:
    if principal.role not in ACTORS:
        raise NotFound("信用修复申请不存在", message_en="no such repair application")
    app, record = visible(session, principal, app_id)[:2]
    if app.status not in statuses:
        raise Conflict(f"该申请当前状态为 {app.status}，不能办理此操作", code="wrong_status",
                       message_en=f"the application is {app.status}: this action does not apply")
    return app, record


def _reason(reason: str, required: bool = True) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise _invalid("reason", "请填写理由", "give the reasons")
    if len(reason) > REASON_MAX:
        raise _invalid("reason", "理由过长", "the reasons are too long")
    return reason


def _complete(session: Session, app_id: int, step: str, outcome: str) -> None:
    row = deadlines.step_of(session, PROCEDURE, app_id, step)
    if row is not None and row.completed_at is None:
        deadlines.complete_step(session, row, outcome)


def _citation(key: str, on: dt.date) -> str:
    try:
        return str(active_profile().rule(key, on).citation)
    except RuleNotInForce:
        return ""


def _document(session: Session, app: RepairApplication, record: Record, kind: str, title: str,
              sections: list[Section], citation: str, principal: Principal, adverse: bool = True):
    """A repair document; an adverse one (refusal, rejection, revocation) names the remedies
    left to the applicant (QZ art. 38)."""
    if adverse:
        remedies = active_profile().rule("repair.remedies", clock.today())
        sections = [*sections, Section(heading="救济途径", paragraphs=[remedies.value["zh"], f"（{remedies.citation}）"])]
    agency = session.get(Agency, record.source_agency_id)
    head = Section(rows=[("申请编号", str(app.id)), ("信用记录", f"{record.decision_no}（{record.decision_date.isoformat()}）"),
                         ("认定单位", agency.name if agency else ""),
                         ("申请日期", app.received_on.isoformat()),
                         ("申请渠道", "线下服务窗口" if app.channel == "window" else "网上申请")])
    return issue(session, kind=kind, procedure=PROCEDURE, procedure_id=app.id, title=title,
                 sections=[head, *sections], subject_id=app.subject_id, addressee_user_id=app.applicant_user_id,
                 citation=citation, created_by=principal.user_id)


# ---- acceptance (QZ art. 36: within 3 working days of receipt) -----------------------------------------

def accept(session: Session, principal: Principal, app_id: int) -> RepairApplication:
    """QZ art. 36 para. 1: accepted only when the materials are complete (FZ art. 21 para. 2: the
    commitment and the proof that the penalty decision was performed); otherwise refused at
    acceptance with the list of what is missing, the article, a document and a notice."""
    app, record = _actionable(session, principal, app_id, "received")
    missing = _missing(session, app)
    if missing:
        return _refuse_incomplete(session, principal, app, record, missing)
    app.status, app.accepted_on, app.updated_at = "accepted", clock.today(), clock.now()
    _complete(session, app.id, "acceptance", "accepted")
    cite = _citation("deadline.repair.acceptance", app.received_on)
    _document(session, app, record, "repair_acceptance", "信用修复申请受理通知书",
              [Section(paragraphs=["您的信用修复申请材料齐全、符合法定形式，决定予以受理。修复结果将于申请之日起十个工作日内反馈。"])],
              cite, principal, adverse=False)
    record_event(session, principal, "repair.accept", target_type="repair_application", target_id=app.id,
                 subject_id=app.subject_id)
    notify(session, kind="repair.accepted", subject_id=app.subject_id, link=f"/repair/{app.id}",
           text_zh=f"信用修复申请（编号 {app.id}）已受理", text_en=f"repair application #{app.id} accepted")
    session.flush()
    return app


def _missing(session: Session, app: RepairApplication) -> list[str]:
    """The required material kinds (fixed at filing from the rule of the record's decision date)
    that the application does not carry."""
    present = {m.kind for m in repository.materials_of(session, [app.id]).get(app.id, [])}
    return rules.missing_materials(app.required_materials or [], present)


def _refuse_incomplete(session: Session, principal: Principal, app: RepairApplication, record: Record,
                       missing: list[str]) -> RepairApplication:
    cite = "; ".join(c for c in (_citation("deadline.repair.acceptance", app.received_on),
                                 _citation("repair.materials", record.decision_date)) if c)
    zh = "、".join(rules.MATERIAL_NAMES[k][0] for k in missing)
    en = ", ".join(rules.MATERIAL_NAMES[k][1] for k in missing)
    app.status, app.decided_on, app.decided_by = "refused", clock.today(), principal.user_id
    app.decision_reason, app.updated_at = f"申请材料不齐全，缺少：{zh}", clock.now()
    app.reasons = [{"code": "materials_missing", "text_zh": app.decision_reason,
                    "text_en": f"the materials are incomplete; missing: {en}", "citation": cite, "missing": missing}]
    _complete(session, app.id, "acceptance", "refused")
    _complete(session, app.id, "result", "refused")
    _document(session, app, record, "repair_refusal", "信用修复申请不予受理决定书",
              [Section(heading="不予受理的理由", paragraphs=[f"{app.decision_reason}（依据：{cite}）",
                                                      "补齐上述材料后可重新提出信用修复申请。"])], cite, principal)
    record_event(session, principal, "repair.refuse_incomplete", target_type="repair_application", target_id=app.id,
                 subject_id=app.subject_id, details={"missing": ",".join(missing)})
    notify(session, kind="repair.refused", subject_id=app.subject_id, link=f"/repair/{app.id}",
           text_zh=f"信用修复申请（编号 {app.id}）不予受理：{app.decision_reason}",
           text_en=f"repair application #{app.id} refused: the materials are incomplete; missing: {en}")
    session.flush()
    return app


def refuse(session: Session, principal: Principal, app_id: int, reason: str) -> RepairApplication:
    """QZ art. 36: refusing acceptance tells the applicant the reasons (e.g. incomplete materials)."""
    reason = _reason(reason)
    app, record = _actionable(session, principal, app_id, "received")
    cite = _citation("deadline.repair.acceptance", app.received_on)
    app.status, app.decided_on, app.decided_by, app.decision_reason = "refused", clock.today(), principal.user_id, reason
    app.reasons, app.updated_at = [{"code": "refused", "text_zh": reason, "text_en": reason, "citation": cite}], clock.now()
    _complete(session, app.id, "acceptance", "refused")
    _complete(session, app.id, "result", "refused")
    _document(session, app, record, "repair_refusal", "信用修复申请不予受理决定书",
              [Section(heading="不予受理的理由", paragraphs=[reason])], cite, principal)
    record_event(session, principal, "repair.refuse", target_type="repair_application", target_id=app.id,
                 subject_id=app.subject_id)
    notify(session, kind="repair.refused", subject_id=app.subject_id, link=f"/repair/{app.id}",
           text_zh=f"信用修复申请（编号 {app.id}）不予受理：{reason}", text_en=f"repair application #{app.id} refused: {reason}")
    session.flush()
    return app


# ---- result (QZ art. 36: within 10 working days of the application, once extendable) --------------------

def extend(session: Session, principal: Principal, app_id: int, reason: str) -> RepairApplication:
    reason = _reason(reason)
    app, _ = _actionable(session, principal, app_id, "received", "accepted")
    row = deadlines.step_of(session, PROCEDURE, app.id, "result")
    if row is None:
        raise Conflict("该申请没有办理期限", code="no_deadline", message_en="the application has no result deadline")
    deadlines.extend_step(session, row, reason, principal.user_id)
    app.updated_at = clock.now()
    record_event(session, principal, "repair.extend", target_type="repair_application", target_id=app.id,
                 subject_id=app.subject_id, details={"due_on": row.due_on.isoformat()})
    notify(session, kind="repair.extended", subject_id=app.subject_id, link=f"/repair/{app.id}",
           text_zh=f"信用修复申请（编号 {app.id}）办理期限延长至 {row.due_on.isoformat()}：{reason}",
           text_en=f"repair application #{app.id}: result now due {row.due_on.isoformat()} ({reason})")
    session.flush()
    return app


def approve(session: Session, principal: Principal, app_id: int, reason: str = "",
            confirmed: list[str] | tuple[str, ...] = ()) -> RepairApplication:
    """The record leaves publication at once (QZ art. 36 para. 2; Order 36): status repaired, the
    change kept in its history; lists, measures, feed and evaluation react through the hook.
    `confirmed`: the codes of the conditions (FZ art. 21 para. 2) the approver confirms."""
    reason = _reason(reason, required=False)
    app, record = _actionable(session, principal, app_id, "accepted")
    if record.status != "active":
        raise Conflict("该记录已不处于公示状态", code="record_not_active", message_en="the record is no longer active")
    today = clock.today()
    _check_conditions(session, app, record, today)
    app.condition_confirmations = _confirm_conditions(session, principal, app, today, confirmed)
    cite = _citation("repair.effects", today)
    app.status, app.decided_on, app.decided_by = "approved", today, principal.user_id
    app.decision_reason, app.repaired_on, app.repair_citation, app.updated_at = reason or "准予信用修复", today, cite, clock.now()
    change_record(session, record, principal.user_id, f"信用修复（申请编号 {app.id}，依据 {cite}）", status="repaired")
    _complete(session, app.id, "result", "approved")
    _document(session, app, record, "repair_result", "信用修复结果告知书",
              [Section(heading="修复结果", paragraphs=["准予信用修复。该失信信息自即日起停止公示，"
                                                    "并依法移出相关名单、解除相应惩戒措施。", *([reason] if reason else [])]),
               *_conditions_section(app.condition_confirmations)],
              cite, principal, adverse=False)
    record_event(session, principal, "repair.approve", target_type="repair_application", target_id=app.id,
                 subject_id=app.subject_id, details={"record_id": record.id})
    notify(session, kind="repair.approved", subject_id=app.subject_id, link=f"/repair/{app.id}",
           text_zh=f"信用修复申请（编号 {app.id}）已准予修复，相关信息已停止公示",
           text_en=f"repair application #{app.id} approved: the record is no longer published")
    session.flush()
    run_hook("on_records_repaired", session, app.subject_id, [record.id], today)
    return app


def _check_conditions(session: Session, app: RepairApplication, record: Record, today: dt.date) -> None:
    """Approval requires every condition the rule in force names (FZ art. 21 para. 2; QZ art. 35,
    36): every required material on file, and no bar of the eligibility rules standing today
    (this application itself is not an open application against its record)."""
    missing = _missing(session, app)
    if missing:
        raise Conflict("申请材料不齐全，缺少：" + "、".join(rules.MATERIAL_NAMES[k][0] for k in missing),
                       code="materials_missing",
                       message_en="the materials are incomplete; missing: " + ", ".join(
                           rules.MATERIAL_NAMES[k][1] for k in missing))
    categories = repository.serious_list_categories(session, [record.id])
    fraud = repository.fraud_findings(session, record.subject_id)
    result = rules.decide(active_profile(), facts_of(record, categories, {}), today, fraud)
    if result.blocking:
        raise Conflict("不符合信用修复条件：" + "；".join(f"{r.text_zh}（{r.citation}）" for r in result.blocking),
                       code="repair_conditions_not_met",
                       message_en="the repair conditions are not met: " + "; ".join(
                           f"{r.text_en} ({r.citation})" for r in result.blocking))


def _confirm_conditions(session: Session, principal: Principal, app: RepairApplication, today: dt.date,
                        confirmed) -> dict:
    """FZ art. 21 para. 2 (同时符合下列条件): every condition the rule in force today names is either
    evidenced by a material on file or confirmed by the approver; otherwise approval is refused.
    Returns what is recorded on the application: who, when, which."""
    conds = rules.conditions(active_profile(), today)
    known = {c.code for c in conds}
    confirmed = {str(code) for code in confirmed}
    unknown = sorted(confirmed - known)
    if unknown:
        raise _invalid("conditions", "未知的修复条件：" + "、".join(unknown), "unknown conditions: " + ", ".join(unknown))
    present = {m.kind for m in repository.materials_of(session, [app.id]).get(app.id, [])}
    missing = rules.unconfirmed(conds, present, confirmed)
    if missing:
        cite = missing[0].citation
        raise Conflict("以下信用修复条件尚未确认：" + "；".join(c.text_zh for c in missing) + f"（依据：{cite}）",
                       code="conditions_unconfirmed", details={"missing": [c.code for c in missing], "citation": cite},
                       message_en="these repair conditions are not confirmed: " + "; ".join(
                           c.text_en for c in missing) + f" ({cite})")
    return {"by": principal.user_id, "by_name": principal.display_name or principal.username,
            "at": clock.now().isoformat(timespec="seconds"), "citation": conds[0].citation if conds else "",
            "conditions": [{"code": c.code, "text_zh": c.text_zh, "text_en": c.text_en,
                            "evidenced_by": c.evidenced_by if rules.evidenced(c, present) else None,
                            "confirmed": not rules.evidenced(c, present)} for c in conds]}


def _conditions_section(recorded: dict | None) -> list[Section]:
    if not recorded or not recorded.get("conditions"):
        return []
    rows = [(c["text_zh"], f"已由{rules.MATERIAL_NAMES[c['evidenced_by']][0]}证明" if c.get("evidenced_by")
             else "经办人确认") for c in recorded["conditions"]]
    return [Section(heading=f"修复条件（依据：{recorded['citation']}）", rows=rows,
                    paragraphs=[f"确认人：{recorded.get('by_name') or recorded['by']}，确认时间：{recorded['at']}"])]


def reject(session: Session, principal: Principal, app_id: int, reason: str) -> RepairApplication:
    reason = _reason(reason)
    app, record = _actionable(session, principal, app_id, "accepted")
    cite = _citation("repair.eligibility", record.decision_date) or app.eligibility_citation
    app.status, app.decided_on, app.decided_by, app.decision_reason = "rejected", clock.today(), principal.user_id, reason
    app.reasons, app.updated_at = [{"code": "rejected", "text_zh": reason, "text_en": reason, "citation": cite}], clock.now()
    _complete(session, app.id, "result", "rejected")
    _document(session, app, record, "repair_result", "信用修复结果告知书",
              [Section(heading="修复结果", paragraphs=["不予信用修复。", f"理由：{reason}"])], cite, principal)
    record_event(session, principal, "repair.reject", target_type="repair_application", target_id=app.id,
                 subject_id=app.subject_id)
    notify(session, kind="repair.rejected", subject_id=app.subject_id, link=f"/repair/{app.id}",
           text_zh=f"信用修复申请（编号 {app.id}）不予修复：{reason}", text_en=f"repair application #{app.id} rejected: {reason}")
    session.flush()
    return app


# ---- revocation (FZ art. 23) ------------------------------------------------------------------------------

def revoke(session: Session, principal: Principal, app_id: int, kind: str, reason: str) -> RepairApplication:
    """FZ art. 23: fraud, concealment or a broken repair commitment, once verified, revokes the
    result (the record is restored, public again while its window runs) or ends a procedure still
    running. Either way the finding stays on the subject and bars new applications."""
    reason = _reason(reason)
    if kind not in REVOCATION_KINDS:
        raise _invalid("kind", "请选择撤销原因类型", f"kind must be one of {', '.join(REVOCATION_KINDS)}")
    app, record = _actionable(session, principal, app_id, "approved", "received", "accepted")
    today = clock.today()
    cite = _citation("repair.revocation", today)
    was_repaired = app.status == "approved"
    app.status, app.revoked_on, app.revoked_kind, app.revoked_reason = "revoked", today, kind, reason
    app.revoked_by, app.revocation_citation, app.updated_at = principal.user_id, cite, clock.now()
    if not was_repaired:
        _complete(session, app.id, "acceptance", "terminated")
        _complete(session, app.id, "result", "terminated")
    restored = was_repaired and record.status == "repaired"
    if restored:
        change_record(session, record, principal.user_id, f"撤销信用修复（申请编号 {app.id}，{kind}，依据 {cite}）",
                      status="active")
    labels = {"fraud": "弄虚作假", "concealment": "故意隐瞒事实", "broken_commitment": "未履行信用修复承诺"}
    effect = "撤销信用修复结果，恢复相关失信信息的公示。" if was_repaired else "终止信用修复程序。"
    _document(session, app, record, "repair_revocation", "撤销信用修复决定书" if was_repaired else "终止信用修复程序决定书",
              [Section(heading="理由", paragraphs=[f"经核实，申请人存在{labels[kind]}的情形：{reason}", effect])],
              cite, principal)
    record_event(session, principal, "repair.revoke", target_type="repair_application", target_id=app.id,
                 subject_id=app.subject_id, details={"record_id": record.id, "kind": kind, "restored": restored})
    notify(session, kind="repair.revoked", subject_id=app.subject_id, link=f"/repair/{app.id}",
           text_zh=f"信用修复（申请编号 {app.id}）已{'撤销' if was_repaired else '终止'}：{reason}",
           text_en=f"repair #{app.id} {'revoked' if was_repaired else 'terminated'}: {reason}")
    session.flush()
    if restored:
        run_hook("on_repair_revoked", session, app.subject_id, [record.id], today)
    return app


# ---- the record's history ----------------------------------------------------------------------------

def _plain(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, bytes):
        return "<binary>"
    return value


def change_record(session: Session, record: Record, user_id: int | None, reason: str, **changes) -> None:
    """Keep the superseded version in the shared history (entity "record", as ingest does) and
    apply the change with a new version number."""
    snapshot = {a.key: _plain(getattr(record, a.key)) for a in inspect(Record).column_attrs}
    session.add(History(entity="record", entity_id=record.id, subject_id=record.subject_id, version=record.version,
                        snapshot=snapshot, change_reason=reason, changed_by=user_id, changed_at=clock.now()))
    for key, value in changes.items():
        setattr(record, key, value)
    record.version += 1
    record.updated_at = clock.now()
    session.flush()


def material_for(session: Session, principal: Principal, app_id: int, material_id: int) -> RepairMaterial:
    visible(session, principal, app_id)
    found = repository.material(session, app_id, material_id)
    if found is None:
        raise NotFound("材料不存在", message_en="no such material")
    return found
