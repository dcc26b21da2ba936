"""Credit commitments (信用承诺, QZ art. 25): what a subject promised an agency in a matter,
by when, whether it is public, and whether it was kept. A breach is written as a dishonesty
record through the normal record path (xinyong.ingest.service.ingest_rows), and the
commitment keeps the batch and record it produced (lineage)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.history import versioned
from xinyong.models.base import Base, BigId, TimestampTZ, created_at_column

COMMITMENT_STATUSES = ("open", "fulfilled", "breached")


@versioned("commitment")
class Commitment(Base):
    __tablename__ = "commitments"
    __table_args__ = (
        UniqueConstraint("agency_id", "commitment_no"),
        Index("ix_commitments_subject_time", "subject_id", "created_at"),
        Index("ix_commitments_status_deadline", "status", "deadline"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subject_id: Mapped[int] = mapped_column(BigId, ForeignKey("subjects.id"), nullable=False)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), nullable=False)
    commitment_no: Mapped[str] = mapped_column(String(128), nullable=False)   # 承诺书编号
    type: Mapped[str] = mapped_column(String(32), nullable=False)
    matter: Mapped[str] = mapped_column(Text, nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    signed_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    deadline: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    published: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=false())
    citation: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="open")
    fulfilled_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    fulfilment_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    breached_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    breach_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    breach_batch_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    breach_record_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    overdue_flagged_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[dt.datetime] = created_at_column()
    updated_at: Mapped[dt.datetime | None] = mapped_column(TimestampTZ, nullable=True)
