"""Use cases of peer recognition (QZ art. 6, FZ art. 7): fetch and pin each peer's certificate,
recognise a report a peer signed, publish this platform's punitive entries for peers, and copy
each peer's entries here (following the origin's removals). Natural persons travel only under
the region's pseudonym, on signed requests (xinyong.peers.auth): the origin tells each person
which peer received their entry, and every opening of a resident ID to derive a pseudonym is
audited. Flushes, never commits."""
from __future__ import annotations

import dataclasses
import datetime as dt

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.access.gate import join_reason
from xinyong.access.rules import GateDecision
from xinyong.audit import record_event
from xinyong.config import get_settings
from xinyong.kit import bulk
from xinyong.kit.access import Principal
from xinyong.kit.errors import Conflict
from xinyong.kit.masking import mask_name
from xinyong.law import active_profile
from xinyong.models import Subject
from xinyong.models.access import AccessLog
from xinyong.models.peer import ForeignListEntry
from xinyong.peers import auth, repository, rules
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


def fetched_certificate(peer: Peer, client: httpx.Client) -> bytes:
    """The peer's published certificate (PEM), refused unless its SHA-256 is the pinned one."""
    response = client.get(peer.certificate_url)
    if response.status_code != 200:
        raise PeerError(f"{peer.key}: certificate: HTTP {response.status_code}")
    found = fingerprint_of(response.content)
    if found != peer.fingerprint:
        raise PeerError(f"{peer.key}: the published certificate has SHA-256 {found}, not the pinned "
                        f"{peer.fingerprint}: refused")
    return response.content


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


def entries_in_force(session: Session, subject: Subject, today, actor: Principal | None = None
                     ) -> list[tuple[Peer, ForeignListEntry]]:
    """A subject's entries in force on configured peers' punitive lists: an organisation's by
    USCC; a natural person's by the region's pseudonym, derived (its opening audited in
    ``actor``'s name) only when some person's entry is in force and the region key is set."""
    peers = {p.key: p for p in configured()}
    if subject.kind not in rules.PERSON_KINDS:
        return [(peers[e.peer], e) for e in repository.in_force_for(session, subject.uscc, tuple(peers), today)]
    if not persons_exchanged(today) or not repository.any_person_in_force(session, tuple(peers), today):
        return []
    token = pseudonyms(session, [subject], rules.region_key(), actor, "joint_check.peer_match").get(subject.id)
    if token is None:
        return []
    return [(peers[e.peer], e) for e in repository.person_entries_in_force(session, token, tuple(peers), today)]


def pseudonyms(session: Session, subjects: list[Subject], key: bytes, actor: Principal | None, purpose: str,
               **details) -> dict[int, str]:
    """Each natural person's pseudonym under the region key: kept, or derived now from the
    resident ID (each opening audited: who, whom, purpose) and kept."""
    from xinyong.subjects.opener import open_resident_id
    kid = rules.key_id(key)
    found = repository.kept_tokens(session, [s.id for s in subjects], kid)
    derived = {}
    for subject in subjects:
        if subject.id in found:
            continue
        number = open_resident_id(session, actor, subject, purpose, **details)
        if number:
            derived[subject.id] = rules.person_token(key, number)
    repository.keep_tokens(session, derived, kid, clock.now())
    return {**found, **derived}


# ---- the origin's publication: its punitive entries of organisations ------------------------------

def policy(today=None) -> tuple[rules.ExchangePolicy, object]:
    """The profile's ``peers.exchange`` rule in force (the lists shared, whether natural persons
    are) and its citation."""
    found = active_profile().rule("peers.exchange", on=today or clock.today())
    return rules.exchange_policy(found.value), found.citation


@dataclasses.dataclass(frozen=True)
class PersonsStatus:
    """Whether natural persons travel to peers: ``state`` "exchanged", "rule" (the profile's rule
    exchanges none) or "no_key" (no region key is set); the key's id when exchanged (never the
    key), and the rule's citation."""
    state: str
    key_id: str
    citation: str


