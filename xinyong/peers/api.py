"""Peer exchange: this platform's punitive entries of organisations (public, in force and ended)
and of natural persons (under the region's pseudonym, to a recognised peer's signed request
only), for peer platforms that apply them (QZ art. 6, FZ art. 7); and the peers it recognises."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from xinyong.kit.access import Principal, allow
from xinyong.kit.web import get_session
from xinyong.peers import service
from xinyong.peers.schemas import PeerEntriesOut, PersonEntriesOut, RecognisedPeerOut

router = APIRouter(tags=["peer platforms 互认城市"])


@router.get("/api/v1/peers/list-entries", response_model=PeerEntriesOut, dependencies=[allow("public")])
def list_entries(limit: int = Query(200, ge=1, le=200), offset: int = Query(0, ge=0, le=10_000_000),
                 session: Session = Depends(get_session)):
    """Punitive list entries of organisations published here, with decision, citation and removal
    (natural persons travel on /api/v1/peers/person-entries, to a recognised peer only)."""
    return service.published_entries(session, limit, offset)


@router.get("/api/v1/peers/person-entries", response_model=PersonEntriesOut)
def person_entries(limit: int = Query(200, ge=1, le=200), offset: int = Query(0, ge=0, le=10_000_000),
                   principal: Principal = allow("peer"), session: Session = Depends(get_session)):
    """Punitive list entries of natural persons published here, each person by the region's
    pseudonym (HMAC-SM3 of the shared region key over the resident ID) and masked name, to a
    recognised peer's signed request only; each person's access log names the peer."""
    out = service.published_person_entries(session, principal, limit, offset)
    session.commit()     # the access-log entries, the audit entry and the pseudonyms kept
    return out


@router.get("/api/v1/peers", response_model=list[RecognisedPeerOut], dependencies=[allow("public")])
def peers(session: Session = Depends(get_session)):
    """The peer platforms whose reports and lists this platform recognises, with pinned fingerprints."""
    fetched = {p.key for p, _ in service.recognised_certificates(session)}
    return [RecognisedPeerOut(key=p.key, name_zh=p.name_zh, name_en=p.name_en, base_url=p.base_url,
                              certificate_sha256=p.fingerprint, basis=p.basis, certificate_fetched=p.key in fetched)
            for p in service.configured()]
