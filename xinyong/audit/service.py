"""The audit log's use cases (QZ art. 14-15, FZ art. 12): record an event in the caller's
transaction, sign checkpoints over every chain head, verify the whole log, search it.

Recording locks one chain's head row until the caller's transaction ends, so record
events late in a transaction, and keep transactions that record events short. A
transaction that records events for several subjects locks several chains; PostgreSQL
detects the rare deadlock between two such transactions and aborts one of them.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import os
import re
from collections.abc import Iterator

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.audit import repository, rules
from xinyong.audit.repository import EntryFilter
from xinyong.audit.rules import EntryFields
from xinyong.audit.verification import ChainCheck, ChainSummary, Problem, VerifyReport, unknown_key_message
from xinyong.config import get_settings
from xinyong.kit.access import Principal
from xinyong.kit.errors import InvalidInput
from xinyong.models import AuditCheckpoint, AuditEntry
from xinyong.transparency.rules import HEAD_AFTER_ACTIONS
from xinyong.transparency.trigger import HEAD_DUE

VERIFY_CHUNK = 5000
_ACTION = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")


def record_event(session: Session, actor: Principal | None, action: str, *, target_type: str = "",
                 target_id: str | int = "", subject_id: int | None = None, details: dict | None = None) -> AuditEntry:
    """Append one event to the audit log, in the caller's transaction (flushed, not committed).

    `actor` is who did it (None: the platform itself, e.g. a scheduled job). `details` are
    facts about the action (counts, codes, outcomes) and never personal data: no resident
    ID numbers, passwords, tokens or anything FZ art. 11 forbids; values that look like a
    resident ID are refused (AuditDetailsError), and so are floats (use int or str)."""
    target_id = str(target_id)
    _check_names(action, target_type, target_id)
    clean = rules.check_details(details)
    subject_id = None if subject_id is None else int(subject_id)
    chain = rules.chain_for(subject_id, get_settings().audit_chains)
    user_id, org_id, label = actor_fields(actor)
    seq, prev_hash = repository.lock_head(session, chain)
    fields = EntryFields(chain=chain, seq=seq + 1, at=clock.now(), actor_user_id=user_id, actor_org_id=org_id,
                         actor=label, action=action, target_type=target_type, target_id=target_id,
                         subject_id=subject_id, details=clean, prev_hash=prev_hash)
    entry = repository.append(session, fields, fields.hash())
    if action in HEAD_AFTER_ACTIONS:
        session.info[HEAD_DUE] = True  # xinyong.transparency.trigger signs a head after commit
    return entry


def _check_names(action: str, target_type: str, target_id: str) -> None:
    if not _ACTION.match(action or "") or len(action) > 64:
        raise ValueError(f"audit action {action!r}: dotted lower-case words, at most 64 characters")
    if len(target_type) > 32 or len(target_id) > 64:
        raise ValueError("audit target_type is at most 32 characters, target_id at most 64")
    if rules.looks_like_resident_id(target_id):
        raise rules.AuditDetailsError("audit target_id looks like a resident ID number")


def actor_fields(actor: Principal | None) -> tuple[int | None, int | None, str]:
    """(user id, organisation id, label) of who acted: "system" for the platform itself."""
    if actor is None:
        return None, None, "system"
    label = rules.redact(actor.username) or ("anonymous" if actor.user_id is None else f"user:{actor.user_id}")
    return actor.user_id, actor.agency_id, label[:100]


def command_line_actor() -> Principal:
    """Whoever runs `xinyong` on the server, named by their operating-system account."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = f"uid{os.getuid()}" if hasattr(os, "getuid") else "unknown"
    return Principal(user_id=None, username=f"cli:{name}"[:100], role="admin", via="cli")


# ---- keys and checkpoints ------------------------------------------------------------------

def signing_key() -> Ed25519PrivateKey:
    return rules.private_key(get_settings().audit_signing_key_bytes())


def accepted_keys() -> dict[str, Ed25519PublicKey]:
    """Public keys by key id: the current key's, and those kept for rotated-out keys."""
    current = signing_key().public_key()
    keys = {rules.key_id(current): current}
    for part in get_settings().audit_public_keys.split(","):
        if part.strip():
            public = rules.public_key_from_b64(part)
            keys[rules.key_id(public)] = public
    return keys


def create_checkpoint(session: Session) -> AuditCheckpoint:
    """Sign every chain head at once. Reads the heads without locking them: appends go on."""
    heads_doc = rules.heads_document(repository.heads(session))
    at = clock.now()
    key = signing_key()
    checkpoint = AuditCheckpoint(at=at, heads=heads_doc, key_id=rules.key_id(key.public_key()),
                                 signature=rules.sign(key, rules.checkpoint_payload(heads_doc, at)))
    session.add(checkpoint)
    session.flush()
    return checkpoint


# ---- verification --------------------------------------------------------------------------

