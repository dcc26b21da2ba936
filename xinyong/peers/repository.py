"""Reads and writes of peer certificates and foreign list entries; the origin's publication of
its own punitive entries (organisations only, in force or removed), in one query each."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from xinyong.models import Subject
from xinyong.models.listing import ListEntry, ListProposal
from xinyong.models.peer import ForeignListEntry, PeerCertificate
from xinyong.peers.rules import PUNITIVE_KINDS


def certificates(session: Session) -> dict[str, PeerCertificate]:
    return {c.peer: c for c in session.scalars(select(PeerCertificate))}


def save_certificate(session: Session, peer: str, fingerprint: str, pem: str, url: str, now: dt.datetime) -> None:
    row = session.get(PeerCertificate, peer)
    if row is None:
        session.add(PeerCertificate(peer=peer, fingerprint=fingerprint, pem=pem, source_url=url, fetched_at=now))
    else:
        row.fingerprint, row.pem, row.source_url, row.fetched_at = fingerprint, pem, url, now
    session.flush()


def own_published(session: Session, limit: int, offset: int) -> list[tuple[ListEntry, ListProposal, Subject]]:
    """This platform's punitive entries of organisations that were published: in force, or
    ended (removed / expired) so that a peer follows the end."""
    stmt = (select(ListEntry, ListProposal, Subject)
            .join(ListProposal, ListProposal.id == ListEntry.proposal_id)
            .join(Subject, Subject.id == ListEntry.subject_id)
            .where(ListEntry.kind.in_(PUNITIVE_KINDS), ListEntry.listed_on.is_not(None),
                   Subject.kind != "natural_person", Subject.uscc.is_not(None),
                   ListEntry.status.in_(("active", "removed", "expired")))
            .order_by(ListEntry.id).limit(limit).offset(offset))
    return [tuple(r) for r in session.execute(stmt)]


def foreign_by_origin(session: Session, peer: str) -> dict[int, ForeignListEntry]:
    return {e.origin_entry_id: e for e in session.scalars(select(ForeignListEntry)
                                                          .where(ForeignListEntry.peer == peer))}


def end_missing(session: Session, peer: str, seen: set[int], today: dt.date) -> int:
    """Entries the peer no longer publishes at all: ended here too (withdrawn at origin)."""
    stmt = (update(ForeignListEntry).where(ForeignListEntry.peer == peer, ForeignListEntry.status == "active",
                                           ForeignListEntry.origin_entry_id.not_in(seen or {0}))
            .values(status="removed", removed_on=today, removal_reason="no_longer_published"))
    return session.execute(stmt).rowcount or 0


def in_force_for(session: Session, uscc: str | None, peers: tuple[str, ...], today: dt.date) -> list[ForeignListEntry]:
    """A subject's foreign entries in force today, from the configured peers only."""
    if not uscc or not peers:
        return []
    return list(session.scalars(select(ForeignListEntry).where(
        ForeignListEntry.uscc == uscc.upper(), ForeignListEntry.peer.in_(peers), ForeignListEntry.status == "active",
        or_(ForeignListEntry.period_end.is_(None), ForeignListEntry.period_end >= today)).order_by(ForeignListEntry.id)))


def listed(session: Session, peer: str | None = None, limit: int = 200) -> list[ForeignListEntry]:
    stmt = select(ForeignListEntry).order_by(ForeignListEntry.peer, ForeignListEntry.origin_entry_id).limit(limit)
    if peer:
        stmt = stmt.where(ForeignListEntry.peer == peer)
    return list(session.scalars(stmt))


