"""Shaping market credit information: every record carries its provider and the label saying
who answers for it (QZ art. 12 para. 3); providers carry their published objection channel."""
from __future__ import annotations

import datetime as dt

from xinyong import clock
from xinyong.catalogue import CatalogueError, get_catalogue
from xinyong.market import rules
from xinyong.market.schemas import (AuthorisationOut, Label, MarketRecordOut, ProviderOut, ProviderRecordOut,
                                    PublishedProviderOut)


def _item(code: str):
    try:
        return get_catalogue().get(code)
    except CatalogueError:
        return None


def item_name(code: str) -> Label:
    item = _item(code)
    return Label(zh=item.name_zh, en=item.name_en) if item else Label(zh=code, en=code)


def record_out(record, provider: str, pol: rules.MarketPolicy) -> MarketRecordOut:
    item = _item(record.item_code)
    fields = {k: (None if v is None else str(v)) for k, v in (record.fields or {}).items()}
    labels = {}
    for code in fields:
        f = next((f for f in item.fields if f.code == code), None) if item else None
        labels[code] = Label(zh=f.label("zh"), en=f.label("en")) if f else Label(zh=code, en=code)
    return MarketRecordOut(id=record.id, item=record.item_code, item_name=item_name(record.item_code),
                           decision_no=record.decision_no, decision_date=record.decision_date, provider=provider,
                           fields=fields, field_labels=labels, under_objection=bool(record.under_objection),
                           label=Label(zh=rules.label(pol, "zh", provider), en=rules.label(pol, "en", provider)),
                           citation=pol.display_citation)


def provider_out(provider, agency) -> ProviderOut:
    return ProviderOut(id=provider.id, organisation=agency.name, kind=agency.kind, scope=list(provider.scope or []),
                       status=provider.status, credit_reporting_licence=provider.credit_reporting_licence,
                       objection_rules=provider.objection_rules, objection_channel=provider.objection_channel,
                       decision_reason=provider.decision_reason)


def published_out(provider, agency, pol: rules.MarketPolicy) -> PublishedProviderOut:
    return PublishedProviderOut(id=provider.id, organisation=agency.name, scope=list(provider.scope or []),
                                objection_rules=provider.objection_rules, objection_channel=provider.objection_channel,
                                citation=pol.channel_citation)


def authorisation_out(auth, provider_name: str) -> AuthorisationOut:
    revoked_on = _china_date(auth.revoked_at) if auth.revoked_at else None
    return AuthorisationOut(id=auth.id, provider_id=auth.provider_id, provider=provider_name, item=auth.item_code,
                            valid_from=auth.valid_from, valid_to=auth.valid_to, wording=auth.wording,
                            publication=bool(auth.publication), granted_at=auth.granted_at, revoked_at=auth.revoked_at,
                            in_force=rules.in_force(auth.valid_from, auth.valid_to, revoked_on, clock.today()))


def _china_date(at: dt.datetime) -> dt.date:
    at = at if at.tzinfo is not None else at.replace(tzinfo=dt.timezone.utc)   # SQLite hands back naive UTC
    return at.astimezone(clock.CHINA_TZ).date()


def provider_record_out(record, subject_name: str) -> ProviderRecordOut:
    return ProviderRecordOut(id=record.id, subject=subject_name, item=record.item_code, item_name=item_name(record.item_code),
                             decision_no=record.decision_no,
                             decision_date=record.decision_date, status=record.status,
                             under_objection=bool(record.under_objection))
