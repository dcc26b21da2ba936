"""Use cases of the register of credit service agencies (QZ art. 40-42; FZ art. 26-27): the
credit department files an agency, edits it with a reason (history by mechanism), cancels a
filing, publishes and withdraws the agency's rules, records supervisions and rectifications.
Every change is audit-logged. Flushes, never commits."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.audit import record_event
from xinyong.credit_services import repository, rules
from xinyong.history import change_context
from xinyong.kit.access import Principal
from xinyong.kit.errors import Conflict, InvalidInput, NotFound
from xinyong.kit.identifiers import InvalidIdentifier, check_uscc
from xinyong.law.loader import active_profile
from xinyong.models.credit_service import CreditServiceAgency, CreditServiceRule, CreditServiceSupervision

TARGET = "credit_service_agency"


def policy() -> rules.RegisterPolicy:
    return rules.policy(active_profile(), clock.today())


def _invalid(p: rules.Problem) -> InvalidInput:
    return InvalidInput(p.zh, code=p.code, field=p.field, message_en=p.en)


def _not_found() -> NotFound:
    return NotFound("未找到该信用服务机构", message_en="no such credit service agency")


def get(session: Session, agency_id: int) -> CreditServiceAgency:
    found = session.get(CreditServiceAgency, agency_id)
    if found is None:
        raise _not_found()
    return found


def _uscc(value: str) -> str:
    try:
        return check_uscc(value.strip())
    except InvalidIdentifier:
        raise InvalidInput("统一社会信用代码无效", code="uscc_invalid", field="uscc",
                           message_en="the unified social credit code is not valid") from None


def _checked_filing(data: dict) -> dict:
    problem = rules.filing_problem(name=data["name"], filing_no=data["filing_no"], filed_on=data["filed_on"],
                                   business_scope=data["business_scope"], contact=data.get("contact", ""),
                                   today=clock.today())
    if problem:
        raise _invalid(problem)
    return {**data, "name": data["name"].strip(), "filing_no": rules.parse_filing_no(data["filing_no"]),
            "business_scope": data["business_scope"].strip(), "contact": data.get("contact", "").strip()}


def register(session: Session, principal: Principal, data: dict) -> CreditServiceAgency:
    """Enter an agency's filing (备案) in the register: one entry per USCC and per filing number."""
    clean = _checked_filing(data)
    uscc = _uscc(data["uscc"])
    if repository.by_uscc_or_filing(session, uscc, clean["filing_no"]) is not None:
        raise Conflict("该机构或备案编号已在名录中", code="already_registered", field="uscc",
                       message_en="that agency or filing number is in the register already")
    agency = CreditServiceAgency(uscc=uscc, name=clean["name"], filing_no=clean["filing_no"],
                                 filed_on=clean["filed_on"], business_scope=clean["business_scope"],
                                 contact=clean["contact"], status="filed", created_by=principal.user_id)
    session.add(agency)
    session.flush()
    record_event(session, principal, "credit_service.registered", target_type=TARGET, target_id=agency.id,
                 details={"filing_no": agency.filing_no, "policy": policy().citation})
    return agency


def update(session: Session, principal: Principal, agency_id: int, data: dict, reason: str) -> CreditServiceAgency:
    """Correct a filing; the version replaced stays in the history with the reason."""
    agency = get(session, agency_id)
    if not reason.strip() or len(reason) > 1000:
        raise InvalidInput("请说明修改原因", code="reason_required", field="reason", message_en="give the reason")
    clean = _checked_filing(data)
    other = repository.by_uscc_or_filing(session, agency.uscc, clean["filing_no"])
    if other is not None and other.id != agency.id:
        raise Conflict("该备案编号已属于名录中的其他机构", code="already_registered", field="filing_no",
                       message_en="that filing number belongs to another agency in the register")
    change_context(session, user_id=principal.user_id, reason=reason)
    for key in ("name", "filing_no", "filed_on", "business_scope", "contact"):
        setattr(agency, key, clean[key])
    agency.updated_at = clock.now()
    session.flush()
    record_event(session, principal, "credit_service.updated", target_type=TARGET, target_id=agency.id,
                 details={"filing_no": agency.filing_no})
    return agency


