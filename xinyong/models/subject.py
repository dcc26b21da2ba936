"""Credit subjects (信用主体). Resident ID numbers are sealed (xinyong.kit.sealed; opened only by
xinyong.subjects.opener, audited) and found by keyed hash."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, event, insert
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
    # name search reads subject_names (below), not this column: no index on name

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


class SubjectName(Base):
    """The name-search copy of each subject's name and kind (LIKE '%q%': the trigram GIN index on
    PostgreSQL, migration 0030), kept off the bulk path (issue 14 point 2): a subject created
    one at a time (the ORM) gets its row in the same transaction (below); the subjects a batch
    creates get theirs after its commit, from the outbox (xinyong/subjects/hooks.py), and are
    found meanwhile by their batch's id range (xinyong/subjects/names.py). A subject's name and
    kind are never changed, so a row is written once."""
    __tablename__ = "subject_names"

    subject_id: Mapped[int] = mapped_column(BigId, ForeignKey("subjects.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(300), nullable=False)
    # what a search filters on before it reads subjects (natural persons only while in view)
    kind: Mapped[str] = mapped_column(String(24), nullable=False)


@event.listens_for(Subject, "after_insert")
def _name_with_subject(mapper, connection, target: Subject) -> None:
    connection.execute(insert(SubjectName).values(subject_id=target.id, name=target.name, kind=target.kind))
