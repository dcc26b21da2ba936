"""Joint incentive and punishment (联合奖惩): the published lists of measures, every joint
check an agency runs, and every application of a measure with the agency's feedback
(FZ art. 15-17, QZ art. 18-19, 24).

Lists are reference data (small, slowly changing, versioned: a new version is a new row and
an older one is never edited once published). Checks and applications are per subject and
carry subject_id and a time column (ARCHITECTURE.md "Built to grow past one machine")."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.history import versioned
from xinyong.models.base import Base, BigId, Json, TimestampTZ, created_at_column

LIST_STATUSES = ("draft", "published", "withdrawn")
APPLICATION_STATUSES = ("applied", "lifted")


@versioned("measure_list")
class MeasureList(Base):
    """One version of a 激励措施清单 or 惩戒措施清单. Only a published version may be applied."""

    __tablename__ = "measure_lists"
    __table_args__ = (UniqueConstraint("code", "edition"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(80), nullable=False)
    edition: Mapped[int] = mapped_column(Integer, nullable=False)   # the list version (1, 2, ...)
    jurisdiction: Mapped[str] = mapped_column(String(40), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)          # incentive | punishment
    title_zh: Mapped[str] = mapped_column(Text, nullable=False)
    title_en: Mapped[str] = mapped_column(Text, nullable=False)
    compiled_by: Mapped[str] = mapped_column(Text, nullable=False)         # 编制单位
    citation: Mapped[str] = mapped_column(Text, nullable=False)            # why lists exist (FZ 15 / QZ 24)
    content_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="draft")
    created_at: Mapped[dt.datetime] = created_at_column()
    published_at: Mapped[dt.datetime | None] = mapped_column(TimestampTZ, nullable=True)
    published_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    document_no: Mapped[str | None] = mapped_column(String(200), nullable=True)   # 发布文号
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(TimestampTZ, nullable=True)
    withdrawn_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    withdrawal_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class Measure(Base):
    """One measure of a list version: 具体事项, 实施手段, 实施主体, 实施依据 (FZ art. 15), the
    triggers that make it applicable and the administrative matters it applies to."""

    __tablename__ = "measures"
    __table_args__ = (UniqueConstraint("list_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("measure_lists.id"), nullable=False, index=True)
    code: Mapped[str] = mapped_column(String(40), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)          # incentive | punishment
    item_zh: Mapped[str] = mapped_column(Text, nullable=False)
    item_en: Mapped[str] = mapped_column(Text, nullable=False)
    means_zh: Mapped[str] = mapped_column(Text, nullable=False)
    means_en: Mapped[str] = mapped_column(Text, nullable=False)
    implementing_body: Mapped[str] = mapped_column(Text, nullable=False)
    legal_basis: Mapped[str] = mapped_column(Text, nullable=False)
    triggers: Mapped[list] = mapped_column(Json, nullable=False)
    matters: Mapped[list] = mapped_column(Json, nullable=False)


class MeasureCheck(Base):
    """A joint check: who asked about which subject for which matter, and what was found."""

    __tablename__ = "measure_checks"
    __table_args__ = (Index("ix_measure_checks_subject_time", "subject_id", "checked_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subject_id: Mapped[int] = mapped_column(BigId, nullable=False)
    matter: Mapped[str] = mapped_column(String(40), nullable=False)
    asked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), nullable=True)
    checked_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    checked_at: Mapped[dt.datetime] = created_at_column()
    result: Mapped[dict] = mapped_column(Json, nullable=False)


@versioned("measure_application")
class MeasureApplication(Base):
    """A measure applied by an agency to a subject in one matter, on the basis found by a
    check; lifted when the records it rests on are repaired (DOMAIN.md: after repair, lift
    measures)."""

    __tablename__ = "measure_applications"
    __table_args__ = (Index("ix_measure_applications_subject_time", "subject_id", "applied_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subject_id: Mapped[int] = mapped_column(BigId, nullable=False)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id"), nullable=False, index=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("measure_lists.id"), nullable=False)
    list_version: Mapped[int] = mapped_column(Integer, nullable=False)
    matter: Mapped[str] = mapped_column(String(40), nullable=False)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), nullable=False, index=True)
    case_ref: Mapped[str] = mapped_column(String(200), nullable=False)
    check_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("measure_checks.id"), nullable=True)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    basis: Mapped[dict] = mapped_column(Json, nullable=False)    # matched triggers, record and entry ids
    record_ids: Mapped[list] = mapped_column(Json, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="applied")
    applied_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    applied_at: Mapped[dt.datetime] = created_at_column()
    lifted_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    lift_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    feedback_effect: Mapped[str | None] = mapped_column(String(32), nullable=True)
    feedback_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    feedback_at: Mapped[dt.datetime | None] = mapped_column(TimestampTZ, nullable=True)
    feedback_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
