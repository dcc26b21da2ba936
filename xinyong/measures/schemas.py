"""Request and response models of the measures API."""
from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field
from xinyong.kit.text import Code, Text

MAX_ID = 2**63 - 1


class MeasureOut(BaseModel):
    id: int
    code: str
    kind: str
    item_zh: str
    item_en: str
    means_zh: str
    means_en: str
    implementing_body: str
    legal_basis: str
    triggers: list[dict]
    matters: list[str]


class MeasureListOut(BaseModel):
    id: int
    code: str
    version: int
    jurisdiction: str
    kind: str
    title_zh: str
    title_en: str
    compiled_by: str
    citation: str
    status: str
    published_at: dt.datetime | None
    document_no: str | None
    withdrawn_at: dt.datetime | None
    measures: list[MeasureOut]


class PublishIn(BaseModel):
    document_no: Text = Field(min_length=1, max_length=200)


class WithdrawIn(BaseModel):
    reason: Text = Field(min_length=1, max_length=2000)


class JointCheckIn(BaseModel):
    subject_id: int = Field(ge=1, le=MAX_ID)
    matter: Code = Field(min_length=1, max_length=40)


class ReasonOut(BaseModel):
    trigger: dict
    reason_zh: str
    reason_en: str
    record_ids: list[int]
    entry_ids: list[int]
    peer_entries: list[dict] = []    # a peer city's entries: its decision, citation, basis of recognition


class FindingOut(BaseModel):
    measure: MeasureOut
    list_id: int
    list_version: int
    list_title_zh: str
    document_no: str | None
    reasons: list[ReasonOut]


class JointCheckOut(BaseModel):
    check_id: int
    subject_id: int
    subject_name: str
    matter: str
    matter_zh: str
    checked_on: dt.date
    measures: list[FindingOut]
    considered: int
    unavailable_sources: list[str]
    citation: str


class ApplicationIn(BaseModel):
    measure_id: int = Field(ge=1, le=MAX_ID)
    subject_id: int = Field(ge=1, le=MAX_ID)
    matter: Code = Field(min_length=1, max_length=40)
    case_ref: Text = Field(min_length=1, max_length=200)
    check_id: int | None = Field(None, ge=1, le=MAX_ID)


class FeedbackIn(BaseModel):
    effect: Code = Field(min_length=1, max_length=32)
    text: Text = Field("", max_length=4000)


class ApplicationOut(BaseModel):
    id: int
    subject_id: int
    subject_name: str
    agency_name: str
    measure_id: int
    measure_code: str
    measure_item_zh: str
    list_version: int
    matter: str
    case_ref: str
    reason: str
    basis: dict
    record_ids: list[int]
    status: str
    applied_at: dt.datetime
    lifted_on: dt.date | None
    lift_reason: str | None
    feedback_effect: str | None
    feedback_text: str | None
