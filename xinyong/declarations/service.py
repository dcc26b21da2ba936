"""Use cases of self-declared information (QZ art. 13, FZ art. 10 para. 2): a subject's account
declares for its own subject under the truth pledge and withdraws its own declarations; the
credit department sees all and withdraws one found unlawful, with a reason, telling the
subject. Rows are never deleted: a withdrawal keeps the row and its reason. Every change is
audited (without the declared text). Flushes, never commits."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.audit import record_event
from xinyong.declarations import repository, rules
from xinyong.declarations.schemas import DeclarationIn
from xinyong.disclosure.publicity import subject_in_view
from xinyong.history import change_context
from xinyong.kit.access import Principal
from xinyong.kit.errors import Conflict, Forbidden, InvalidInput, NotFound
from xinyong.law.loader import RuleNotInForce, active_profile
from xinyong.models import Subject
from xinyong.models.declaration import Declaration
from xinyong.notifications.service import notify

STAFF_ROLES = ("staff", "admin")


def policy(on: dt.date | None = None) -> rules.DeclarationPolicy:
    """The rule in force today; a clear refusal when the profile has none (e.g. a date
    before the regulation, or a profile without the article)."""
    day = on or clock.today()
    try:
        return rules.policy(active_profile(), day)
    except RuleNotInForce:
        raise Conflict(f"{day.isoformat()} 没有生效的自主申报规则", code="rule_not_in_force",
                       message_en=f"no self-declaration rule is in force on {day.isoformat()}") from None


def policy_or_none() -> rules.DeclarationPolicy | None:
    try:
        return policy()
    except Conflict:
        return None


def display_policy() -> rules.DeclarationPolicy:
    """What labels declarations already made: the rule in force today, else its newest version."""
    try:
        return policy()
    except Conflict:
        found = rules.latest_policy(active_profile())
        if found is None:
            raise
        return found


def _invalid(p: rules.Problem) -> InvalidInput:
    return InvalidInput(p.zh, code=p.code, field=p.field, message_en=p.en)


def _not_found() -> NotFound:
    return NotFound("未找到该自主申报信息", message_en="no such declaration")


def _own_subject(principal: Principal) -> int:
    if principal.role != "subject" or principal.subject_id is None:
        raise Forbidden("只有信用主体账户可以自主申报", message_en="only a subject's account declares")
    return principal.subject_id


def declare(session: Session, principal: Principal, data: DeclarationIn) -> Declaration:
    """QZ art. 13: the subject provides its own market credit information, guaranteeing it is
    lawful, true and accurate; it is published labelled as self-declared."""
    subject_id = _own_subject(principal)
    pol = policy()
    problem = rules.declaration_problem(pol, form=data.form, category=data.category, title=data.title,
                                        content=data.content, pledge_accepted=data.pledge_accepted)
    if problem:
        raise _invalid(problem)
    if session.get(Subject, subject_id) is None:
        raise _not_found()
    now = clock.now()
    declaration = Declaration(subject_id=subject_id, form=data.form, category=data.category,
                              title=data.title.strip(), content=data.content.strip(), pledge_accepted_at=now,
                              declared_by=principal.user_id, declared_at=now, status="published",
                              citation=pol.citation)
    session.add(declaration)
    session.flush()
    record_event(session, principal, "declaration.declared", target_type="declaration", target_id=declaration.id,
                 subject_id=subject_id, details={"form": data.form, "category": data.category, "pledge": True})
    return declaration


def mine(session: Session, principal: Principal) -> list[Declaration]:
    return repository.of_subject(session, _own_subject(principal))


def withdraw_own(session: Session, principal: Principal, declaration_id: int, reason: str) -> Declaration:
    """The subject withdraws its own declaration; another subject's is 'not found'."""
    subject_id = _own_subject(principal)
    declaration = session.get(Declaration, declaration_id)
    if declaration is None or declaration.subject_id != subject_id:
        raise _not_found()
    return _withdraw(session, principal, declaration, reason, withdrawn_as="subject")


def withdraw_unlawful(session: Session, principal: Principal, declaration_id: int, reason: str) -> Declaration:
    """The credit department withdraws a declaration that is unlawful (QZ art. 13: the subject
    guarantees legality), stating why; the subject is told."""
    if principal.role not in STAFF_ROLES:
        raise Forbidden("只有信用主管部门可以撤下自主申报信息", message_en="only the credit department withdraws")
    declaration = session.get(Declaration, declaration_id)
    if declaration is None:
        raise _not_found()
    _withdraw(session, principal, declaration, reason, withdrawn_as="staff")
    notify(session, kind="declaration_withdrawn", subject_id=declaration.subject_id, link="/me/declarations",
           text_zh=f"您的自主申报信息“{declaration.title[:40]}”已被信用主管部门撤下，理由：{declaration.withdraw_reason}",
           text_en=f"The credit department withdrew your declaration #{declaration.id}: {declaration.withdraw_reason}")
    return declaration


def _withdraw(session: Session, principal: Principal, declaration: Declaration, reason: str, *,
              withdrawn_as: str) -> Declaration:
    problem = rules.withdraw_problem(reason=reason, status=declaration.status)
    if problem and problem.code == "already_withdrawn":
        raise Conflict(problem.zh, code=problem.code, message_en=problem.en)
    if problem:
        raise _invalid(problem)
    change_context(session, user_id=principal.user_id, reason=f"declaration withdrawn by the {withdrawn_as}")
    declaration.status, declaration.withdrawn_at = "withdrawn", clock.now()
    declaration.withdrawn_by, declaration.withdrawn_as = principal.user_id, withdrawn_as
    declaration.withdraw_reason = reason.strip()
    session.flush()
    record_event(session, principal, "declaration.withdrawn", target_type="declaration", target_id=declaration.id,
                 subject_id=declaration.subject_id, details={"by": withdrawn_as})
    return declaration


def public_of(session: Session, subject_id: int, limit: int = 100) -> tuple[rules.DeclarationPolicy | None,
                                                                         list[Declaration]]:
    """Published declarations anyone may see, with the policy that labels them; none for a
    natural person (masking) or when no rule is in force."""
    subject = session.get(Subject, subject_id)
    if subject is None or not subject_in_view(session, subject_id, clock.today()):
        # a person with nothing in public view is answered as no one (QZ art. 22)
        raise NotFound("未找到该主体", message_en="no such subject")
    try:
        pol = policy()
    except Conflict:
        return None, []
    if not rules.shown_publicly(pol, subject.kind):
        return pol, []
    return pol, repository.of_subject(session, subject_id, published_only=True, limit=limit)


def forbidden_classes(lang: str = "zh") -> list[str]:
    """The forbidden data classes (data.forbidden), named in the form as a reminder."""
    try:
        rule = active_profile().rule("data.forbidden", clock.today())
    except RuleNotInForce:
        return []
    return [spec.get(lang) or spec["zh"] for spec in rule.value.get("classes", {}).values()]
