"""Credit subjects (信用主体). Resident ID numbers are sealed (xinyong.kit.sealed; opened only by
xinyong.subjects.opener, audited) and found by keyed hash."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.kit.sealed import Sealed, SealedBytes
from xinyong.models.base import Base, BigId, TimestampTZ, created_at_column

SUBJECT_KINDS = (
    "natural_person",       # 自然人
    "legal_person",         # 法人
    "unincorporated_org",   # 非法人组织
    "individual_business",  # 个体工商户
    "public_body",          # 公共管理机构 (government integrity, QZ art. 26-27)
)


class Subject(Base):
    __tablename__ = "subjects"
    # name search is LIKE '%q%': the trigram GIN index on PostgreSQL (migration 0001), no btree

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(24), nullable=False)
    name: Mapped[str] = mapped_column(String(300), nullable=False)
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True, nullable=True)
    resident_id_hash: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    resident_id_enc: Mapped[Sealed | None] = mapped_column(SealedBytes, nullable=True)
    other_id: Mapped[str | None] = mapped_column(String(120), unique=True, nullable=True)
    legal_rep_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("subjects.id"), nullable=True)
    legal_rep_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_at: Mapped[dt.datetime] = created_at_column()
    updated_at: Mapped[dt.datetime | None] = mapped_column(TimestampTZ, nullable=True)
