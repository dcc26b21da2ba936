"""Complaints and reports (投诉举报, QZ art. 37) about unlawful collection, aggregation, sharing,
publication, query or use of credit information.

The complainant's identity (name, contact, ID number, account) is one sealed value
(xinyong.kit.sealed) in ``identity_enc``: only xinyong.complaints.opener opens it, each opening
audited, for the handler the credit department assigned and for nobody else. A signed-in
complainant's account is found again through a keyed hash (``filer_hash``), never through a
plain user id on this table.

Handing an assigned complaint to another handler is a request with a reason, approved by a
second person in a supervising role (``ComplaintReassignment``, four eyes)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.kit.sealed import SealedBytes
from xinyong.models.base import Base, BigId, TimestampTZ, created_at_column

COMPLAINT_KINDS = ("complaint", "report")            # 投诉 | 举报
COMPLAINT_STATUSES = ("filed", "assigned", "handled")
REASSIGNMENT_STATUSES = ("pending", "approved", "refused")


class Complaint(Base):
    __tablename__ = "complaints"
    __table_args__ = (
        Index("ix_complaints_status", "status", "id"),
        Index("ix_complaints_handler", "handler_user_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tracking_code: Mapped[str] = mapped_column(String(32), nullable=False, unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64), nullable=False)    # keyed hash of the reading secret
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    stage: Mapped[str] = mapped_column(String(16), nullable=False)          # collection .. use (QZ art. 37)
    summary: Mapped[str] = mapped_column(Text, nullable=False)
    subject_id: Mapped[int | None] = mapped_column(BigId, nullable=True, index=True)   # complained about
    record_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    # a complaint against a registered credit service agency (QZ art. 42, FZ art. 27 para. 2):
    # the category from the profile's complaint.categories, and the register entry
    category: Mapped[str | None] = mapped_column(String(32), nullable=True)
    credit_service_id: Mapped[int | None] = mapped_column(BigId, nullable=True, index=True)
    anonymous: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=false())
    identity_enc: Mapped[object | None] = mapped_column(SealedBytes, nullable=True)   # a Sealed
    filer_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="filed")
    filed_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    handler_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    assigned_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    assigned_at: Mapped[dt.datetime | None] = mapped_column(TimestampTZ, nullable=True)
    handling: Mapped[str | None] = mapped_column(Text, nullable=True)      # what the handler did
    outcome: Mapped[str | None] = mapped_column(String(24), nullable=True)
    result: Mapped[str | None] = mapped_column(Text, nullable=True)        # told to the complainant
    handled_at: Mapped[dt.datetime | None] = mapped_column(TimestampTZ, nullable=True)
    handled_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    result_document_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    created_at: Mapped[dt.datetime] = created_at_column()
    # the earliest audit time of an opening of the identity (complaint.identity_viewed): the list of
    # openings reads the audit log's months from then on only (issue 16 point 6)
    identity_viewed_from: Mapped[dt.datetime | None] = mapped_column(TimestampTZ, nullable=True)


class ComplaintReassignment(Base):
    """A request to hand an assigned complaint to another handler (QZ art. 37, QZ art. 14 para. 2):
    asked with a reason by one person, approved or refused by a second in a supervising role."""

    __tablename__ = "complaint_reassignments"
    __table_args__ = (Index("ix_complaint_reassignments_complaint", "complaint_id", "status"),
                      Index("ix_complaint_reassignments_status", "status", "id"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    complaint_id: Mapped[int] = mapped_column(BigId, ForeignKey("complaints.id"), nullable=False)
    from_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)   # the handler displaced
    to_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    requested_by: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    requested_at: Mapped[dt.datetime] = mapped_column(TimestampTZ, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(TimestampTZ, nullable=True)
    decision_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    citation: Mapped[str] = mapped_column(Text, nullable=False, default="")
