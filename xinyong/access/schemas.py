"""Request and response models of the query gate, authorisations, query items and the access log."""
from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field

from xinyong.disclosure.schemas import PublicRecord
from xinyong.kit.text import Code, PrivateText, Text

BasisKind = Literal["self", "authorisation", "query_item", "legal_basis"]


def _utc(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive UTC; the API always answers with an offset (RFC 3339)."""
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


Instant = Annotated[dt.datetime, AfterValidator(_utc)]


class DecisionOut(BaseModel):
    allowed: bool
    basis_kind: str
    basis_ref: str | None
    citation: str
    reason: str
    reason_en: str


class GatedRecord(PublicRecord):
    disclosure: str
    public: bool
    visibility: str          # public | not_published | publicity_ended | not_yet | disclosure
    visibility_note: str
    visibility_note_en: str


class GatedProfile(BaseModel):
    id: int
    kind: str
    name: str
    uscc: str | None = None
    resident_id: str | None = None
    legal_rep_name: str | None = None
    masked: bool
    as_of: dt.date
    items: list[str]
    purpose: str
    decision: DecisionOut
    records: list[GatedRecord]


# ---- authorisations ------------------------------------------------------------------------------

class AuthorisationIn(BaseModel):
    grantee_uscc: Code = Field(min_length=1, max_length=40, description="USCC of a registered organisation")
    items: list[Code] = Field(min_length=1, max_length=60, description="catalogue item codes and restricted:<class>")
    purpose: Text = Field(min_length=1, max_length=500)
    valid_from: dt.date | None = Field(None, description="default: today")
    valid_to: dt.date
    document_ref: Text = Field("", max_length=200)
    restricted_consent: bool = Field(False, description="consent after reading the consequences notice (FZ art. 11)")
    # who signed for the subject (FZ art. 13, QZ art. 33)
    signatory_name: Text = Field("", max_length=100, description="who signed the written authorisation")
    signatory_capacity: Code = Field("", max_length=24, description="self | legal_representative | agent")
    power_of_attorney_b64: PrivateText = Field("", max_length=7_200_000,
                                       description="an agent's power of attorney (PDF/JPG/PNG, base64, at most 5 MiB)")


class WindowAuthorisationIn(AuthorisationIn):
    subject_uscc: Code | None = Field(None, max_length=40)
    subject_resident_id: Code | None = Field(None, max_length=40)
    document_ref: Text = Field(min_length=1, max_length=200, description="number of the paper authorisation")


class RevokeIn(BaseModel):
    reason: Text = Field("", max_length=500)


class OrganisationOut(BaseModel):
    id: int
    uscc: str
    name: str
    kind: str


class AuthorisationOut(BaseModel):
    id: int
    subject_id: int
    grantee: OrganisationOut
    items: list[str]
    purpose: str
    valid_from: dt.date
    valid_to: dt.date
    document_ref: str
    restricted_consent: bool
    consequences_notice: str | None
    granted_at: Instant
    at_window: bool
    status: str               # active | pending | expired | revoked
    revoked_at: Instant | None
    revocation_reason: str | None
    signatory_name: str | None = None
    signatory_capacity: str | None = None
    power_of_attorney_on_file: bool = False


# ---- query items ---------------------------------------------------------------------------------

class QueryItemIn(BaseModel):
    matter: Text = Field(min_length=1, max_length=200, description="the administrative matter (行政管理事项)")
    items: list[Code] = Field(min_length=1, max_length=60)
    legal_basis: Text = Field(min_length=1, max_length=2000, description="the law the matter rests on")


class QueryItemOut(BaseModel):
    id: int
    organisation: OrganisationOut
    matter: str
    items: list[str]
    legal_basis: str
    status: str
    created_at: Instant
    published_at: Instant | None
    withdrawn_at: Instant | None


class LegalBasisOut(BaseModel):
    id: str
    name: str
    name_en: str
    citation: str
    citation_en: str = ""
    org_kinds: list[str]
    items: list[str]
    reference: str
    reference_en: str


# ---- the access log ------------------------------------------------------------------------------

class AccessLogEntryOut(BaseModel):
    id: int
    at: Instant
    organisation: str | None
    role: str
    items: list[str]
    basis_kind: str | None
    basis_ref: str | None
    purpose: str
    allowed: bool
    reason: str
    reason_en: str
    citation: str
    channel: str
    signatory: str | None = None     # who signed the authorisation a query rested on (FZ art. 13, QZ art. 33)


class AuditAccessLogEntryOut(AccessLogEntryOut):
    subject_id: int
    subject_name: str | None
    org_id: int | None
    user_id: int | None
    username: str | None
