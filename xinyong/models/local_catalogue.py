"""The local supplementary catalogue (地方补充目录): information items a city adds to the national
catalogue (the 公共信用信息目录 QZ art. 10 aggregates by; the supplement itself is named by no
article of our two texts), kept by the credit department on a page, not in code.

Every change is a new row of ``local_catalogue_versions`` (append-only: who, when, why and the
whole item definition), so the definition in force at any moment can be read back; the item row
points at its current version. ``local_catalogue_state`` holds one token, replaced by every change
in the same transaction: each request (on any app node) compares it with the one its process
last loaded, so a change is seen on the next request everywhere (xinyong.catalogue.local.merge)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.models.base import Base, BigId, Json, TimestampTZ

LOCAL_ITEM_STATUSES = ("active", "withdrawn")
LOCAL_VERSION_ACTIONS = ("added", "changed", "withdrawn", "restored")


class LocalCatalogueItem(Base):
    __tablename__ = "local_catalogue_items"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    current_version: Mapped[int] = mapped_column(Integer, nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(TimestampTZ, nullable=False)


class LocalCatalogueVersion(Base):
    __tablename__ = "local_catalogue_versions"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(ForeignKey("local_catalogue_items.code"), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    action: Mapped[str] = mapped_column(String(16), nullable=False)
    definition: Mapped[dict] = mapped_column(Json, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    author_name: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(TimestampTZ, nullable=False)


class LocalCatalogueState(Base):
    __tablename__ = "local_catalogue_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(64), nullable=False)
