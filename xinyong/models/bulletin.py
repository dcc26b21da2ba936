"""Bulletins (通知公告 / 政策法规) that the credit department publishes on the portal, with their
attachments. A bulletin is public while it is published and its publication date has come
(xinyong.bulletins.rules.in_public_view); a withdrawal keeps the row with its reason, and every
change is versioned (xinyong.history) and audited."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.history import versioned
from xinyong.models.base import Base, BigId, TimestampTZ, created_at_column

BULLETIN_STATUSES = ("draft", "published", "withdrawn")


@versioned("bulletin")
class Bulletin(Base):
    __tablename__ = "bulletins"
    __table_args__ = (Index("ix_bulletins_category_status_date", "category", "status", "published_on"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    category: Mapped[str] = mapped_column(String(32), nullable=False)       # notice | policy (profile data)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)                 # plain text, paragraphs
    issuer: Mapped[str] = mapped_column(String(200), nullable=False, default="")   # 发布机关
    document_no: Mapped[str | None] = mapped_column(String(64), nullable=True)     # 文号
    related_path: Mapped[str | None] = mapped_column(String(200), nullable=True)   # a page of this site
    published_on: Mapped[dt.date] = mapped_column(Date, nullable=False)     # 发布日期
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="draft")
    withdraw_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[dt.datetime] = created_at_column()
    updated_at: Mapped[dt.datetime | None] = mapped_column(TimestampTZ, nullable=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)


class BulletinAttachment(Base):
    """A file published with a bulletin; removing one keeps the row (removed_at) for the record."""
    __tablename__ = "bulletin_attachments"
    __table_args__ = (Index("ix_bulletin_attachments_bulletin", "bulletin_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    bulletin_id: Mapped[int] = mapped_column(BigId, ForeignKey("bulletins.id"), nullable=False)
    filename: Mapped[str] = mapped_column(String(200), nullable=False)
    content_type: Mapped[str] = mapped_column(String(64), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    content: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[dt.datetime] = created_at_column()
    removed_at: Mapped[dt.datetime | None] = mapped_column(TimestampTZ, nullable=True)