def cancel(session: Session, principal: Principal, agency_id: int, reason: str) -> CreditServiceAgency:
    """The filing is cancelled (注销备案): the entry stays in the register, marked, with the reason."""
    agency = get(session, agency_id)
    if agency.status != "filed":
        raise Conflict("该机构备案已注销", code="already_cancelled", message_en="the filing is cancelled already")
    if not reason.strip() or len(reason) > 1000:
        raise InvalidInput("请说明注销原因", code="reason_required", field="reason", message_en="give the reason")
    change_context(session, user_id=principal.user_id, reason=reason)
    agency.status, agency.status_reason, agency.updated_at = "cancelled", reason.strip(), clock.now()
    session.flush()
    record_event(session, principal, "credit_service.cancelled", target_type=TARGET, target_id=agency.id)
    return agency


def publish_rule(session: Session, principal: Principal, agency_id: int, data: dict) -> CreditServiceRule:
    """The agency's objection, complaint or service rules, published on the register."""
    agency = get(session, agency_id)
    problem = rules.rule_problem(kind=data["kind"], title=data["title"], body=data["body"],
                                 channel=data.get("channel", ""))
    if problem:
        raise _invalid(problem)
    rule = CreditServiceRule(credit_service_id=agency.id, kind=data["kind"], heading=data["title"].strip(),
                             body=data["body"].strip(), channel=data.get("channel", "").strip(),
                             published_on=clock.today(), status="published", created_by=principal.user_id)
    session.add(rule)
    session.flush()
    record_event(session, principal, "credit_service.rule_published", target_type=TARGET, target_id=agency.id,
                 details={"rule_id": rule.id, "kind": rule.kind})
    return rule


def withdraw_rule(session: Session, principal: Principal, agency_id: int, rule_id: int) -> CreditServiceRule:
    agency = get(session, agency_id)
    rule = session.get(CreditServiceRule, rule_id)
    if rule is None or rule.credit_service_id != agency.id:
        raise NotFound("未找到该规则", message_en="no such rule")
    if rule.status != "published":
        raise Conflict("该规则已撤回", code="already_withdrawn", message_en="the rule is withdrawn already")
    rule.status = "withdrawn"
    session.flush()
    record_event(session, principal, "credit_service.rule_withdrawn", target_type=TARGET, target_id=agency.id,
                 details={"rule_id": rule.id})
    return rule


def record_supervision(session: Session, principal: Principal, agency_id: int,
                       data: dict) -> CreditServiceSupervision:
    """QZ art. 40: one inspection of the agency, its findings, the provision relied on, and any
    order to rectify with its deadline."""
    agency = get(session, agency_id)
    problem = rules.supervision_problem(policy(), kind=data["kind"], outcome=data["outcome"],
                                        inspected_on=data["inspected_on"], department=data["department"],
                                        findings=data["findings"], basis=data["basis"],
                                        rectification_due=data.get("rectification_due"), today=clock.today())
    if problem:
        raise _invalid(problem)
    row = CreditServiceSupervision(
        credit_service_id=agency.id, kind=data["kind"], inspected_on=data["inspected_on"],
        department=data["department"].strip(), findings=data["findings"].strip(), outcome=data["outcome"],
        basis=data["basis"].strip(), rectification_due=data.get("rectification_due")
        if data["outcome"] == "rectification_ordered" else None, created_by=principal.user_id)
    session.add(row)
    session.flush()
    record_event(session, principal, "credit_service.supervised", target_type=TARGET, target_id=agency.id,
                 details={"supervision_id": row.id, "kind": row.kind, "outcome": row.outcome})
    return row


def record_rectification(session: Session, principal: Principal, agency_id: int, supervision_id: int,
                         rectified_on: dt.date, rectification: str) -> CreditServiceSupervision:
    agency = get(session, agency_id)
    row = session.get(CreditServiceSupervision, supervision_id)
    if row is None or row.credit_service_id != agency.id:
        raise NotFound("未找到该监督检查记录", message_en="no such supervision record")
    problem = rules.rectification_problem(outcome=row.outcome, inspected_on=row.inspected_on,
                                          rectified_on=rectified_on, rectification=rectification,
                                          already=row.rectified_on is not None, today=clock.today())
    if problem:
        raise _invalid(problem) if problem.code not in ("no_order", "already_rectified") else Conflict(
            problem.zh, code=problem.code, field=problem.field, message_en=problem.en)
    row.rectified_on, row.rectification = rectified_on, rectification.strip()
    session.flush()
    record_event(session, principal, "credit_service.rectified", target_type=TARGET, target_id=agency.id,
                 details={"supervision_id": row.id})
    return row
