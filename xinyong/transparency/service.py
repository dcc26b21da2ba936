"""The transparency log's use cases (issue 12): sequence appended audit entries into the
Merkle tree and sign a head; serve inclusion and consistency proofs; the keys.

`sequence` runs in the caller's transaction under the one state-row lock (appends never
take it: they only insert their id into the outbox). Publishing to the archive happens
after commit (xinyong.transparency.worker.sequence_and_publish)."""
from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.audit import rules as audit_rules
from xinyong.config import get_settings
from xinyong.kit.errors import InvalidInput, NotFound
from xinyong.models.transparency import TransparencyHead
from xinyong.transparency import merkle, repository
from xinyong.transparency.rules import TreeHead, key_id, keys_document, leaf_data

BATCH = 5000


# ---- keys ----------------------------------------------------------------------------------

def signing_key() -> Ed25519PrivateKey:
    """XINYONG_AUDIT_SIGNING_KEY (derived from the secret key only in development: `serve`
    refuses to start without an explicit key unless XINYONG_DEV=1)."""
    return audit_rules.private_key(get_settings().audit_signing_key_bytes())


def public_keys() -> dict[str, Ed25519PublicKey]:
    """The current key and the rotated-out ones (XINYONG_AUDIT_PUBLIC_KEYS), by key id."""
    current = signing_key().public_key()
    keys = {key_id(current): current}
    for part in get_settings().audit_public_keys.split(","):
        if part.strip():
            public = audit_rules.public_key_from_b64(part)
            keys[key_id(public)] = public
    return keys


def keys_doc() -> dict:
    return keys_document(public_keys())


# ---- sequencing ----------------------------------------------------------------------------

def sequence(session: Session, *, batch: int = BATCH, force_head: bool = False) -> TreeHead | None:
    """Make every pending entry a leaf, in id order, and sign a head over the new tree; the
    new head, or None when the tree did not grow and a head exists (unless `force_head`)."""
    size = repository.lock_state(session)
    first_size = size
    while True:
        waiting = repository.pending(session, batch)
        if not waiting:
            break
        ids = [i for i, _at in waiting]
        entries = {e.id: e for e in repository.entries_by_key(session, waiting)}
        present = [entries[i] for i in ids if i in entries]  # an id whose entry row is gone is not a leaf
        leaves = [merkle.leaf_hash(leaf_data(e.fields)) for e in present]
        made = merkle.new_nodes(size, leaves, lambda keys: repository.nodes(session, keys))
        repository.add_leaves(session, size, present)
        repository.add_nodes(session, {k: v for k, v in made.items() if k[1] >= (size >> k[0])})
        repository.drop_pending(session, ids)
        size += len(leaves)
    repository.set_size(session, size)
    if size == first_size and repository.latest_head(session) is not None and not force_head:
        return None
    return sign_head(session, size)


def sign_head(session: Session, size: int) -> TreeHead:
    root = merkle.root_from(size, repository.nodes(session, merkle.root_keys(size))) if size else merkle.EMPTY_ROOT
    key = signing_key()
    head = TreeHead(tree_size=size, root_hash=root.hex(), at=clock.now(), key_id=key_id(key.public_key())).signed(key)
    existing = repository.head_of_size(session, size)
    if existing is not None:
        session.delete(existing)  # the newest signature over the same tree: a fresher timestamp
        session.flush()
    repository.add_head(session, TransparencyHead(tree_size=size, root_hash=head.root_hash, at=head.at,
                                                  key_id=head.key_id, signature=head.signature))
    from xinyong.registry import run_hook
    run_hook("on_tree_head_signed", session, head.document())  # the change feed's receivers get a copy
    return head


def head_of(row: TransparencyHead) -> TreeHead:
    return TreeHead(tree_size=int(row.tree_size), root_hash=row.root_hash, at=row.at, key_id=row.key_id,
                    signature=row.signature)


def latest_head(session: Session) -> TreeHead | None:
    row = repository.latest_head(session)
    return head_of(row) if row else None


def head_at(session: Session, size: int) -> TreeHead:
    row = repository.head_of_size(session, size)
    if row is None:
        raise NotFound(f"没有规模为 {size} 的已签名树头", message_en=f"no signed tree head of size {size}")
    return head_of(row)


