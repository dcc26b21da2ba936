"""Market credit information (市场信用信息, QZ art. 12; FZ art. 8, 10): the providers that share it
and the subjects' written authorisations under which a provider's rows are accepted.

A provider is an organisation already on the platform (``agencies``: a credit service agency, a
financial institution, a trade association) that applied to share market information and was
approved by the credit department; its market records are ordinary ``records`` rows whose
catalogue item is a market item (disclosure "market"), with the organisation as their source, so
that an objection to one is routed to it like any source (QZ art. 34 para. 2)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.models.base import Base, BigId, Json, TimestampTZ, created_at_column

PROVIDER_STATUSES = ("pending", "approved", "refused", "withdrawn")


class MarketProvider(Base):
    __tablename__ = "market_providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), unique=True, nullable=False)
    # codes of the profile rule market.scopes it declared (its business scope)
    scope: Mapped[list] = mapped_column(Json, nullable=False, default=list)
    # its 征信业务 licence or filing number, if it holds one (FZ art. 10 para. 3)
    credit_reporting_licence: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # published on the platform (QZ art. 34 para. 2): how it handles objections, and where
    objection_rules: Mapped[str] = mapped_column(Text, nullable=False, default="")
    objection_channel: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")
    applied_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    applied_at: Mapped[dt.datetime] = created_at_column()
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(TimestampTZ, nullable=True)
    decision_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class MarketAuthorisation(Base):
    """A subject's written authorisation (书面授权, QZ art. 12 para. 2) to one provider for one
    market item, in force from ``valid_from`` to ``valid_to`` inclusive unless revoked; with
    ``publication`` it also authorises the platform to publish the item's information."""
    __tablename__ = "market_authorisations"
    __table_args__ = (
        # the ingest check: one provider, one item, the batch's subjects
        Index("ix_market_authorisations_provider_item", "provider_id", "item_code", "subject_id"),
        Index("ix_market_authorisations_subject", "subject_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subject_id: Mapped[int] = mapped_column(BigId, ForeignKey("subjects.id"), nullable=False)
    provider_id: Mapped[int] = mapped_column(ForeignKey("market_providers.id"), nullable=False)
    item_code: Mapped[str] = mapped_column(String(64), nullable=False)
    valid_from: Mapped[dt.date] = mapped_column(Date, nullable=False)
    valid_to: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    # the words the subject accepted (the written authorisation as it read it)
    wording: Mapped[str] = mapped_column(Text, nullable=False)
    # the subject authorised the platform to publish the information too (QZ art. 15 item 3);
    # without it the information is shown to its subject alone
    publication: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=false())
    granted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    granted_at: Mapped[dt.datetime] = created_at_column()
    revoked_at: Mapped[dt.datetime | None] = mapped_column(TimestampTZ, nullable=True)
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
