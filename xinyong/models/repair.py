"""Credit repair (信用修复, FZ art. 20-23, QZ art. 35-36, NDRC Orders 58/36): applications, the
materials uploaded with them, and their outcome. A revoked application (revoked_kind set) is the
subject's recorded fraud finding (FZ art. 23) that bars new applications for the profile's period.

Large-table shape: subject_id and a time column on both tables."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.models.base import Base, BigId, Json, TimestampTZ, created_at_column

STATUSES = ("received", "accepted", "refused", "approved", "rejected", "revoked")
OPEN_STATUSES = ("received", "accepted")
MATERIAL_KINDS = ("commitment_letter", "proof_of_performance", "training_certificate", "credit_report")
REVOCATION_KINDS = ("fraud", "concealment", "broken_commitment")


class RepairApplication(Base):
    __tablename__ = "repair_applications"
    __table_args__ = (
        Index("ix_repair_applications_subject", "subject_id", "received_on"),
        Index("ix_repair_applications_record", "record_id"),
        Index("ix_repair_applications_queue", "source_agency_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subject_id: Mapped[int] = mapped_column(BigId, nullable=False)
    record_id: Mapped[int] = mapped_column(BigId, nullable=False)
    # the record's source agency: the 有关公共管理机构 that decides (QZ art. 36)
    source_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    channel: Mapped[str] = mapped_column(String(16), nullable=False)       # online | window
    applicant_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    filed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)   # staff at the window
    statement: Mapped[str] = mapped_column(Text, nullable=False, default="")
    regime: Mapped[str] = mapped_column(String(32), nullable=False)        # regulation id of repair.eligibility used
    eligibility_citation: Mapped[str] = mapped_column(Text, nullable=False)
    required_materials: Mapped[list] = mapped_column(Json, nullable=False, default=list)
    reasons: Mapped[list] = mapped_column(Json, nullable=False, default=list)   # refusal / rejection reasons
    received_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    received_at: Mapped[dt.datetime] = created_at_column()
    accepted_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    decided_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    decision_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    repaired_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    repair_citation: Mapped[str | None] = mapped_column(Text, nullable=True)
    revoked_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    revoked_kind: Mapped[str | None] = mapped_column(String(24), nullable=True)
    revoked_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    revocation_citation: Mapped[str | None] = mapped_column(Text, nullable=True)
    # FZ art. 21 para. 2: who confirmed which conditions at approval, when, and which a material evidenced
    condition_confirmations: Mapped[dict | None] = mapped_column(Json, nullable=True)
    updated_at: Mapped[dt.datetime | None] = mapped_column(TimestampTZ, nullable=True)


class RepairMaterial(Base):
    __tablename__ = "repair_materials"
    __table_args__ = (Index("ix_repair_materials_application", "application_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(BigId, ForeignKey("repair_applications.id", ondelete="CASCADE"),
                                                nullable=False)
    subject_id: Mapped[int] = mapped_column(BigId, nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    filename: Mapped[str] = mapped_column(String(200), nullable=False)
    content_type: Mapped[str] = mapped_column(String(64), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    content: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    uploaded_at: Mapped[dt.datetime] = created_at_column()
