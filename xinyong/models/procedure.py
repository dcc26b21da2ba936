"""Shared machinery of every procedure (objection, repair, listing, complaint, change feed):
the working-day calendar the deadlines are counted on, the deadlines themselves, the written
documents (PDF notices and decisions) given to their addressees, notifications to the people
who must act, and the change feed that receiving systems follow."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, LargeBinary, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.models.base import Base, BigId, Json, TimestampTZ, created_at_column


class CalendarYear(Base):
    """A year whose official schedule an administrator loaded (`xinyong calendar add FILE`).
    A loaded year takes precedence over the chinese-calendar package for that year."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(Text, nullable=False)          # file name / notice number
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    loaded_at: Mapped[dt.datetime] = created_at_column()
    loaded_by: Mapped[str] = mapped_column(String(200), nullable=False, default="")


class CalendarDay(Base):
    """An exception to the weekend rule in a loaded year: a day off on a weekday (``off``) or a
    make-up working day on a weekend (``work``)."""

    __tablename__ = "calendar_days"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    year: Mapped[int] = mapped_column(ForeignKey("calendar_years.year", ondelete="CASCADE"), nullable=False,
                                      index=True)
    kind: Mapped[str] = mapped_column(String(8), nullable=False)       # off | work
    name: Mapped[str] = mapped_column(Text, nullable=False, default="")


class Deadline(Base):
    """One statutory deadline of one procedure step, with the rule and citation it rests on.

    ``procedure`` names the domain (objection, repair, listing, complaint, feed) and
    ``procedure_id`` the row there; ``step`` the step (acceptance, result, verify, ...)."""

    __tablename__ = "deadlines"
    __table_args__ = (
        Index("ix_deadlines_procedure", "procedure", "procedure_id"),
        Index("ix_deadlines_open_due", "completed_at", "due_on"),
        Index("ix_deadlines_subject_open", "subject_id", "completed_at", "due_on"),   # a subject's home
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subject_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    procedure: Mapped[str] = mapped_column(String(32), nullable=False)
    procedure_id: Mapped[int] = mapped_column(BigId, nullable=False)
    step: Mapped[str] = mapped_column(String(48), nullable=False)
    rule_key: Mapped[str] = mapped_column(String(80), nullable=False)
    citation: Mapped[str] = mapped_column(Text, nullable=False)
    working_days: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    started_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    due_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    # counted over a date no holiday table covers (weekends-only fallback): shown as provisional
    provisional: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    extensions: Mapped[int] = mapped_column(SmallInteger, nullable=False, default=0)
    extension_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    extended_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    responsible_org_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), nullable=True, index=True)
    responsible_role: Mapped[str | None] = mapped_column(String(32), nullable=True)
    completed_at: Mapped[dt.datetime | None] = mapped_column(TimestampTZ, nullable=True)
    completed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(48), nullable=True)
    overdue_marked_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)   # set by the sweep
    created_at: Mapped[dt.datetime] = created_at_column()


class Document(Base):
    """A written notice or decision (PDF, Chinese, embedded CJK font) kept for its addressee."""

    __tablename__ = "documents"
    __table_args__ = (Index("ix_documents_procedure", "procedure", "procedure_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)   # 文书编号
    kind: Mapped[str] = mapped_column(String(48), nullable=False)
    procedure: Mapped[str] = mapped_column(String(32), nullable=False)
    procedure_id: Mapped[int] = mapped_column(BigId, nullable=False)
    title: Mapped[str] = mapped_column(Text, nullable=False)
    # the addressee: a subject (read on its portal), an organisation, or one account
    subject_id: Mapped[int | None] = mapped_column(BigId, nullable=True, index=True)
    addressee_org_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), nullable=True)
    addressee_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    # a sealed addressee (a complainant, QZ art. 37): the keyed pseudonym of the account
    # (xinyong.kit.sealed.party_ref), never its id
    addressee_ref: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    filename: Mapped[str] = mapped_column(String(200), nullable=False)
    content: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    # of the signed bytes; /verify finds a document by it (indexed: a public route)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    # the detached SM2/SM3 seal of those bytes, while XINYONG_SEAL_ALGORITHMS includes sm2
    sm2_signature: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    # and their GB/T 38540 sealed signature (SES_Signature, DER; reports.eseal)
    ses_signature: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    citation: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[dt.datetime] = created_at_column()
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class Notification(Base):
    """A message to whoever must act or be told: one account, an organisation's users, or a role."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_recipients", "recipient_user_id", "recipient_org_id",
                            "recipient_role"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    recipient_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    recipient_org_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), nullable=True)
    recipient_role: Mapped[str | None] = mapped_column(String(32), nullable=True)
    recipient_subject_id: Mapped[int | None] = mapped_column(BigId, nullable=True, index=True)
    # a sealed recipient (a complainant, QZ art. 37): the keyed pseudonym of the account
    recipient_ref: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    kind: Mapped[str] = mapped_column(String(48), nullable=False)
    text_zh: Mapped[str] = mapped_column(Text, nullable=False)
    text_en: Mapped[str] = mapped_column(Text, nullable=False)
    link: Mapped[str] = mapped_column(Text, nullable=False, default="")
    dedupe_key: Mapped[str | None] = mapped_column(String(120), nullable=True, unique=True)
    created_at: Mapped[dt.datetime] = created_at_column()
    read_at: Mapped[dt.datetime | None] = mapped_column(TimestampTZ, nullable=True)


class FeedEvent(Base):
    """A change receiving systems must follow (QZ art. 36, Order 36): published, publication
    ended, corrected, repaired, repair revoked, listed, delisted."""

    __tablename__ = "feed_events"
    __table_args__ = (Index("ix_feed_events_subject", "subject_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subject_id: Mapped[int] = mapped_column(BigId, nullable=False)
    record_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    occurred_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    details: Mapped[dict] = mapped_column(Json, nullable=False, default=dict)
    citation: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[dt.datetime] = created_at_column()
