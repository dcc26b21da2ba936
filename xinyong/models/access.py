"""The query gate's data: written authorisations by subjects, published query items of
agencies, and the access log of every pass through the gate (FZ art. 11-13, QZ art. 33)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.history import versioned
from xinyong.models.base import Base, BigId, Json, TimestampTZ, created_at_column

BASIS_KINDS = ("public", "self", "authorisation", "query_item", "legal_basis")


@versioned("authorisation")
class Authorisation(Base):
    """书面授权: a subject lets one organisation query named items for a purpose, for a time."""

    __tablename__ = "authorisations"
    __table_args__ = (Index("ix_authorisations_subject_grantee", "subject_id", "grantee_org_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subject_id: Mapped[int] = mapped_column(BigId, ForeignKey("subjects.id"), nullable=False)
    grantee_org_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), nullable=False, index=True)
    items: Mapped[list] = mapped_column(Json, nullable=False)
    purpose: Mapped[str] = mapped_column(Text, nullable=False)
    valid_from: Mapped[dt.date] = mapped_column(Date, nullable=False)
    valid_to: Mapped[dt.date] = mapped_column(Date, nullable=False)
    document_ref: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    # restricted data (income, deposits, ...) needs consent after being told the consequences (FZ art. 11)
    restricted_consent: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    consequences_notice: Mapped[str | None] = mapped_column(Text, nullable=True)
    granted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    granted_at: Mapped[dt.datetime] = created_at_column()
    # who signed for the subject and in what capacity (FZ art. 13, QZ art. 33); an agent's power
    # of attorney is kept with it. Null only on authorisations recorded before this was required.
    signatory_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    signatory_capacity: Mapped[str | None] = mapped_column(String(24), nullable=True)
    power_of_attorney: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    power_of_attorney_type: Mapped[str | None] = mapped_column(String(64), nullable=True)
    power_of_attorney_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(TimestampTZ, nullable=True)
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    revocation_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)


@versioned("query_item")
class QueryItem(Base):
    """查询事项: items an agency may query for one of its administrative matters, once published
    on the portal (FZ art. 13)."""

    __tablename__ = "query_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), nullable=False, index=True)
    matter: Mapped[str] = mapped_column(String(200), nullable=False)
    items: Mapped[list] = mapped_column(Json, nullable=False)
    legal_basis: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="draft")  # draft|published|withdrawn
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[dt.datetime] = created_at_column()
    published_at: Mapped[dt.datetime | None] = mapped_column(TimestampTZ, nullable=True)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(TimestampTZ, nullable=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)


class AccessLog(Base):
    """Every pass through the query gate, allowed or refused (QZ art. 14, 33)."""

    __tablename__ = "access_log"
    __table_args__ = (Index("ix_access_log_subject_at", "subject_id", "at"),
                      Index("ix_access_log_org_at", "org_id", "at"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subject_id: Mapped[int] = mapped_column(BigId, nullable=False)
    at: Mapped[dt.datetime] = mapped_column(TimestampTZ, nullable=False)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), nullable=True)
    role: Mapped[str] = mapped_column(String(32), nullable=False)
    items: Mapped[list] = mapped_column(Json, nullable=False)
    basis_kind: Mapped[str | None] = mapped_column(String(32), nullable=True)
    basis_ref: Mapped[str | None] = mapped_column(String(200), nullable=True)
    purpose: Mapped[str] = mapped_column(Text, nullable=False, default="")
    allowed: Mapped[bool] = mapped_column(Boolean, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    channel: Mapped[str] = mapped_column(String(16), nullable=False, default="api")
