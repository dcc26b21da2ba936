"""Credit commitments (QZ art. 25): record a commitment, its fulfilment or its breach, and
answer the "accept first" question. A breach becomes a dishonesty record through the normal
record path (xinyong.ingest.service.ingest_rows) as the agency holding the commitment, so it
is validated, carries lineage (batch, row), gets its publicity window and its history.
Flushes, never commits."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from xinyong import clock

from xinyong.audit import record_event
from xinyong.commitments import repository, rules
from xinyong.history import change_context
from xinyong.ingest.service import ingest_rows
from xinyong.kit.access import Principal
from xinyong.kit.errors import Conflict, Forbidden, InvalidInput, NotFound
from xinyong.law import active_profile
from xinyong.measures import service as measures
from xinyong.models import Agency, Subject
from xinyong.models.commitment import Commitment

KIND_ZH = {"legal_person": "法人及非法人组织", "natural_person": "自然人", "individual_business": "个体工商户"}


def _rule(key: str, today: dt.date | None = None):
    return active_profile().rule(key, on=today or clock.today())


def types(today: dt.date | None = None) -> dict[str, rules.CommitmentType]:
    return rules.commitment_types(_rule("commitments.types", today).value)


def _agency_of(principal: Principal) -> int:
    if principal.agency_id is None:
        raise Forbidden("只有公共管理机构可以登记信用承诺", message_en="only an agency records commitments")
    return principal.agency_id


def _date(value, field: str, required: bool = True) -> dt.date | None:
    if isinstance(value, dt.date) or value is None and not required:
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise InvalidInput(f"日期格式有误：{field}", field=field, message_en=f"{field}: a date YYYY-MM-DD") from None


def record(session: Session, principal: Principal, *, subject_id: int, type: str, matter: str, text: str,
           commitment_no: str, signed_on=None, deadline=None) -> Commitment:
    """A commitment the subject signed in a matter handled by the agency; published on the
    portal where its type requires (QZ art. 25: 信用承诺信息记录、归集、推送)."""
    agency_id = _agency_of(principal)
    today = clock.today()
    known = types(today)
    if type not in known:
        raise InvalidInput(f"未知承诺类型 {type}", field="type", message_en=f"type must be one of {sorted(known)}")
    if session.get(Subject, subject_id) is None:
        raise NotFound("主体不存在", message_en="no such subject")
    matter, text, commitment_no = (matter or "").strip(), (text or "").strip(), (commitment_no or "").strip()
    measures.refuse_control_characters(matter=matter, text=text, commitment_no=commitment_no, type=type)
    for name, value in (("matter", matter), ("text", text), ("commitment_no", commitment_no)):
        if not value:
            raise InvalidInput(f"请填写 {name}", field=name, message_en=f"{name} is required")
    signed = _date(signed_on or today, "signed_on")
    due = _date(deadline or None, "deadline", required=False)
    if due is not None and due < signed:
        raise InvalidInput("履约期限早于承诺日期", field="deadline", message_en="the deadline is before the signing date")
    if type == "incomplete_materials" and due is None:
        raise InvalidInput("容缺受理承诺须写明补齐材料的期限", field="deadline",
                           message_en="an incomplete-materials commitment needs a deadline")
    citation = str(_rule("commitments.types", today).citation)
    c = Commitment(subject_id=subject_id, agency_id=agency_id, commitment_no=commitment_no[:128], type=type,
                   matter=matter, text=text, signed_on=signed, deadline=due,
                   published=known[type].publication_required, citation=citation, status="open",
                   created_by=principal.user_id)
    if repository.exists(session, agency_id, c.commitment_no):
        raise Conflict(f"承诺书编号 {commitment_no} 已登记", code="duplicate_commitment",
                       message_en=f"commitment number {commitment_no} is already recorded")
    session.add(c)
    session.flush()
    record_event(session, principal, "commitment.record", target_type="commitment", target_id=c.id,
                 subject_id=subject_id, details={"type": type, "published": c.published})
    return c


def _own(session: Session, principal: Principal, commitment_id: int) -> Commitment:
    c = session.get(Commitment, commitment_id)
    if c is None or c.agency_id != principal.agency_id:
        raise NotFound("承诺不存在", message_en="no such commitment")
    if c.status != "open":
        raise Conflict(f"承诺已{ {'fulfilled': '履行', 'breached': '认定违诺'}.get(c.status, c.status) }",
                       code="commitment_closed", message_en=f"the commitment is already {c.status}")
    return c


def fulfil(session: Session, principal: Principal, commitment_id: int, note: str = "", on=None) -> Commitment:
    measures.refuse_control_characters(note=note)
    c = _own(session, principal, commitment_id)
    change_context(session, user_id=principal.user_id, reason="commitment fulfilled")
    c.status, c.fulfilled_on, c.fulfilment_note = "fulfilled", _date(on or clock.today(), "on"), (note or "").strip()
    c.updated_at = clock.now()
    session.flush()
    record_event(session, principal, "commitment.fulfil", target_type="commitment", target_id=c.id,
                 subject_id=c.subject_id)
    return c


def breach(session: Session, principal: Principal, commitment_id: int, facts: str, on=None,
           severity: str | None = None) -> Commitment:
    """QZ art. 25 para. 2: a false or broken commitment is recorded — as a dishonesty record
    sent through the ingest path as the agency (validation, lineage, publicity, history)."""
    facts = (facts or "").strip()
    measures.refuse_control_characters(facts=facts)
    if not facts:
        raise InvalidInput("请写明违诺情形", field="facts", message_en="describe the breach")
    c = _own(session, principal, commitment_id)
    today = clock.today()
    rule = _rule("commitments.breach", today)
    subject = session.get(Subject, c.subject_id)
    agency = session.get(Agency, c.agency_id)
    if not subject.uscc:
        raise Conflict("该主体没有统一社会信用代码，违诺信息须由机构按目录项“信用承诺违诺信息”报送",
                       code="breach_needs_uscc",
                       message_en="the subject has no USCC; the agency must send the breach record as a batch")
    day = _date(on or today, "on")
    decision_no = f"{c.commitment_no}-违诺"
    type_name = types(today)[c.type].name_zh
    row = {"subject_name": subject.name, "subject_kind": KIND_ZH.get(subject.kind, "法人及非法人组织"),
           "subject_uscc": subject.uscc, "decision_no": decision_no, "decision_date": day.isoformat(),
           "commitment_type": type_name, "commitment_matter": c.matter, "breach_facts": facts,
           "legal_basis": f"{rule.citation}；承诺书 {c.commitment_no}", "source_agency_uscc": agency.uscc,
           "explicit_severity": severity or rule.value["severity"]}
    outcome = ingest_rows(session, rows=[row], source_uscc=agency.uscc, item_code=rule.value["item"],
                          user_id=principal.user_id, change_reason=f"违诺认定 commitment {c.id}", actor=principal,
                          commit=False)   # the breach and its record are one change
    if outcome.status != "completed" or outcome.accepted != 1:
        zh, en = (repository.first_rejection(session, outcome.batch_id) or outcome.error_words
                  or (outcome.error_message, outcome.error_message))
        raise InvalidInput(f"违诺信息未通过校验：{zh}（批次 {outcome.batch_id}）", code="breach_record_refused",
                           message_en=f"the breach record was refused: {en} (batch {outcome.batch_id})")
    change_context(session, user_id=principal.user_id, reason="commitment breached")
    c.status, c.breached_on, c.breach_note = "breached", day, facts
    c.breach_batch_id = outcome.batch_id
    c.breach_record_id = repository.breach_record_id(session, agency.id, rule.value["item"], decision_no)
    c.updated_at = clock.now()
    session.flush()
    record_event(session, principal, "commitment.breach", target_type="commitment", target_id=c.id,
                 subject_id=c.subject_id, details={"batch": outcome.batch_id, "record": c.breach_record_id})
    return c


def accept_first(session: Session, principal: Principal, subject_id: int) -> rules.AcceptFirst:
    """先行受理: may the subject's application with incomplete materials be accepted first?"""
    today = clock.today()
    if session.get(Subject, subject_id) is None:
        raise NotFound("主体不存在", message_en="no such subject")
    accept = _rule("commitments.accept_first", today)
    proportionality = _rule("measures.proportionality", today)
    facts = measures.facts_of(session, subject_id, today, principal)
    decision = rules.accept_first(facts, accept.value, proportionality.value, str(accept.citation))
    record_event(session, principal, "commitment.accept_first_check", target_type="subject", target_id=subject_id,
                 subject_id=subject_id, details={"allowed": decision.allowed})
    return decision



