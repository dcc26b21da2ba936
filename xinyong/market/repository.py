"""Queries of market credit information: providers, authorisations, and the one definition of
a market record in view (``in_view_condition``), used by every output that shows one."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session

from xinyong.models import Agency, Record, Subject
from xinyong.models.market import MarketAuthorisation, MarketProvider

MARKET = "market"   # the catalogue disclosure of market items (xinyong/catalogue/loader.py)
RECORDS_LIMIT = 500


# ---- providers -------------------------------------------------------------------------------------

def provider_of_agency(session: Session, agency_id: int | None) -> MarketProvider | None:
    if agency_id is None:
        return None
    return session.scalar(select(MarketProvider).where(MarketProvider.agency_id == agency_id))


def providers(session: Session, status: str | None = None, limit: int = 200) -> list[tuple[MarketProvider, Agency]]:
    q = select(MarketProvider, Agency).join(Agency, Agency.id == MarketProvider.agency_id)
    if status:
        q = q.where(MarketProvider.status == status)
    return [tuple(r) for r in session.execute(q.order_by(MarketProvider.id).limit(limit))]


def provider_with_agency(session: Session, provider_id: int) -> tuple[MarketProvider, Agency] | None:
    row = session.execute(select(MarketProvider, Agency).join(Agency, Agency.id == MarketProvider.agency_id)
                          .where(MarketProvider.id == provider_id)).first()
    return tuple(row) if row else None


# ---- authorisations ----------------------------------------------------------------------------------

def in_force_condition(today, a=MarketAuthorisation):
    """SQLAlchemy twin of ``rules.in_force`` on the day of submission or display: inside the
    validity and never revoked (a revocation is always on or before today)."""
    return and_(a.valid_from <= today, (a.valid_to.is_(None)) | (a.valid_to >= today), a.revoked_at.is_(None))


def authorised_usccs(session: Session, provider_id: int, item_code: str, today: dt.date) -> set[str]:
    """The USCCs of every subject with an authorisation to the provider for the item in force
    today: one query for a whole batch (ix_market_authorisations_provider_item)."""
    q = (select(Subject.uscc).join(MarketAuthorisation, MarketAuthorisation.subject_id == Subject.id)
         .where(MarketAuthorisation.provider_id == provider_id, MarketAuthorisation.item_code == item_code,
                in_force_condition(today), Subject.uscc.is_not(None)).distinct())
    return set(session.scalars(q))


def authorisations_of_subject(session: Session, subject_id: int) -> list[tuple[MarketAuthorisation, str]]:
    q = (select(MarketAuthorisation, Agency.name)
         .join(MarketProvider, MarketProvider.id == MarketAuthorisation.provider_id)
         .join(Agency, Agency.id == MarketProvider.agency_id)
         .where(MarketAuthorisation.subject_id == subject_id)
         .order_by(MarketAuthorisation.granted_at.desc(), MarketAuthorisation.id.desc()))
    return [tuple(r) for r in session.execute(q)]


def authorisations_to_provider(session: Session, provider_id: int, limit: int = 500):
    q = (select(MarketAuthorisation, Subject.name, Subject.uscc)
         .join(Subject, Subject.id == MarketAuthorisation.subject_id)
         .where(MarketAuthorisation.provider_id == provider_id)
         .order_by(MarketAuthorisation.id.desc()).limit(limit))
    return [tuple(r) for r in session.execute(q)]


# ---- market records ---------------------------------------------------------------------------------

def in_view_condition(today, record=Record, *, public: bool = False):
    """A market record is shown (labelled, apart from public information) while it is active,
    its provider is approved (not withdrawn), and its subject's authorisation to that provider
    for its item is in force today: revoking the authorisation or withdrawing the record or the
    provider takes it out of view at once. ``public``: shown to anyone, which also needs that
    authorisation to authorise publication (QZ art. 15 item 3); otherwise the subject's own view."""
    r = record
    conditions = [MarketAuthorisation.subject_id == r.subject_id, MarketAuthorisation.provider_id == MarketProvider.id,
                  MarketAuthorisation.item_code == r.item_code, in_force_condition(today)]
    if public:
        conditions.append(MarketAuthorisation.publication.is_(True))
    authorised = exists(select(MarketAuthorisation.id).where(*conditions))
    return and_(r.disclosure == MARKET, r.status == "active", MarketProvider.status == "approved", authorised)


def records_in_view(session: Session, subject_id: int, today: dt.date, limit: int = RECORDS_LIMIT, *,
                    public: bool) -> list[tuple[Record, str]]:
    """(record, provider name) of a subject's market information in view, newest first: to
    anyone (``public``) or to the subject itself."""
    q = (select(Record, Agency.name)
         .join(MarketProvider, MarketProvider.agency_id == Record.source_agency_id)
         .join(Agency, Agency.id == Record.source_agency_id)
         .where(Record.subject_id == subject_id, in_view_condition(today, public=public))
         .order_by(Record.decision_date.desc(), Record.id.desc()).limit(limit))
    return [tuple(r) for r in session.execute(q)]


def records_of_provider(session: Session, agency_id: int, limit: int = 200) -> list[tuple[Record, str]]:
    """A provider's own market records, any status, with their subjects' names."""
    q = (select(Record, Subject.name).join(Subject, Subject.id == Record.subject_id)
         .where(Record.source_agency_id == agency_id, Record.disclosure == MARKET)
         .order_by(Record.id.desc()).limit(limit))
    return [tuple(r) for r in session.execute(q)]
