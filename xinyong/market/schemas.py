"""Request and response models of market credit information."""
from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from xinyong.kit.text import BulkCell, Code, Text

MAX_ID = 2**63 - 1


class ProviderIn(BaseModel):
    scope: list[Code] = Field(..., max_length=20, description="business scope codes, as the profile (market.providers) lists")
    credit_reporting_licence: Code | None = Field(None, max_length=100, description="征信业务 licence or filing number")
    objection_rules: Text = Field(..., max_length=4000, description="the objection rules it publishes (QZ art. 34 para. 2)")
    objection_channel: Text = Field(..., max_length=500, description="where objections are filed: address, telephone, e-mail")


class ChannelIn(BaseModel):
    objection_rules: Text = Field(..., max_length=4000)
    objection_channel: Text = Field(..., max_length=500)


class DecisionIn(BaseModel):
    approve: bool
    reason: Text = Field("", max_length=2000)


class ReasonIn(BaseModel):
    reason: Text = Field(..., max_length=2000)


class MarketBatchIn(BaseModel):
    item: Code = Field(description="a market information item, e.g. contract_performance")
    rows: list[dict[BulkCell, BulkCell | int | float | None]] = Field(
        description="rows keyed by the catalogue's Chinese headers or field codes", max_length=100_000)
    change_reason: Text | None = Field(default=None, max_length=500)


class AuthorisationIn(BaseModel):
    provider_id: int = Field(..., ge=1, le=2**31 - 1)
    item: Code = Field(..., max_length=64)
    valid_from: dt.date
    valid_to: dt.date
    # also authorise the platform to publish the item's information (QZ art. 15 item 3)
    publication: bool = False


class Label(BaseModel):
    zh: str
    en: str


class ProviderOut(BaseModel):
    id: int
    organisation: str
    kind: str
    scope: list[str]
    status: str
    credit_reporting_licence: str | None = None
    objection_rules: str
    objection_channel: str
    decision_reason: str | None = None


class PublishedProviderOut(BaseModel):
    """What anyone sees of an approved provider: its name, scope and its objection rules and channel."""
    id: int
    organisation: str
    scope: list[str]
    objection_rules: str
    objection_channel: str
    citation: str


class AuthorisationOut(BaseModel):
    id: int
    provider_id: int
    provider: str
    item: str
    valid_from: dt.date
    valid_to: dt.date | None
    wording: str
    publication: bool
    granted_at: dt.datetime
    revoked_at: dt.datetime | None = None
    in_force: bool


class MarketRecordOut(BaseModel):
    """One item of market information, labelled with its provider (QZ art. 12 para. 3)."""
    id: int
    item: str
    item_name: Label
    decision_no: str
    decision_date: dt.date
    provider: str
    fields: dict[str, str | None]
    field_labels: dict[str, Label]
    under_objection: bool
    label: Label
    citation: str


class ProviderRecordOut(BaseModel):
    id: int
    subject: str
    item: str
    item_name: Label
    decision_no: str
    decision_date: dt.date
    status: str
    under_objection: bool
