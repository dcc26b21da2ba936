"""The catalogue as stored: one row per information item, so that every version of an
entry is kept, with who changed it and why, by the shared history (xinyong.history).
The YAML files in xinyong/catalogue/items/ are the source; `xinyong catalogue sync`
(run by `xinyong init`) records what changed."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.history import versioned
from xinyong.models.base import Base, Json, TimestampTZ


@versioned("catalogue_entry")
class CatalogueEntry(Base):
    __tablename__ = "catalogue_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    name_zh: Mapped[str] = mapped_column(String(200), nullable=False)
    disclosure: Mapped[str] = mapped_column(String(32), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="active")  # active | retired
    definition: Mapped[dict] = mapped_column(Json, nullable=False)
    content_sha: Mapped[str] = mapped_column(String(64), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(TimestampTZ, nullable=False)
