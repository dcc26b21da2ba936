"""The query gate: every read of non-public information passes through `check`, and every
pass — allowed or refused — leaves a row in the access log (FZ art. 12, QZ art. 14: every
access traceable; QZ art. 33, FZ art. 24: the subject may know who read what and why).

    decision = gate.check(session, principal, subject_id, ["penalty"], "贷款审查",
                          BasisRequest("authorisation", id="12"))

The decision itself is `rules.decide`; this module only loads the facts it needs and writes
the log. It flushes; the caller commits, also when the answer is a refusal.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.access import rules
from xinyong.access.rules import GateDecision
from xinyong.agencies import standing
from xinyong.catalogue import get_catalogue
from xinyong.kit.access import Principal
from xinyong.law import active_profile
from xinyong.models import AccessLog, Authorisation, QueryItem
from xinyong.models.agency import ORG_KINDS

CHANNELS = ("api", "web", "window")
# the purposes the platform itself logs for reads decided outside ``check`` (zh, en); a purpose a
# caller gave stays as given (``purpose_in``)
PURPOSES = {
    "window_repair": ("窗口办理信用修复", "credit repair at the service window"),
    "window_objection": ("窗口受理异议", "an objection at the service window"),
    "window_authorisation": ("窗口登记书面授权", "a paper authorisation at the service window"),
    "duty_evaluation": ("查看信用评价及其依据", "the evaluation and what it rests on"),
    # a report's purpose as xinyong.reports.rules.PURPOSE logs it (a subject's own report)
    "report_full": ("本人信用报告", "own credit report"),
    "report_special": ("专项信用报告", "special credit report"),
}
JOINT_CHECK = ("联合奖惩核查：", "Joint incentive and punishment check: ")
CONSENT_ONLY = "authorisation_required"   # a catalogue item's disclosure read only on written authorisation
PURPOSE_MAX = 500


@dataclasses.dataclass(frozen=True)
class BasisRequest:
    kind: str                     # self | authorisation | query_item | legal_basis
    id: str | None = None         # authorisation id, query item id, or legal basis id
    reference: str = ""           # the document invoking a legal basis, or the window application
    channel: str = "api"


def policy(today=None) -> rules.QueryPolicy:
    """The query policy of the active profile, in force today."""
    items = get_catalogue().items
    return rules.policy_from(active_profile(), today or clock.today(), frozenset(i.code for i in items), ORG_KINDS,
                             consent_only=frozenset(i.code for i in items if i.disclosure == CONSENT_ONLY),
                             names={i.code: i.name_zh for i in items},
                             names_en={i.code: i.name_en for i in items if i.name_en})


def check(session: Session, principal: Principal, subject_id: int, items: list[str], purpose: str,
          basis: BasisRequest) -> GateDecision:
    today = clock.today()
    ask = rules.Ask(subject_id=subject_id, items=tuple(dict.fromkeys(i.strip() for i in items if i.strip())),
                    purpose=(purpose or "").strip()[:PURPOSE_MAX], basis=basis.kind,
                    basis_id=(basis.id or "").strip() or None, reference=(basis.reference or "").strip(), today=today)
    decision = rules.decide(_caller(session, principal), ask, policy(today),
                            authorisation=_authorisation(session, basis), query_item=_query_item(session, basis))
    channel = decision.channel or (basis.channel if basis.channel in CHANNELS else "api")
    session.add(AccessLog(
        subject_id=subject_id, at=clock.now(), user_id=principal.user_id, org_id=principal.agency_id,
        role=principal.role, items=list(ask.items), basis_kind=ask.basis[:32], basis_ref=decision.basis_ref,
        purpose=ask.purpose, allowed=decision.allowed, reason=join_reason(decision), channel=channel))
    session.flush()
    return decision


def record_window_visit(session: Session, principal: Principal, subject_id: int, purpose_zh: str,
                        purpose_en: str) -> None:
    """Staff at the service window found a subject by its code: the subject is there in person
    with its papers, and the pages that follow show its records (also those no longer public)
    and procedures. The visit is a read the subject sees in its access log, like any other (QZ
    art. 33, FZ art. 24); the window pages open only for the staff member who logged it, that
    day (``window_visit_open``), so no subject's page can be opened by its internal id alone."""
    record_read(session, principal, subject_id, basis_kind="self", purpose=purpose_zh, channel="window",
                reason=(f"信用主体本人在服务窗口办理（{purpose_zh}），工作人员核验其代码后查看其信用记录",
                        f"the subject in person at the service window ({purpose_en}); staff found it by its code "
                        "and read its records", policy().citations.get("self") or ""))


