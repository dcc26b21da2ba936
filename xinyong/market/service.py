"""Use cases of market credit information (QZ art. 12, 34 para. 2; FZ art. 8, 10): an organisation
applies to provide it and the credit department decides; the provider keeps its published
objection rules, sends batches (through xinyong.ingest, gated by xinyong.market.gate) and
withdraws records or itself; a subject grants and revokes written authorisations. Every change
is audited; services flush, never commit."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.audit import record_event
from xinyong.catalogue import CatalogueError, get_catalogue
from xinyong.kit.access import Principal
from xinyong.kit.errors import Conflict, Forbidden, InvalidInput, NotFound
from xinyong.law import active_profile
from xinyong.market import repository, rules
from xinyong.models import Agency, Record, Subject
from xinyong.models.market import MarketAuthorisation, MarketProvider
from xinyong.models.org_roles import roles_with
from xinyong.notifications.service import notify

PROVIDER_ROLES = roles_with("provide_market_information")   # staff of an organisation that may provide
STAFF_ROLES = ("staff", "admin")
SYSTEM = Principal(user_id=0, username="system", role="staff")   # reads a batch the caller just sent


def policy() -> rules.MarketPolicy:
    return rules.policy(active_profile(), clock.today())


def _invalid(d: rules.Decision) -> InvalidInput:
    return InvalidInput(d.reason_zh, code=d.code, field=d.field, message_en=d.reason_en,
                        details={"citation": d.citation})


# ---- providers -------------------------------------------------------------------------------------

def own_provider(session: Session, principal: Principal) -> MarketProvider | None:
    if principal.role not in PROVIDER_ROLES:
        return None
    return repository.provider_of_agency(session, principal.agency_id)


def _approved_provider(session: Session, principal: Principal) -> MarketProvider:
    provider = own_provider(session, principal)
    if provider is None or provider.status != "approved":
        raise Forbidden("本单位不是经核准的市场信用信息提供单位", code="not_a_provider",
                        message_en="your organisation is not an approved market information provider")
    return provider


def apply(session: Session, principal: Principal, *, scope: list[str], licence: str | None, objection_rules: str,
          objection_channel: str) -> MarketProvider:
    """The organisation of the caller applies (or re-applies after a refusal or withdrawal)."""
    agency = session.get(Agency, principal.agency_id) if principal.agency_id else None
    if agency is None or principal.role not in PROVIDER_ROLES:
        raise Forbidden("只有机构用户可以申请", message_en="only an organisation's staff may apply")
    pol = policy()
    decided = rules.check_application(pol, org_kind=agency.kind, scope=scope, licence=licence,
                                      objection_rules=objection_rules, objection_channel=objection_channel)
    if not decided.allowed:
        raise _invalid(decided)
    provider = repository.provider_of_agency(session, agency.id)
    if provider is not None and provider.status in ("pending", "approved"):
        raise Conflict("本单位已申请或已是提供单位", code="provider_exists",
                       message_en="your organisation has already applied or is a provider")
    if provider is None:
        provider = MarketProvider(agency_id=agency.id)
        session.add(provider)
    provider.scope = list(dict.fromkeys(scope))
    provider.credit_reporting_licence = (licence or "").strip() or None
    provider.objection_rules, provider.objection_channel = objection_rules.strip(), objection_channel.strip()
    provider.status, provider.applied_by, provider.applied_at = "pending", principal.user_id, clock.now()
    provider.decided_by = provider.decided_at = provider.decision_reason = None
    session.flush()
    record_event(session, principal, "market.provider_apply", target_type="market_provider", target_id=provider.id,
                 details={"scope": provider.scope, "licence": bool(provider.credit_reporting_licence),
                          "citation": pol.providers_citation})
    notify(session, kind="market.provider_apply", role="staff",
           text_zh=f"{agency.name} 申请登记为市场信用信息提供单位", text_en=f"{agency.name} applies to provide market information",
           link="/staff/market/providers")
    return provider


def decide(session: Session, principal: Principal, provider_id: int, *, approve: bool, reason: str) -> MarketProvider:
    """The credit department approves or refuses a pending application."""
    found = repository.provider_with_agency(session, provider_id)
    if found is None:
        raise NotFound("提供单位不存在", message_en="no such provider")
    provider, agency = found
    if provider.status != "pending":
        raise Conflict("该申请已处理", code="provider_decided", message_en="the application has been decided")
    if not approve and not reason.strip():
        raise InvalidInput("不予登记须说明理由", field="reason", message_en="a refusal needs a reason")
    provider.status = "approved" if approve else "refused"
    provider.decided_by, provider.decided_at, provider.decision_reason = principal.user_id, clock.now(), reason.strip()
    session.flush()
    record_event(session, principal, "market.provider_decide", target_type="market_provider", target_id=provider.id,
                 details={"status": provider.status})
    notify(session, kind=f"market.provider_{provider.status}", org_id=agency.id, role=None,
           text_zh=f"市场信用信息提供单位申请：{'已核准' if approve else '不予登记'}",
           text_en=f"Market information provider application: {provider.status}", link="/provider/market")
    return provider


def update_channel(session: Session, principal: Principal, *, objection_rules: str,
                   objection_channel: str) -> MarketProvider:
    """The provider changes its published objection rules and channel (QZ art. 34 para. 2)."""
    provider = own_provider(session, principal)
    if provider is None:
        raise NotFound("本单位尚未申请", message_en="your organisation has not applied")
    pol = policy()
    if len(objection_rules.strip()) < pol.rules_min_chars or not objection_channel.strip():
        raise InvalidInput(f"请公开异议处理规则和渠道（{pol.channel_citation}）", code="objection_channel",
                           field="objection_rules", message_en=f"state the objection rules and channel ({pol.channel_citation})")
    provider.objection_rules, provider.objection_channel = objection_rules.strip(), objection_channel.strip()
    session.flush()
    record_event(session, principal, "market.provider_channel", target_type="market_provider", target_id=provider.id)
    return provider


def withdraw_provider(session: Session, principal: Principal, reason: str) -> MarketProvider:
    """The provider stops providing: all its market information leaves view at once."""
    provider = _approved_provider(session, principal)
    provider.status, provider.decision_reason = "withdrawn", reason.strip() or None
    session.flush()
    record_event(session, principal, "market.provider_withdraw", target_type="market_provider", target_id=provider.id)
    return provider


def withdraw_record(session: Session, principal: Principal, record_id: int, reason: str) -> Record:
    """The provider withdraws one of its market records (it answers for it, QZ art. 12 para. 3)."""
    provider = _approved_provider(session, principal)
    record = session.get(Record, record_id)
    if record is None or record.source_agency_id != provider.agency_id or record.disclosure != repository.MARKET:
        raise NotFound("记录不存在", message_en="no such record")
    if not reason.strip():
        raise InvalidInput("撤回须说明理由", field="reason", message_en="a withdrawal needs a reason")
    if record.status != "active":
        raise Conflict("该记录已撤回", code="record_withdrawn", message_en="the record is already withdrawn")
    record.status, record.updated_at = "withdrawn", clock.now()
    session.flush()
    record_event(session, principal, "market.record_withdraw", target_type="record", target_id=record.id,
                 subject_id=record.subject_id, details={"item": record.item_code})
    return record


# ---- authorisations ------------------------------------------------------------------------------

def _market_item(code: str):
    try:
        item = get_catalogue().get(code)
    except CatalogueError:
        raise InvalidInput("目录中没有该信息项", field="item", message_en=f"unknown item {code!r}") from None
    return item


def grant(session: Session, principal: Principal, *, provider_id: int, item_code: str, valid_from: dt.date,
          valid_to: dt.date, publication: bool = False, lang: str = "zh") -> MarketAuthorisation:
    """The subject grants a provider its written authorisation for one market item; with
    ``publication`` it also authorises the platform to publish it (QZ art. 15 item 3), which an
    organisation alone can (a person's market information is never public)."""
    if principal.role != "subject" or not principal.subject_id:
        raise Forbidden("只有信息主体可以授权", message_en="only the subject may authorise")
    found = repository.provider_with_agency(session, provider_id)
    if found is None or found[0].status != "approved":
        raise NotFound("提供单位不存在", field="provider", message_en="no such provider")
    provider, agency = found
    item, pol, today = _market_item(item_code), policy(), clock.today()
    decided = rules.check_grant(pol, valid_from=valid_from, valid_to=valid_to, today=today, item_source=item.source)
    if not decided.allowed:
        raise _invalid(decided)
    if publication and not may_publish(session, principal.subject_id):
        raise InvalidInput("自然人的市场信用信息不向社会公开", code="publication_of_person", field="publication",
                           message_en="a natural person's market credit information is not published",
                           details={"citation": pol.publication_citation})
    words = rules.wording(pol, lang, provider=agency.name, item=item.name_en if lang == "en" else item.name_zh,
                          valid_from=valid_from, valid_to=valid_to, publication=publication)
    auth = MarketAuthorisation(subject_id=principal.subject_id, provider_id=provider.id, item_code=item.code,
                               valid_from=valid_from, valid_to=valid_to, wording=words, publication=publication,
                               granted_by=principal.user_id, granted_at=clock.now())
    session.add(auth)
    session.flush()
    record_event(session, principal, "market.authorisation_grant", target_type="market_authorisation",
                 target_id=auth.id, subject_id=principal.subject_id,
                 details={"provider_id": provider.id, "item": item.code, "valid_from": valid_from,
                          "valid_to": valid_to, "publication": publication,
                          "citation": pol.authorisation_citation})
    return auth


def revoke(session: Session, principal: Principal, auth_id: int) -> MarketAuthorisation:
    """The subject revokes its authorisation: the provider's rows of that item leave view."""
    auth = session.get(MarketAuthorisation, auth_id)
    if auth is None or principal.role != "subject" or auth.subject_id != principal.subject_id:
        raise NotFound("授权不存在", message_en="no such authorisation")
    if auth.revoked_at is not None:
        raise Conflict("该授权已撤销", code="authorisation_revoked", message_en="already revoked")
    auth.revoked_at, auth.revoked_by = clock.now(), principal.user_id
    session.flush()
    record_event(session, principal, "market.authorisation_revoke", target_type="market_authorisation",
                 target_id=auth.id, subject_id=auth.subject_id, details={"provider_id": auth.provider_id,
                                                                           "item": auth.item_code})
    return auth


# ---- what is shown -------------------------------------------------------------------------------

def may_publish(session: Session, subject_id: int | None) -> bool:
    """May the subject authorise the publication of its market information? An organisation
    may; a natural person's is never public."""
    subject = session.get(Subject, subject_id) if subject_id else None
    return subject is not None and subject.kind != "natural_person"


def public_of(session: Session, subject_id: int) -> list[tuple[Record, str]]:
    """A subject's market information in view for anyone: an organisation's, under its
    authorisation to publish it (QZ art. 15 item 3); a natural person's is shown to that
    person alone."""
    subject = session.get(Subject, subject_id)
    if subject is None or subject.kind == "natural_person":
        return []
    return repository.records_in_view(session, subject_id, clock.today(), public=True)


def mine(session: Session, principal: Principal) -> list[tuple[Record, str]]:
    if principal.role != "subject" or not principal.subject_id:
        raise Forbidden("无权查看", message_en="not allowed")
    return repository.records_in_view(session, principal.subject_id, clock.today(), public=False)