def persons_status(today=None) -> PersonsStatus:
    shared, citation = policy(today)
    key = rules.region_key() if shared.persons else None
    state = "rule" if not shared.persons else "no_key" if key is None else "exchanged"
    return PersonsStatus(state, rules.key_id(key) if key is not None else "", str(citation))


def persons_exchanged(today=None) -> bool:
    """Natural persons travel: the profile's rule allows it and the region key is set."""
    return persons_status(today).state == "exchanged"


def published_entries(session: Session, limit: int, offset: int) -> dict:
    """This platform's punitive entries of organisations (by USCC and name), public to peers."""
    base, profile = get_settings().base_url.rstrip("/"), active_profile().name
    entries = [{"uscc": subject.uscc, "name": subject.name, **_published(entry, proposal, base, profile)}
               for entry, proposal, subject in repository.own_published(session, policy()[0].lists, limit, offset)]
    return {"platform": profile, "base_url": base, "generated_on": clock.today(), "entries": entries}


def _published(entry, proposal, base: str, profile: str) -> dict:
    """What a peer is told of one of this platform's list entries, whoever its subject is."""
    ended = entry.status in ("removed", "expired")
    return {"origin_entry_id": entry.id, "kind": entry.kind, "decided_on": entry.decided_on,
            "listed_on": entry.listed_on, "period_end": entry.period_end,
            "decision_ref": f"{profile}-list-decision-{entry.id}",
            "decision_url": f"{base}/lists/entries/{entry.id}/decision", "legal_basis": proposal.legal_basis,
            "citation": entry.citation, "status": "removed" if ended else "active",
            "removed_on": entry.removed_on if ended else None,
            "removal_reason": entry.removal_reason if ended else None}


def published_person_entries(session: Session, principal: Principal, limit: int, offset: int) -> dict:
    """This platform's punitive entries of natural persons, for the recognised peer that signed the
    request: each person by the region's pseudonym and masked name, never the number. Every person
    sent is told (their access log: which peer, on what basis), and the read is audited."""
    peer = auth.peer_of(principal)
    shared, citation = policy()
    if not shared.persons:
        raise Conflict(f"本地规则不交换自然人信息（{citation}）", code="persons_not_exchanged",
                       message_en=f"this platform's rules exchange no natural persons ({citation})")
    key = rules.region_key()
    if key is None:
        raise Conflict("本平台未设置区域密钥，不交换自然人信息", code="no_region_key",
                       message_en="no region key is set here: natural persons are not exchanged")
    base, profile, now = get_settings().base_url.rstrip("/"), active_profile(), clock.now()
    rows = repository.own_published(session, shared.lists, limit, offset, persons=True, today=clock.today())
    tokens = pseudonyms(session, [subject for _, _, subject in rows], key, principal, "peer_exchange.publish",
                        peer=peer.key)
    masking = profile.rule("masking.natural_person", on=clock.today()).value["name"]
    entries = [{"person_token": tokens[subject.id], "name": mask_name(subject.name, **masking),
                **_published(entry, proposal, base, profile.name)}
               for entry, proposal, subject in rows if subject.id in tokens]
    _tell_each_person(session, peer, sorted(tokens), now, citation)
    record_event(session, principal, "peers.person_entries_read", target_type="peer", target_id=peer.key,
                 details={"peer": peer.key, "offset": offset, "entries": len(entries)})
    return {"platform": profile.name, "base_url": base, "generated_on": clock.today(), "entries": entries}


def _tell_each_person(session: Session, peer: Peer, subject_ids: list[int], now, citation) -> None:
    """An access-log entry for each person whose entry went to the peer (QZ art. 33, FZ art. 24:
    who looked at my data, and on what basis): one a day per peer, however often it syncs (every
    read is in the audit log, with its count)."""
    since = dt.datetime.combine(clock.today(), dt.time(), clock.CHINA_TZ)
    told = repository.told_today(session, peer.name_zh, subject_ids, since)
    shared = GateDecision(allowed=True, basis_kind="legal_basis", basis_ref=peer.basis[:200], citation=str(citation),
                          reason=f"shared with {peer.name_en} under the region's pseudonym",
                          reason_zh=f"向{peer.name_zh}提供失信主体名单信息（以区域假名标识）", code="peer_exchange",
                          channel="peer")
    session.add_all([AccessLog(subject_id=s, at=now, user_id=None, org_id=None, role=auth.ROLE, items=[],
                               basis_kind=shared.basis_kind, basis_ref=shared.basis_ref, purpose=peer.name_zh,
                               allowed=shared.allowed, reason=join_reason(shared), channel=shared.channel)
                     for s in subject_ids if s not in told])
    session.flush()


