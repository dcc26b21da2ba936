"""Public peer exchange: this platform's punitive entries of organisations (in force and ended),
for peer platforms that apply them (QZ art. 6, FZ art. 7); and the peers it recognises."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from xinyong.kit.access import allow
from xinyong.kit.web import get_session
from xinyong.peers import service
from xinyong.peers.schemas import PeerEntriesOut, RecognisedPeerOut

router = APIRouter(tags=["peer platforms 互认城市"])


@router.get("/api/v1/peers/list-entries", response_model=PeerEntriesOut, dependencies=[allow("public")])
def list_entries(limit: int = Query(200, ge=1, le=200), offset: int = Query(0, ge=0, le=10_000_000),
                 session: Session = Depends(get_session)):
    """Punitive list entries of organisations published here, with decision, citation and removal
    (natural persons are not exchanged)."""
    return service.published_entries(session, limit, offset)


@router.get("/api/v1/peers", response_model=list[RecognisedPeerOut], dependencies=[allow("public")])
def peers(session: Session = Depends(get_session)):
    """The peer platforms whose reports and lists this platform recognises, with pinned fingerprints."""
    fetched = {p.key for p, _ in service.recognised_certificates(session)}
    return [RecognisedPeerOut(key=p.key, name_zh=p.name_zh, name_en=p.name_en, base_url=p.base_url,
                              certificate_sha256=p.fingerprint, basis=p.basis, certificate_fetched=p.key in fetched)
            for p in service.configured()]
