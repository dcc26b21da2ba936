"""The credit department's view of regional cooperation (/staff/peers; QZ art. 6, FZ art. 7):
the peer cities recognised here, each with its pinned certificate and whether it is held, whether
natural persons are exchanged (the region key's id, never the key), and the entries copied from
the peers' punitive lists: an organisation by name and USCC, a person by masked name only (the
pseudonym matches a person here in the joint check; it is not shown)."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from xinyong.kit.access import Principal, allow
from xinyong.kit.text import CodeQuery
from xinyong.kit.web import get_session, render
from xinyong.peers import repository, service

router = APIRouter(include_in_schema=False)
SHOWN = 200
# the removal reasons an origin gives (xinyong.lists) and the sync's own; any other is "other"
REASONS = ("repaired", "expired", "conditions_met", "criteria_broken", "no_longer_published")


@router.get("/staff/peers")
def peers_page(request: Request, peer: str = CodeQuery("", max_length=64), principal: Principal = allow("staff", "admin"),
               session: Session = Depends(get_session)):
    configured = service.configured()
    held = {p.key for p, _ in service.recognised_certificates(session, configured)}
    known = {p.key for p in configured}
    entries = repository.listed(session, peer if peer in known else None, limit=SHOWN)
    return render(request, "peers/status.html", {
        "peers": configured, "held": held, "names": {p.key: p for p in configured},
        "persons": service.persons_status(), "entries": entries, "peer": peer, "shown": SHOWN, "reasons": REASONS})
