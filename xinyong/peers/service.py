"""Use cases of peer recognition (QZ art. 6, FZ art. 7): fetch and pin each peer's certificate,
recognise a report a peer signed, publish this platform's punitive entries for peers, and copy
each peer's entries here (following the origin's removals). Flushes, never commits."""
from __future__ import annotations

import dataclasses

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.audit import record_event
from xinyong.config import get_settings
from xinyong.law import active_profile
from xinyong.models.peer import ForeignListEntry
from xinyong.peers import repository, rules
from xinyong.peers.rules import Peer, PeerConfigError

TIMEOUT = 15.0
PAGE = 200
MAX_PAGES = 500


class PeerError(RuntimeError):
    pass


def configured() -> tuple[Peer, ...]:
    return rules.load_peers()


def _client(transport: httpx.BaseTransport | None = None) -> httpx.Client:
    return httpx.Client(timeout=TIMEOUT, transport=transport, follow_redirects=False)


# ---- certificates: fetched from the peer, accepted only with the pinned fingerprint ----------------

def fingerprint_of(pem: bytes) -> str:
    try:
        return x509.load_pem_x509_certificate(pem).fingerprint(hashes.SHA256()).hex()
    except ValueError as exc:
        raise PeerError("not a PEM certificate") from exc


def fetch_certificate(session: Session, peer: Peer, client: httpx.Client) -> str:
    """The peer's published certificate, stored only if its SHA-256 is the pinned one."""
    response = client.get(peer.certificate_url)
    if response.status_code != 200:
        raise PeerError(f"{peer.key}: certificate: HTTP {response.status_code}")
    found = fingerprint_of(response.content)
    if found != peer.fingerprint:
        raise PeerError(f"{peer.key}: the published certificate has SHA-256 {found}, not the pinned "
                        f"{peer.fingerprint}: refused")
    repository.save_certificate(session, peer.key, found, response.content.decode("ascii"), peer.certificate_url,
                                clock.now())
    return found


def recognised_certificates(session: Session, peers: tuple[Peer, ...] | None = None) -> list[tuple[Peer, bytes]]:
    """(peer, PEM) of each configured peer whose stored certificate still has the pinned
    fingerprint (a changed pin drops the old certificate until the new one is fetched)."""
    peers = configured() if peers is None else peers
    stored = repository.certificates(session) if peers else {}
    out = []
    for peer in peers:
        row = stored.get(peer.key)
        if row is not None and row.fingerprint == peer.fingerprint and fingerprint_of(row.pem.encode()) == peer.fingerprint:
            out.append((peer, row.pem.encode()))
    return out


@dataclasses.dataclass(frozen=True)
class PeerSignature:
    peer: Peer
    valid: bool
    problem: str


def recognise(session: Session, pdf: bytes) -> PeerSignature | None:
    """The first recognised peer whose certificate signed `pdf` (valid, or altered since), or None."""
    from xinyong.reports import signing
    for peer, pem in recognised_certificates(session):
        sig = signing.check(pdf, certificate_pem=pem)
        if sig.by_platform:
            return PeerSignature(peer, sig.valid, sig.problem)
    return None


def entries_in_force(session: Session, uscc: str, today) -> list[tuple[Peer, ForeignListEntry]]:
    """A subject's entries in force on configured peers' punitive lists (by USCC)."""
    peers = {p.key: p for p in configured()}
    return [(peers[e.peer], e) for e in repository.in_force_for(session, uscc, tuple(peers), today)]


# ---- the origin's publication: its punitive entries of organisations ------------------------------

def published_entries(session: Session, limit: int, offset: int) -> dict:
    base = get_settings().base_url.rstrip("/")
    profile = active_profile().name
    entries = []
    for entry, proposal, subject in repository.own_published(session, limit, offset):
        ended = entry.status in ("removed", "expired")
        entries.append({
            "origin_entry_id": entry.id, "kind": entry.kind, "uscc": subject.uscc, "name": subject.name,
            "decided_on": entry.decided_on, "listed_on": entry.listed_on, "period_end": entry.period_end,
            "decision_ref": f"{profile}-list-decision-{entry.id}", "decision_url": f"{base}/lists/entries/{entry.id}/decision",
            "legal_basis": proposal.legal_basis, "citation": entry.citation,
            "status": "removed" if ended else "active", "removed_on": entry.removed_on if ended else None,
            "removal_reason": entry.removal_reason if ended else None})
    return {"platform": profile, "base_url": base, "generated_on": clock.today(), "entries": entries}


# ---- the sync: copy a peer's entries, follow its removals -----------------------------------------

@dataclasses.dataclass
class SyncResult:
    peer: str
    added: int = 0
    updated: int = 0
    removed: int = 0
    error: str = ""


def _pages(peer: Peer, client: httpx.Client):
    for page in range(MAX_PAGES):
        response = client.get(peer.entries_url, params={"limit": PAGE, "offset": page * PAGE})
        if response.status_code != 200:
            raise PeerError(f"{peer.key}: list entries: HTTP {response.status_code}")
        items = response.json().get("entries") or []
        yield [rules.parse_entry(i) for i in items]
        if len(items) < PAGE:
            return
    raise PeerError(f"{peer.key}: more than {MAX_PAGES * PAGE} entries")


def sync_peer(session: Session, peer: Peer, client: httpx.Client) -> SyncResult:
    """Fetch the certificate (pinned) and every published entry; entries removed at origin are
    marked removed with the origin's date and reason; entries no longer published end too."""
    result, today, now = SyncResult(peer.key), clock.today(), clock.now()
    fetch_certificate(session, peer, client)
    known, seen = repository.foreign_by_origin(session, peer.key), set()
    for batch in _pages(peer, client):
        for e in batch:
            seen.add(e.origin_entry_id)
            fields = {f.name: getattr(e, f.name) for f in dataclasses.fields(e)}
            row = known.get(e.origin_entry_id)
            if row is None:
                session.add(ForeignListEntry(peer=peer.key, synced_at=now, **fields))
                result.added += 1
                continue
            if row.status == "active" and e.status == "removed":
                result.removed += 1
            elif any(getattr(row, k) != v for k, v in fields.items()):
                result.updated += 1
            for k, v in fields.items():
                setattr(row, k, v)
            row.synced_at = now
    session.flush()
    result.removed += repository.end_missing(session, peer.key, seen, today)
    record_event(session, None, "peers.sync", target_type="peer", target_id=peer.key,
                 details={"peer": peer.key, "added": result.added, "updated": result.updated, "removed": result.removed})
    return result


def sync_all(session: Session, transport: httpx.BaseTransport | None = None) -> list[SyncResult]:
    results = []
    with _client(transport) as client:
        for peer in configured():
            try:
                with session.begin_nested():   # a failing peer leaves nothing half-copied
                    results.append(sync_peer(session, peer, client))
            except (PeerError, PeerConfigError, httpx.HTTPError, ValueError) as exc:
                results.append(SyncResult(peer.key, error=str(exc)))
    return results


def sync_job(payload: dict) -> dict:
    """The worker's `peers.sync` job (every hour when XINYONG_PEERS_FILE is set; XINYONG_WORKER_SCHEDULES changes it):
    what synced is committed; a failed peer fails the job, which the worker retries."""
    from xinyong.db import session_scope
    with session_scope() as session:
        results = sync_all(session)
    failed = [f"{r.peer}: {r.error}" for r in results if r.error]
    if failed:
        raise PeerError("; ".join(failed))
    return {r.peer: {"added": r.added, "updated": r.updated, "removed": r.removed} for r in results}
