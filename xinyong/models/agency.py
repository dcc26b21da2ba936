"""Organisations known to the platform: agencies (public bodies) that send and query data."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.history import versioned
from xinyong.models.base import Base, TimestampTZ, created_at_column

ORG_KINDS = (
    "public_body",         # 公共管理机构
    "judicial",            # 司法机关
    "credit_department",   # 社会信用主管部门
    "credit_service",      # 信用服务机构
    "financial",           # 金融机构
    "association",         # 行业协会商会
    "enterprise",          # 企业事业单位 sharing market credit information it records (QZ art. 12 para. 1)
)


@versioned("organisation", ignore=("updated_at",))
class Agency(Base):
    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False, default="public_body")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    registered_at: Mapped[dt.datetime] = created_at_column()
    registered_by: Mapped[int | None] = mapped_column(nullable=True)  # users.id; no FK: users reference agencies
    updated_at: Mapped[dt.datetime | None] = mapped_column(TimestampTZ, nullable=True)
