"""Self-declared information (自主申报, QZ art. 13, FZ art. 10 para. 2): market credit
information a subject provides about itself, under its truth pledge. The platform does not
verify it and labels it so wherever it appears. A withdrawal (by the subject, or by the
credit department when unlawful) keeps the row with its reason."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.history import versioned
from xinyong.models.base import Base, BigId, TimestampTZ, created_at_column

DECLARATION_STATUSES = ("published", "withdrawn")
WITHDRAWN_AS = ("subject", "staff")   # the subject itself, or the credit department (unlawful)


@versioned("declaration")
class Declaration(Base):
    __tablename__ = "declarations"
    __table_args__ = (Index("ix_declarations_subject_status", "subject_id", "status"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subject_id: Mapped[int] = mapped_column(BigId, ForeignKey("subjects.id"), nullable=False)
    form: Mapped[str] = mapped_column(String(32), nullable=False)        # statement | registration | ...
    category: Mapped[str] = mapped_column(String(32), nullable=False)    # honours | certifications | ...
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    content: Mapped[str] = mapped_column(Text, nullable=False)
    pledge_accepted_at: Mapped[dt.datetime] = mapped_column(TimestampTZ, nullable=False)
    declared_by: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    declared_at: Mapped[dt.datetime] = mapped_column(TimestampTZ, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="published")
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(TimestampTZ, nullable=True)
    withdrawn_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    withdrawn_as: Mapped[str | None] = mapped_column(String(16), nullable=True)   # subject | staff
    withdraw_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    citation: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[dt.datetime] = created_at_column()
