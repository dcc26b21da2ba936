"""Lists (红名单 / 黑名单 / 严重失信主体名单): the listing procedure and the published list.

A ``ListProposal`` is one listing procedure, from an agency's proposal through prior notice,
objection and decision (QZ art. 22-23; FZ art. 14, 16-18; Guobanfa [2020] 49). The records it
rests on are rows of ``ListBasisRecord`` (so "which listings rest on record X" is one indexed
query). A ``ListEntry`` is the list membership the decision creates: published, then ended by
repair, at the end of its period, or by staff when the removal conditions are met. Other
domains (measures, evaluation, reports, repair) read ``list_entries`` by subject."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.models.base import Base, BigId, Json, TimestampTZ, created_at_column

PROPOSAL_STATUSES = ("proposed", "notice", "objection", "decided", "withdrawn")
ENTRY_STATUSES = ("decided", "active", "removed", "expired")


class ListProposal(Base):
    __tablename__ = "list_proposals"
    __table_args__ = (
        Index("ix_list_proposals_subject", "subject_id", "kind"),
        Index("ix_list_proposals_org_status", "proposing_org_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subject_id: Mapped[int] = mapped_column(BigId, ForeignKey("subjects.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)              # red | black | serious_dishonesty
    proposing_org_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), nullable=False)
    category: Mapped[str | None] = mapped_column(String(48), nullable=True)    # punitive lists: legal category
    criteria: Mapped[list] = mapped_column(Json, nullable=False, default=list)  # red list: criteria keys
    lenient_flags: Mapped[list] = mapped_column(Json, nullable=False, default=list)   # QZ art. 21
    # QZ art. 21 cases the platform raised itself (a minor at the act's date), and the recorded
    # reason for proceeding without the leniency they call for
    platform_lenient_flags: Mapped[list | None] = mapped_column(Json, nullable=True)
    lenient_waiver_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    reasons: Mapped[str] = mapped_column(Text, nullable=False)                 # 事由
    legal_basis: Mapped[str] = mapped_column(Text, nullable=False)             # 依据
    measures: Mapped[str] = mapped_column(Text, nullable=False, default="")    # 惩戒/激励措施
    removal_conditions: Mapped[str] = mapped_column(Text, nullable=False, default="")
    period_months: Mapped[int] = mapped_column(Integer, nullable=False)
    # FZ art. 18: [{"role": .., "name": .., "subject_id": .. | null}]
    responsible_persons: Mapped[list] = mapped_column(Json, nullable=False, default=list)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="proposed")
    citation: Mapped[str] = mapped_column(Text, nullable=False, default="")
    notice_sent_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    objection_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    objection_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    objection_outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)   # upheld | withdrawn
    objection_reply: Mapped[str | None] = mapped_column(Text, nullable=True)
    decided_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    withdrawn_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[dt.datetime] = created_at_column()
    updated_at: Mapped[dt.datetime | None] = mapped_column(TimestampTZ, nullable=True)


class ListBasisRecord(Base):
    """One record a listing rests on (removal on that record's repair finds it by record_id)."""

    __tablename__ = "list_basis_records"
    __table_args__ = (Index("ix_list_basis_records_record", "record_id"),)

    proposal_id: Mapped[int] = mapped_column(BigId, ForeignKey("list_proposals.id", ondelete="CASCADE"),
                                             primary_key=True)
    record_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    subject_id: Mapped[int] = mapped_column(BigId, nullable=False)


class ListEntry(Base):
    """Membership of one subject in one list, created by the listing decision."""

    __tablename__ = "list_entries"
    __table_args__ = (
        Index("ix_list_entries_subject_status", "subject_id", "status"),
        Index("ix_list_entries_kind_status", "kind", "status", "listed_on"),
        Index("ix_list_entries_status_end", "status", "period_end"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subject_id: Mapped[int] = mapped_column(BigId, nullable=False)
    proposal_id: Mapped[int] = mapped_column(BigId, ForeignKey("list_proposals.id"), nullable=False, unique=True)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    category: Mapped[str | None] = mapped_column(String(48), nullable=True)
    proposing_org_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="decided")
    decided_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    listed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)       # published
    period_end: Mapped[dt.date | None] = mapped_column(Date, nullable=True)      # last day on the list
    removed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    removal_reason: Mapped[str | None] = mapped_column(String(24), nullable=True)   # repaired | expired | conditions_met
    removal_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    citation: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[dt.datetime] = created_at_column()
    updated_at: Mapped[dt.datetime | None] = mapped_column(TimestampTZ, nullable=True)
