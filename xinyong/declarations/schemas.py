"""Request and response models of self-declared information. Lengths here only bound the
request; the limits that apply are the profile's (declarations.policy), checked by the rules."""
from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from xinyong.declarations.rules import REASON_MAX
from xinyong.kit.text import Code, Text

MAX_ID = 2**63 - 1


class DeclarationIn(BaseModel):
    form: Code = Field(..., max_length=32, description="statement (声明) | registration (自愿注册) | self_report (自主申报) "
                                                     "| social_commitment (社会承诺, Fuzhou) — as the profile lists")
    category: Code = Field(..., max_length=32, description="honours | certifications | contract_performance | "
                                                         "social_responsibility | other — as the profile lists")
    title: Text = Field(..., max_length=1000)
    content: Text = Field(..., max_length=20000)
    pledge_accepted: bool = Field(False, description="the subject pledges the information is lawful and true; required")


class WithdrawIn(BaseModel):
    reason: Text = Field(..., max_length=REASON_MAX * 2)


class Label(BaseModel):
    zh: str
    en: str


class PublicDeclarationOut(BaseModel):
    """What anyone sees: the declaration, its label (self-declared, not verified) and the article."""
    id: int
    subject_id: int
    form: str
    form_name: Label
    category: str
    category_name: Label
    title: str
    content: str
    declared_on: dt.date
    label: Label
    citation: str


class DeclarationOut(PublicDeclarationOut):
    """What the subject's own accounts and the credit department see."""
    status: str
    declared_at: dt.datetime
    pledge_accepted_at: dt.datetime
    withdrawn_at: dt.datetime | None
    withdrawn_as: str | None
    withdraw_reason: str | None


class StaffDeclarationOut(DeclarationOut):
    subject_name: str
    subject_kind: str
    subject_uscc: str | None
