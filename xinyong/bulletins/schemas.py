"""Request and response models of bulletins. Lengths here only bound the request; the limits
that apply are the profile's (bulletins.policy), checked by the rules."""
from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from xinyong.bulletins.rules import REASON_MAX
from xinyong.kit.text import Code, Text

MAX_ID = 2**63 - 1


class BulletinIn(BaseModel):
    category: Code = Field(..., max_length=32, description="notice (通知公告) | policy (政策法规), as the profile lists")
    title: Text = Field(..., max_length=1000)
    body: Text = Field(..., max_length=100_000, description="plain text; a blank line separates paragraphs")
    published_on: dt.date = Field(..., description="publication date (发布日期); public from that day once published")
    issuer: Text = Field("", max_length=400, description="发布机关")
    document_no: Text = Field("", max_length=128, description="文号")
    related_path: Code = Field("", max_length=400, description="a page of this site it refers to, e.g. /measures")


class BulletinPatch(BaseModel):
    category: Code | None = Field(None, max_length=32)
    title: Text | None = Field(None, max_length=1000)
    body: Text | None = Field(None, max_length=100_000)
    published_on: dt.date | None = None
    issuer: Text | None = Field(None, max_length=400)
    document_no: Text | None = Field(None, max_length=128)
    related_path: Code | None = Field(None, max_length=400)
    reason: Text = Field(..., max_length=REASON_MAX * 2, description="why it is changed (kept in its history)")


class WithdrawIn(BaseModel):
    reason: Text = Field(..., max_length=REASON_MAX * 2)


class Label(BaseModel):
    zh: str
    en: str


class AttachmentOut(BaseModel):
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    url: str


class PublicBulletinOut(BaseModel):
    id: int
    category: str
    category_name: Label
    title: str
    paragraphs: list[str]
    issuer: str
    document_no: str | None
    related_path: str | None
    published_on: dt.date
    attachments: list[AttachmentOut]
    url: str


class BulletinOut(PublicBulletinOut):
    """What the credit department sees: the state and the history's version."""
    status: str
    withdraw_reason: str | None
    version: int
    body: str