# ---- proofs --------------------------------------------------------------------------------

def tree_size(session: Session) -> int:
    return repository.published_size(session)


def inclusion(session: Session, leaf_index: int, size: int) -> dict:
    """The audit path of a leaf in the tree of `size` (a published head's size), and the leaf's hash."""
    keys = merkle.inclusion_keys(leaf_index, size) | {(0, leaf_index)} if 0 <= leaf_index < size else set()
    nodes, published = repository.nodes_and_published_size(session, keys)
    if not keys or size > published:
        raise InvalidInput(f"叶 {leaf_index} 不在规模为 {size} 的已发布树中", field="leaf_index",
                           message_en=f"leaf {leaf_index} is not in a published tree of size {size}")
    return {"leaf_index": leaf_index, "tree_size": size, "leaf_hash": nodes[(0, leaf_index)].hex(),
            "audit_path": [h.hex() for h in merkle.inclusion_from(leaf_index, size, nodes)]}


def consistency(session: Session, first: int, second: int) -> dict:
    keys = merkle.consistency_keys(first, second) if 0 <= first <= second else set()
    nodes, published = repository.nodes_and_published_size(session, keys)
    if not 0 <= first <= second or second > published:
        raise InvalidInput(f"无法给出规模 {first} 到 {second} 的一致性证明", field="first",
                           message_en=f"no consistency proof from size {first} to published size {second}")
    return {"first": first, "second": second,
            "consistency_path": [h.hex() for h in merkle.consistency_from(first, second, nodes)]}


def entry_proof(session: Session, entry_id: int) -> dict | None:
    """An entry's leaf (its canonical bytes), and its inclusion in the latest published head;
    None while the entry waits for the next head."""
    head = latest_head(session)
    leaf_index = repository.leaf_of_entry(session, entry_id)
    if head is None or leaf_index is None or leaf_index >= head.tree_size:
        return None
    entry = repository.entry_of_leaf(session, leaf_index)
    proof = inclusion(session, leaf_index, head.tree_size)
    return {"leaf": leaf_data(entry.fields).decode("utf-8"), "inclusion": proof, "sth": head.document()}


# ---- a credit report's place in the log ----------------------------------------------------

def report_inclusion(session: Session, report_id: int) -> dict:
    """Where the report's issuance entry (action report.issue, which holds the PDF's SHA-256)
    is in the log, with its inclusion proof checked here against the latest signed head:
    {"status": "included" | "pending" | "absent" | "failed", ...}."""
    import datetime as dt

    from sqlalchemy import select

    from xinyong.models import AuditEntry
    from xinyong.models.report import IssuedReport
    issued_at = session.scalar(select(IssuedReport.issued_at).where(IssuedReport.id == report_id))
    if issued_at is None:
        return {"status": "absent"}
    # the entry is written in the report's own transaction: a day either side bounds it to the
    # months it can be in, so a partitioned audit log (PostgreSQL) reads one or two of them
    margin = dt.timedelta(days=1)
    entry_id = session.scalar(select(AuditEntry.id).where(AuditEntry.action == "report.issue",
                                                          AuditEntry.target_type == "report",
                                                          AuditEntry.target_id == str(report_id),
                                                          AuditEntry.at >= issued_at - margin,
                                                          AuditEntry.at <= issued_at + margin).limit(1))
    if entry_id is None:
        return {"status": "absent"}
    found = entry_proof(session, entry_id)
    if found is None:
        return {"status": "pending", "entry_id": entry_id}
    return {"status": "included" if check_entry_proof(found) else "failed", "entry_id": entry_id, **found}


def check_entry_proof(found: dict) -> bool:
    """An entry_proof checked as the standalone verifier checks it: the leaf's hash, the
    head's signature by an accepted key, the audit path to the head's root."""
    from xinyong.transparency.rules import head_from_document
    proof, head = found["inclusion"], head_from_document(found["sth"])
    leaf = merkle.leaf_hash(found["leaf"].encode("utf-8"))
    return (leaf.hex() == proof["leaf_hash"] and head.signature_ok(public_keys())
            and merkle.verify_inclusion(leaf, proof["leaf_index"], proof["tree_size"],
                                        [bytes.fromhex(h) for h in proof["audit_path"]], bytes.fromhex(head.root_hash)))
