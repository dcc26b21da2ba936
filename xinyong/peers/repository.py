"""Reads and writes of peer certificates and foreign list entries; the origin's publication of
its own punitive entries (organisations by USCC; natural persons for the token), in one query
each; the kept pseudonyms of local natural persons."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, exists, or_, select, update
from sqlalchemy.orm import Session

from xinyong.models import Subject
from xinyong.models.access import AccessLog
from xinyong.models.listing import ListEntry, ListProposal
from xinyong.models.peer import ForeignListEntry, PeerCertificate, PeerRequest, PeerToken
from xinyong.peers.rules import PERSON_KINDS


def certificates(session: Session) -> dict[str, PeerCertificate]:
    return {c.peer: c for c in session.scalars(select(PeerCertificate))}


def save_certificate(session: Session, peer: str, fingerprint: str, pem: str, url: str, now: dt.datetime) -> None:
    row = session.get(PeerCertificate, peer)
    if row is None:
        session.add(PeerCertificate(peer=peer, fingerprint=fingerprint, pem=pem, source_url=url, fetched_at=now))
    else:
        row.fingerprint, row.pem, row.source_url, row.fetched_at = fingerprint, pem, url, now
    session.flush()


def own_published(session: Session, kinds: tuple[str, ...], limit: int, offset: int, persons: bool = False,
                  today: dt.date | None = None) -> list[tuple[ListEntry, ListProposal, Subject]]:
    """This platform's punitive entries that were published: of organisations with a USCC, in
    force or ended (removed / expired) so that a peer follows the end; of natural persons with a
    resident ID (``persons``), in force on ``today`` only."""
    if persons:   # in force only (minimum necessary): an ended entry stops travelling, and ends there
        whom = (Subject.kind.in_(PERSON_KINDS), Subject.resident_id_hash.is_not(None), ListEntry.status == "active",
                or_(ListEntry.period_end.is_(None), ListEntry.period_end >= today))
    else:
        whom = (Subject.kind.not_in(PERSON_KINDS), Subject.uscc.is_not(None),
                ListEntry.status.in_(("active", "removed", "expired")))
    stmt = (select(ListEntry, ListProposal, Subject)
            .join(ListProposal, ListProposal.id == ListEntry.proposal_id)
            .join(Subject, Subject.id == ListEntry.subject_id)
            .where(ListEntry.kind.in_(kinds), ListEntry.listed_on.is_not(None), *whom)
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


def _in_force(peers: tuple[str, ...], today: dt.date):
    return (ForeignListEntry.peer.in_(peers), ForeignListEntry.status == "active",
            or_(ForeignListEntry.period_end.is_(None), ForeignListEntry.period_end >= today))


def in_force_for(session: Session, uscc: str | None, peers: tuple[str, ...], today: dt.date) -> list[ForeignListEntry]:
    """A subject's foreign entries in force today, from the configured peers only."""
    if not uscc or not peers:
        return []
    return list(session.scalars(select(ForeignListEntry).where(
        ForeignListEntry.uscc == uscc.upper(), *_in_force(peers, today)).order_by(ForeignListEntry.id)))


def person_entries_in_force(session: Session, token: str, peers: tuple[str, ...], today: dt.date
                            ) -> list[ForeignListEntry]:
    """A natural person's foreign entries in force today (by the region's pseudonym)."""
    return list(session.scalars(select(ForeignListEntry).where(
        ForeignListEntry.person_token == token, *_in_force(peers, today)).order_by(ForeignListEntry.id)))


def any_person_in_force(session: Session, peers: tuple[str, ...], today: dt.date) -> bool:
    """Is any natural person's entry in force from the configured peers? (Else no pseudonym is
    needed, and no resident ID is opened.)"""
    if not peers:
        return False
    return bool(session.scalar(select(exists().where(ForeignListEntry.person_token.is_not(None),
                                                     *_in_force(peers, today)))))


def first_use(session: Session, peer: str, nonce: str, at: dt.datetime, forget_before: dt.datetime) -> None:
    """Keep a signed request's nonce (a second use raises IntegrityError); nonces older than any
    fresh request are forgotten."""
    session.execute(delete(PeerRequest).where(PeerRequest.at < forget_before))
    session.add(PeerRequest(peer=peer, nonce=nonce, at=at))
    session.flush()


def told_today(session: Session, purpose: str, subject_ids: list[int], since: dt.datetime) -> set[int]:
    """The persons whose access log already names this peer since ``since`` (start of the day)."""
    if not subject_ids:
        return set()
    return set(session.scalars(select(AccessLog.subject_id).where(
        AccessLog.at >= since, AccessLog.role == "peer", AccessLog.purpose == purpose,
        AccessLog.subject_id.in_(subject_ids))))


def kept_tokens(session: Session, subject_ids: list[int], key_id: str) -> dict[int, str]:
    if not subject_ids:
        return {}
    return dict(session.execute(select(PeerToken.subject_id, PeerToken.token).where(
        PeerToken.subject_id.in_(subject_ids), PeerToken.key_id == key_id)).all())


def keep_tokens(session: Session, tokens: dict[int, str], key_id: str, now: dt.datetime) -> None:
    """Keep (or replace, after a new region key) the pseudonyms just derived."""
    if not tokens:
        return
    session.execute(delete(PeerToken).where(PeerToken.subject_id.in_(list(tokens))))
    session.add_all([PeerToken(subject_id=s, key_id=key_id, token=t, derived_at=now) for s, t in tokens.items()])
    session.flush()


def listed(session: Session, peer: str | None = None, limit: int = 200) -> list[ForeignListEntry]:
    stmt = select(ForeignListEntry).order_by(ForeignListEntry.peer, ForeignListEntry.origin_entry_id).limit(limit)
    if peer:
        stmt = stmt.where(ForeignListEntry.peer == peer)
    return list(session.scalars(stmt))


