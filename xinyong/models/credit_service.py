"""The register of credit service agencies (信用服务机构, QZ art. 40-42; FZ art. 26-27) kept by
the credit department: each agency's filing (备案), the rules it publishes (objection, complaint
and service rules), the supervision of it (inspections, findings, rectification) and, through
``complaints.credit_service_id``, the complaints against it.

Sector authorities (QZ art. 30 para. 2): the agency account of a competent department reads the
occupational credit records of its own profession only (``sector_authorities``)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.history import versioned
from xinyong.models.base import Base, BigId, TimestampTZ, created_at_column

REGISTER_STATUSES = ("filed", "cancelled")            # 已备案 | 已注销备案
RULE_KINDS = ("objection", "complaint", "service")    # 异议处理规则 | 投诉处理规则 | 服务规则
RULE_STATUSES = ("published", "withdrawn")


@versioned("credit_service_agency", ignore=("updated_at",))
class CreditServiceAgency(Base):
    __tablename__ = "credit_service_agencies"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    uscc: Mapped[str] = mapped_column(String(18), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    filing_no: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)   # 备案编号
    filed_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    business_scope: Mapped[str] = mapped_column(Text, nullable=False)
    contact: Mapped[str] = mapped_column(Text, nullable=False, default="")   # staff only
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="filed")
    status_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[dt.datetime] = created_at_column()
    updated_at: Mapped[dt.datetime | None] = mapped_column(TimestampTZ, nullable=True)


class CreditServiceRule(Base):
    """A rule an agency publishes through the platform (its objection channel, complaint and
    service rules); withdrawn rules stay on record."""
    __tablename__ = "credit_service_rules"
    __table_args__ = (Index("ix_credit_service_rules_agency", "credit_service_id", "status", "kind"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    credit_service_id: Mapped[int] = mapped_column(BigId, ForeignKey("credit_service_agencies.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    # not "title": a column named so holds generated wording elsewhere; this one is the agency's own words
    heading: Mapped[str] = mapped_column(String(400), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    channel: Mapped[str] = mapped_column(Text, nullable=False, default="")   # where to send an objection/complaint
    published_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="published")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[dt.datetime] = created_at_column()


class CreditServiceSupervision(Base):
    """One supervision of an agency (QZ art. 40 日常监督检查): what was inspected, when, by whom,
    what was found, on which basis, and the rectification ordered and made."""
    __tablename__ = "credit_service_supervisions"
    __table_args__ = (Index("ix_credit_service_supervisions_agency", "credit_service_id", "inspected_on"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    credit_service_id: Mapped[int] = mapped_column(BigId, ForeignKey("credit_service_agencies.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(24), nullable=False)
    inspected_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    department: Mapped[str] = mapped_column(String(200), nullable=False)
    findings: Mapped[str] = mapped_column(Text, nullable=False)
    outcome: Mapped[str] = mapped_column(String(32), nullable=False)
    basis: Mapped[str] = mapped_column(Text, nullable=False)          # the citation the finding rests on
    rectification_due: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    rectified_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    rectification: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[dt.datetime] = created_at_column()


class SectorAuthority(Base):
    """An organisation the credit department named competent for one key occupational group
    (QZ art. 30 para. 2): its agency accounts read that profession's records, no other."""
    __tablename__ = "sector_authorities"
    __table_args__ = (UniqueConstraint("agency_id", "profession"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), nullable=False)
    profession: Mapped[str] = mapped_column(String(32), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    assigned_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[dt.datetime] = created_at_column()
