"""Request and response models of the register of credit service agencies. The public models
carry only what the profile makes public (no contact, no complaint but its counts)."""
from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from xinyong.complaints.schemas import ComplaintOut
from xinyong.credit_services.rules import FILING_NO_MAX, NAME_MAX, TEXT_MAX, TITLE_MAX
from xinyong.kit.text import Code, PrivateText, Text

MAX_ID = 2**63 - 1


class FilingIn(BaseModel):
    uscc: Code = Field(..., max_length=18, description="统一社会信用代码")
    name: Text = Field(..., max_length=NAME_MAX)
    filing_no: Text = Field(..., max_length=FILING_NO_MAX, description="备案编号")
    filed_on: dt.date = Field(..., description="备案日期")
    business_scope: Text = Field(..., max_length=TEXT_MAX, description="业务范围")
    contact: PrivateText = Field("", max_length=1000, description="联系人及联系方式 (staff only)")


class FilingPatch(BaseModel):
    name: Text = Field(..., max_length=NAME_MAX)
    filing_no: Text = Field(..., max_length=FILING_NO_MAX)
    filed_on: dt.date
    business_scope: Text = Field(..., max_length=TEXT_MAX)
    contact: PrivateText = Field("", max_length=1000)
    reason: Text = Field(..., max_length=1000, description="why the filing is corrected (kept in its history)")


class CancelIn(BaseModel):
    reason: Text = Field(..., max_length=1000)


class RuleIn(BaseModel):
    kind: Code = Field(..., max_length=16, description="objection | complaint | service")
    title: Text = Field(..., max_length=TITLE_MAX)
    body: Text = Field(..., max_length=TEXT_MAX)
    channel: Text = Field("", max_length=1000, description="where objections or complaints are received")


class SupervisionIn(BaseModel):
    kind: Code = Field(..., max_length=24, description="routine | special | complaint_check | random")
    inspected_on: dt.date
    department: Text = Field(..., max_length=NAME_MAX)
    findings: Text = Field(..., max_length=TEXT_MAX)
    outcome: Code = Field(..., max_length=32)
    basis: Text = Field(..., max_length=2000, description="the provision the finding rests on")
    rectification_due: dt.date | None = None


class RectificationIn(BaseModel):
    rectified_on: dt.date
    rectification: Text = Field(..., max_length=TEXT_MAX)


class RuleOut(BaseModel):
    id: int
    kind: str
    title: str
    body: str
    channel: str
    published_on: dt.date
    status: str


class SupervisionOut(BaseModel):
    id: int
    kind: str
    inspected_on: dt.date
    department: str
    outcome: str
    basis: str
    rectification_due: dt.date | None = None
    rectified_on: dt.date | None = None
    findings: str | None = None          # staff only
    rectification: str | None = None     # staff only


class ComplaintSummaryOut(BaseModel):
    received: int
    handled: int
    outcomes: dict[str, int]


class PublicEntryOut(BaseModel):
    id: int
    name: str | None = None
    uscc: str | None = None
    filing_no: str | None = None
    filed_on: dt.date | None = None
    business_scope: str | None = None
    status: str | None = None


class PublicEntryDetailOut(PublicEntryOut):
    rules: list[RuleOut]
    supervisions: list[SupervisionOut]
    complaints: ComplaintSummaryOut
    citation: str


class StaffEntryOut(BaseModel):
    id: int
    name: str
    uscc: str
    filing_no: str
    filed_on: dt.date
    business_scope: str
    contact: str
    status: str
    status_reason: str | None


class StaffEntryDetailOut(StaffEntryOut):
    rules: list[RuleOut]
    supervisions: list[SupervisionOut]
    complaints: ComplaintSummaryOut
    complaints_against: list[ComplaintOut] = Field(description="the complaints naming this agency (never the complainant)")
    citation: str
