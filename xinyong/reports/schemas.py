"""Request and response models of the reports API (never the PDF's content in a verification)."""
from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field
from xinyong.kit.text import Code, Text

ReportKind = Literal["full", "public", "special"]
ReportLang = Literal["zh", "en"]


class MyReportIn(BaseModel):
    kind: ReportKind
    field: Code | None = Field(None, max_length=32)
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    lang: ReportLang | None = Field(None, description="the report's language; default: the page's (zh)")


class SpecialReportIn(BaseModel):
    subject_id: int = Field(ge=1, le=2**63 - 1)
    field: Code = Field(max_length=32)
    date_from: dt.date
    date_to: dt.date
    purpose: Text = Field(max_length=500)
    authorisation_id: Code = Field(max_length=32, description="the subject's written authorisation of your organisation")
    lang: ReportLang | None = Field(None, description="the report's language; default: the page's (zh)")


class ReportOut(BaseModel):
    id: int
    code: str
    number: str
    kind: ReportKind
    subject_id: int
    subject_name_masked: str
    requester_role: str
    basis_kind: str | None
    params: dict
    finding: str | None
    record_count: int
    sha256: str
    issued_at: dt.datetime
    lang: ReportLang = "zh"
    verify_url: str
    download_url: str


class FieldOut(BaseModel):
    code: str
    name: str
    name_en: str


class VerificationOut(BaseModel):
    """What anyone learns by verifying: authenticity, integrity, kind, date, masked name. No content."""
    outcome: Literal["authentic", "not_found", "tampered", "signature_invalid", "not_a_report", "peer_authentic",
                     "peer_tampered", "document_authentic"]
    # what a reader is told: valid, altered, not issued here, or signed by a recognised peer platform
    verdict: Literal["valid", "tampered", "foreign", "recognised"]
    message: str
    message_en: str
    method: Literal["code", "file"]
    code: str | None = None
    kind: ReportKind | None = None
    kind_name: str | None = None
    document_title: str | None = None     # a decision document (文书): its title; `number` is its 文书编号
    number: str | None = None
    issued_on: dt.date | None = None
    subject_name_masked: str | None = None
    signature_valid: bool | None = None
    hash_matches: bool | None = None
    sha256: str | None = None             # the hash stored at issue (compare a copy offline)
    uploaded_sha256: str | None = None
    certificate_sha256: str
    sm2_valid: bool | None = None         # the SM2/SM3 seal (GB/T 38540): None when none was given nor stored
    sm2_signature_url: str | None = None  # the report's detached SM2 signature (DER r, s), when it has one
    ses_signature_url: str | None = None  # its GB/T 38540 sealed signature (SES_Signature), when it has one
    seal_name: str | None = None          # the GB/T 38540 seal of a sealed signature that verified: its name,
    seal_id: str | None = None            # its ID,
    sealed_at: dt.datetime | None = None  # and when it was put on the file
    peer: str | None = None               # the recognised peer platform that signed the file (key)
    peer_name: str | None = None
    peer_name_en: str | None = None
    peer_basis: str | None = None         # QZ art. 6 / FZ art. 7
    peer_certificate_sha256: str | None = None