def record_duty_read(session: Session, principal: Principal, subject_id: int, items: list[str], purpose_zh: str,
                     purpose_en: str) -> bool:
    """A credit-department account reads in its duties what the public may not see of a subject
    (its full evaluation, the records behind it): allowed to the profile's roles, and logged in
    the subject's access log like any other read (QZ art. 14 para. 2, FZ art. 12). Whether the
    read is allowed (a role the rule does not name, or no rule in force: not)."""
    rules_now = policy()
    cite = rules_now.citations.get("duty")
    if cite is None or principal.role not in rules_now.duty_roles:
        return False
    record_read(session, principal, subject_id, basis_kind="duty", purpose=purpose_zh, items=items,
                reason=(f"信用主管部门工作人员履行职责查看（{purpose_zh}）",
                        f"credit-department staff in their duties ({purpose_en})", cite))
    return True


def record_read(session: Session, principal: Principal, subject_id: int, *, basis_kind: str, purpose: str,
                reason: tuple[str, str, str], items: list[str] = (), basis_ref: str | None = None,
                channel: str = "web") -> None:
    """A read allowed on a basis decided outside ``check`` (a window visit, a duty read, a joint
    check by its published measures), logged as ``check`` logs: ``reason`` (zh, en, citation)."""
    session.add(AccessLog(
        subject_id=subject_id, at=clock.now(), user_id=principal.user_id, org_id=principal.agency_id,
        role=principal.role, items=list(items), basis_kind=basis_kind[:32], basis_ref=basis_ref,
        purpose=purpose[:PURPOSE_MAX], allowed=True, channel=channel if channel in CHANNELS else "api",
        reason="\n".join(reason)))
    session.flush()


def window_visit_open(session: Session, principal: Principal, subject_id: int) -> bool:
    """Whether this staff member logged a window visit of the subject today (China time)."""
    today = clock.today()
    since = dt.datetime.combine(today, dt.time.min, tzinfo=clock.CHINA_TZ).astimezone(dt.timezone.utc)
    found = session.scalar(select(AccessLog.id).where(
        AccessLog.subject_id == subject_id, AccessLog.at >= since, AccessLog.user_id == principal.user_id,
        AccessLog.channel == "window", AccessLog.allowed.is_(True)).limit(1))
    return found is not None


def purpose_in(purpose: str | None, lang: str) -> str | None:
    """A logged purpose for a reader of ``lang``: the platform's own purposes in that language."""
    if lang == "zh" or not purpose:
        return purpose
    for zh, en in PURPOSES.values():
        if purpose == zh:
            return en[:1].upper() + en[1:]      # alone in its cell: a sentence's start
    if purpose.startswith(JOINT_CHECK[0]):
        from xinyong.measures.service import matters
        name = purpose[len(JOINT_CHECK[0]):]
        found = next((m.get("en") for m in matters().values() if m.get("zh") == name and m.get("en")), name)
        return JOINT_CHECK[1] + found
    return purpose


def join_reason(decision: GateDecision) -> str:
    """The log keeps both languages and the article: "zh\\nen\\ncitation"."""
    return "\n".join((decision.reason_zh, decision.reason, decision.citation))


def split_reason(stored: str) -> tuple[str, str, str]:
    parts = (stored or "").split("\n")
    parts += [""] * (3 - len(parts))
    return parts[0], parts[1] or parts[0], parts[2]


def local_date(value: dt.datetime) -> dt.date:
    """The China Standard Time date of a stored instant (SQLite hands back naive UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(clock.CHINA_TZ).date()


def _caller(session: Session, principal: Principal) -> rules.Caller:
    org, in_standing = standing.organisation(session, principal.agency_id)
    return rules.Caller(role=principal.role, org_id=org.id if org else None, org_kind=org.kind if org else None,
                        org_in_standing=in_standing if org else True, subject_id=principal.subject_id)


def _int_id(basis: BasisRequest) -> int | None:
    raw = (basis.id or "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 19 else None


def _authorisation(session: Session, basis: BasisRequest) -> rules.AuthorisationFacts | None:
    auth_id = _int_id(basis) if basis.kind == "authorisation" else None
    auth = session.get(Authorisation, auth_id) if auth_id is not None else None
    if auth is None:
        return None
    revoked_on = local_date(auth.revoked_at) if auth.revoked_at is not None else None
    return rules.AuthorisationFacts(
        id=auth.id, subject_id=auth.subject_id, grantee_org_id=auth.grantee_org_id, items=frozenset(auth.items or []),
        purpose=auth.purpose, valid_from=auth.valid_from, valid_to=auth.valid_to, revoked_on=revoked_on,
        restricted_consent=bool(auth.restricted_consent))


def _query_item(session: Session, basis: BasisRequest) -> rules.QueryItemFacts | None:
    item_id = _int_id(basis) if basis.kind == "query_item" else None
    qi = session.get(QueryItem, item_id) if item_id is not None else None
    if qi is None:
        return None
    return rules.QueryItemFacts(id=qi.id, org_id=qi.org_id, matter=qi.matter, items=frozenset(qi.items or []),
                                status=qi.status)