# ---- the sync: copy a peer's entries, follow its removals -----------------------------------------

@dataclasses.dataclass
class SyncResult:
    peer: str
    added: int = 0
    updated: int = 0
    removed: int = 0
    error: str = ""


def _pages(peer: Peer, client: httpx.Client, persons: bool = False):
    """The peer's published entries, page by page; natural persons' on signed requests only. A
    peer that exchanges no natural persons (no region key there) has none to give."""
    url = peer.person_entries_url if persons else peer.entries_url
    for page in range(MAX_PAGES):
        request = client.build_request("GET", url, params={"limit": PAGE, "offset": page * PAGE})
        if persons:
            request.headers.update(auth.signed_headers(peer, "GET", request.url))
        response = client.send(request)
        if persons and response.status_code == 409 and _code(response) in ("no_region_key", "persons_not_exchanged"):
            return
        if response.status_code != 200:
            raise PeerError(f"{peer.key}: {'person' if persons else 'list'} entries: HTTP {response.status_code}"
                            + (f" ({_code(response)})" if _code(response) else ""))
        items = response.json().get("entries") or []
        yield [rules.parse_entry(i, person=persons) for i in items]
        if len(items) < PAGE:
            return
    raise PeerError(f"{peer.key}: more than {MAX_PAGES * PAGE} entries")


def _code(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    return str((body.get("error") or {}).get("code") or body.get("code") or "") if isinstance(body, dict) else ""


@dataclasses.dataclass(frozen=True)
class Fetched:
    pem: bytes
    batches: list


def fetch(peer: Peer, client: httpx.Client) -> Fetched:
    """The peer's certificate (pinned) and every published entry (natural persons' too, under the
    region's pseudonym, when this platform holds the region key). No database: see ``sync_all``."""
    pem = fetched_certificate(peer, client)
    kinds = (False, True) if persons_exchanged() else (False,)
    return Fetched(pem, [b for persons in kinds for b in _pages(peer, client, persons)])


def store(session: Session, peer: Peer, fetched: Fetched) -> SyncResult:
    """Copy what a peer published: entries removed at origin are marked removed with the origin's
    date and reason; entries no longer published end too."""
    result, today, now = SyncResult(peer.key), clock.today(), clock.now()
    # SQLite: before the first read. The origin this platform syncs from may be syncing from it at
    # the same time, and this platform's server then writes as it answers (the persons told)
    bulk.hold_write_lock(session, "peer_certificates", "peer")
    repository.save_certificate(session, peer.key, peer.fingerprint, fetched.pem.decode("ascii"),
                                peer.certificate_url, now)
    known, seen = repository.foreign_by_origin(session, peer.key), set()
    for batch in fetched.batches:
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
    """Every peer fetched first, then stored: an origin writes as it answers (the persons told),
    so this platform holds no write lock while it waits on a peer, and two platforms syncing each
    other at once do not wait on each other's locks (SQLite)."""
    fetched, results, peers = {}, {}, configured()
    with _client(transport) as client:
        for peer in peers:
            try:
                fetched[peer.key] = (peer, fetch(peer, client))
            except (PeerError, PeerConfigError, httpx.HTTPError, ValueError) as exc:
                results[peer.key] = SyncResult(peer.key, error=str(exc))
    for key, (peer, got) in fetched.items():
        try:
            with session.begin_nested():   # a failing peer leaves nothing half-copied
                results[key] = store(session, peer, got)
        except (PeerError, PeerConfigError, ValueError) as exc:
            results[key] = SyncResult(peer.key, error=str(exc))
    return [results[p.key] for p in peers]


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
