"""Rate-limit token buckets shared by every web node (xinyong.kit.dbbuckets): one row per
bucket that has not refilled yet; a full bucket is the same as no row."""
from __future__ import annotations

from sqlalchemy import Boolean, Double, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.models.base import Base


class RateBucket(Base):
    """Keyed hash of the limiter's namespace and the caller's key (no address or user id is
    stored); tokens left; when it was last taken from and when it is full again (seconds since
    the epoch, the database server's clock); whether the last take was granted."""
    __tablename__ = "rate_buckets"
    __table_args__ = (Index("ix_rate_buckets_full_at", "full_at"),)

    bucket: Mapped[str] = mapped_column(String(64), primary_key=True)
    tokens: Mapped[float] = mapped_column(Double, nullable=False)
    seen_at: Mapped[float] = mapped_column(Double, nullable=False)
    full_at: Mapped[float] = mapped_column(Double, nullable=False)
    granted: Mapped[bool] = mapped_column(Boolean, nullable=False)