def verify(session: Session, chunk: int = VERIFY_CHUNK) -> VerifyReport:
    """Walk every chain in seq order, `chunk` entries at a time, and every checkpoint.

    Reads the committed log through its own connection, in one snapshot on PostgreSQL
    (REPEATABLE READ), so appends made meanwhile neither disturb it nor are blocked."""
    with _snapshot(session) as snap:
        signed, good_checkpoints, problems = _checkpoints(snap, chunk)
        heads = repository.heads(snap)
        summaries, found, total = [], [], 0
        for chain in sorted(repository.chains_present(snap) | set(signed)):
            check = ChainCheck(chain, heads.get(chain), signed.get(chain, {}))
            problem = _walk(snap, check, chunk)
            total += check.count
            summaries.append(ChainSummary(chain, check.count, heads[chain][0] if chain in heads else None,
                                          problem is None))
            if problem is not None:
                found.append(problem)
        from xinyong.transparency.verification import verify_log  # the tree over the chains
        heads_checked, tree_problems = verify_log(snap, chunk=chunk)
    return VerifyReport(at=clock.now(), chains=summaries, entries=total, checkpoints=good_checkpoints,
                        problems=found + problems + tree_problems, heads=heads_checked)


@contextlib.contextmanager
def _snapshot(session: Session) -> Iterator[Session]:
    engine = session.get_bind().engine
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        elif engine.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN")  # one read snapshot for the whole walk (WAL)
        with Session(bind=conn) as snap:
            try:
                yield snap
            finally:
                snap.rollback()


def _checkpoints(snap: Session, chunk: int) -> tuple[dict[int, dict[int, list[tuple[int, str]]]], int, list[Problem]]:
    """What validly signed checkpoints say about each chain: {chain: {seq: [(id, hash)]}}."""
    keys = accepted_keys()
    signed: dict[int, dict[int, list[tuple[int, str]]]] = {}
    problems: list[Problem] = []
    good = 0
    for cp in repository.iter_checkpoints(snap, chunk):
        if cp.key_id not in keys:   # not evidence of tampering: this installation lacks the key
            problems.append(Problem("unknown_key", None, None, None, unknown_key_message(f"checkpoint {cp.id}",
                                                                                         cp.key_id),
                                    checkpoint_id=cp.id))
            continue
        if not _signature_ok(cp, keys):
            problems.append(Problem("bad_checkpoint_signature", None, None, None,
                                    f"checkpoint {cp.id} (key {cp.key_id}): the signature does not verify with "
                                    "any accepted public key: the checkpoint or its heads were altered",
                                    checkpoint_id=cp.id))
            continue
        good += 1
        for chain, (seq, digest) in cp.heads.items():
            signed.setdefault(int(chain), {}).setdefault(int(seq), []).append((cp.id, digest))
    return signed, good, problems


def _signature_ok(cp: AuditCheckpoint, keys: dict[str, Ed25519PublicKey]) -> bool:
    key = keys.get(cp.key_id)
    if key is None or not isinstance(cp.heads, dict):
        return False
    try:
        payload = rules.checkpoint_payload(cp.heads, cp.at)
    except (TypeError, ValueError):
        return False
    return rules.signature_ok(key, payload, cp.signature)


def _walk(snap: Session, check: ChainCheck, chunk: int) -> Problem | None:
    """Feed one chain to its check with one entry of look-ahead; stop at the first problem."""
    held = None
    for entry in repository.iter_chain(snap, check.chain, chunk):
        if held is not None:
            problem = check.feed(held, entry)
            if problem is not None:
                return problem
        held = entry
    if held is not None:
        problem = check.feed(held, None)
        if problem is not None:
            return problem
    return check.finish()


def verify_as(session: Session, actor: Principal | None) -> VerifyReport:
    """Verify, and record who asked and what they were told."""
    report = verify(session)
    first = report.first_problem
    details = {"ok": report.ok, "entries": report.entries, "checkpoints": report.checkpoints,
               "problems": len(report.problems)}
    if first is not None:
        details["first_problem"] = {"kind": first.kind, "chain": first.chain, "seq": first.seq,
                                    "entry_id": first.entry_id, "checkpoint_id": first.checkpoint_id}
    record_event(session, actor, "audit.verify", target_type="audit_log", details=details)
    return report


# ---- search --------------------------------------------------------------------------------

def entry_filter(*, action: str | None = None, actor: str | None = None, target_type: str | None = None,
                 target_id: str | None = None, subject_id: int | None = None, from_day: dt.date | None = None,
                 to_day: dt.date | None = None) -> EntryFilter:
    """A search filter; days are China Standard Time calendar days, `to_day` inclusive."""
    def start(day: dt.date | None, days_after: int = 0) -> dt.datetime | None:
        """The first instant of a day; None (no bound) at the ends of the calendar."""
        try:
            day = day + dt.timedelta(days=days_after)
            return dt.datetime.combine(day, dt.time(0), clock.CHINA_TZ).astimezone(dt.timezone.utc)
        except (OverflowError, TypeError):
            return None

    clean = {k: (v.strip() or None) if isinstance(v, str) else v
             for k, v in {"action": action, "actor": actor, "target_type": target_type,
                          "target_id": target_id}.items()}
    return EntryFilter(**clean, subject_id=subject_id, at_from=start(from_day), at_to=start(to_day, 1))


def search_entries(session: Session, reader: Principal, flt: EntryFilter, *, limit: int = 50,
                   offset: int = 0) -> list[AuditEntry]:
    """Entries matching the filter, newest first. Reading the audit log is itself recorded."""
    terms = flt.as_details()
    if rules.details_problem(terms):
        raise InvalidInput("检索条件不得包含居民身份证号码等个人信息", field="target_id",
                           message_en="search terms may not contain a resident ID number or other personal data")
    entries = repository.search(session, flt, limit, offset)
    record_event(session, reader, "audit.read", target_type="audit_log", subject_id=flt.subject_id,
                 details={"filter": terms, "limit": limit, "offset": offset, "returned": len(entries)})
    return entries
