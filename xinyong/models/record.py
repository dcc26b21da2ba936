"""Credit records (信用记录) with lineage, their publicity window, and their history.

Large tables carry subject_id and a time column so they can later be distributed by
subject and partitioned by time (ARCHITECTURE.md "Built to grow past one machine").

Records carry no foreign-key constraints: a per-row referential check (and row lock) on
every bulk load cost about a fifth of the load time, and the only writer — the ingest
path — takes subject, agency and batch ids from rows it resolved or created in the same
transaction. tests/ingest/test_service.py checks that every record's references exist."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import false, Boolean, Date, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.models.base import Base, BigId, CitedText, JsonText, TimestampTZ


class Record(Base):
    __tablename__ = "records"
    __table_args__ = (
        UniqueConstraint("source_agency_id", "item_code", "decision_no", name="uq_records_source_decision"),
        # every per-subject read is newest first with a limit (ORDER BY decision_date DESC, id DESC):
        # a backward scan of this index returns that order and stops at the page. On PostgreSQL it
        # also carries the other columns the evaluation reads (xinyong.evaluation.repository), so
        # the recompute is an index-only scan of it (about a tenth of the heap, whose JSON fields
        # dominate its size): one index per subject where there were two (migration 0026_lean,
        # issue 14 point 3: each index costs the bulk load)
        Index("ix_records_subject_date", "subject_id", "decision_date", "id",
              postgresql_include=["item_code", "severity", "status", "under_objection"]),
        Index("ix_records_batch", "batch_id"),
        # the portal's 双公示 (home page, /publicity): newest decisions across subjects, by type
        Index("ix_records_item_date", "item_code", "decision_date", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subject_id: Mapped[int] = mapped_column(BigId, nullable=False)
    item_code: Mapped[str] = mapped_column(String(64), nullable=False)
    source_agency_id: Mapped[int] = mapped_column(nullable=False)
    decision_no: Mapped[str] = mapped_column(String(200), nullable=False)
    decision_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    valid_to: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    severity: Mapped[str | None] = mapped_column(String(10), nullable=True)
    # citations inside are stored as short codes (CitedText; migration 0023_ingest converts)
    severity_basis: Mapped[str | None] = mapped_column(CitedText, nullable=True)
    disclosure: Mapped[str] = mapped_column(String(32), nullable=False)
    publicity_published: Mapped[bool] = mapped_column(Boolean, nullable=False)
    publicity_start: Mapped[dt.date] = mapped_column(Date, nullable=False)
    publicity_end: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    publicity_min_end: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    publicity_citation: Mapped[str] = mapped_column(CitedText, nullable=False)
    # set by `xinyong sweep` when the window has closed (for reports and the change feed);
    # public visibility never depends on it
    publicity_ended_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    # the catalogue fields as the ingest wrote them (canonical JSON, what the publication leaf
    # hashes), kept as text: JsonText, migration 0027_json_fields
    fields: Mapped[dict] = mapped_column(JsonText, nullable=False)
    # active | repaired (publication ended by credit repair; revocation restores active)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="active")
    # an objection (异议) is open on this record: every view, report and export marks it
    under_objection: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False,
                                                  server_default=false())
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    batch_id: Mapped[int] = mapped_column(BigId, nullable=False)
    row_no: Mapped[int] = mapped_column(Integer, nullable=False)
    received_at: Mapped[dt.datetime] = mapped_column(TimestampTZ, nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(TimestampTZ, nullable=False)
