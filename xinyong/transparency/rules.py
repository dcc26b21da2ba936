"""What a signed tree head is and what a leaf holds (issue 12), pure.

- a leaf is one audit entry's canonical bytes (xinyong.audit.rules.EntryFields.canonical,
  UTF-8): every field the entry's hash covers, so the leaf is the entry;
- a signed tree head (STH) is an Ed25519 signature over the canonical JSON
  {"v", "tree_size", "root_hash", "timestamp", "key_id"}; the key id is the SHA-256 of the
  raw public key, so a head names the key that verifies it, and rotated-out keys stay
  listed (XINYONG_AUDIT_PUBLIC_KEYS) so old heads still verify.
The standalone verifier (tools/verify_log.py) re-implements exactly this; keep them equal.
"""
from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import hmac
import json

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from xinyong.audit.rules import EntryFields, canonical_json, format_at

STH_VERSION = 1
# actions after whose commit a head is signed at once (a batch, a decision document, a credit
# report): the entries people will ask proofs for soonest
HEAD_AFTER_ACTIONS = frozenset({"batch.ingest", "document.issue", "report.issue"})


def leaf_data(fields: EntryFields) -> bytes:
    return fields.canonical().encode("utf-8")


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(key: Ed25519PublicKey) -> str:
    """SHA-256 of the raw 32-byte public key, hex."""
    return hashlib.sha256(raw_public(key)).hexdigest()


@dataclasses.dataclass(frozen=True)
class TreeHead:
    tree_size: int
    root_hash: str            # hex
    at: dt.datetime
    key_id: str
    signature: str = ""       # base64

    def payload(self) -> bytes:
        body = {"v": STH_VERSION, "tree_size": self.tree_size, "root_hash": self.root_hash,
                "timestamp": format_at(self.at), "key_id": self.key_id}
        return canonical_json(body).encode("utf-8")

    def document(self) -> dict:
        """The published form: the signed fields and the signature."""
        return {"v": STH_VERSION, "tree_size": self.tree_size, "root_hash": self.root_hash,
                "timestamp": format_at(self.at), "key_id": self.key_id, "signature": self.signature}

    def signed(self, key: Ed25519PrivateKey) -> "TreeHead":
        return dataclasses.replace(self, signature=base64.b64encode(key.sign(self.payload())).decode("ascii"))

    def signature_ok(self, keys: dict[str, Ed25519PublicKey]) -> bool:
        key = keys.get(self.key_id)
        if key is None:
            return False
        try:
            key.verify(base64.b64decode(self.signature, validate=True), self.payload())
        except (InvalidSignature, ValueError):
            return False
        return True


def head_from_document(doc: dict) -> TreeHead:
    at = dt.datetime.strptime(doc["timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.timezone.utc)
    return TreeHead(tree_size=int(doc["tree_size"]), root_hash=str(doc["root_hash"]), at=at,
                    key_id=str(doc["key_id"]), signature=str(doc["signature"]))


def keys_document(keys: dict[str, Ed25519PublicKey]) -> dict:
    return {"keys": [{"key_id": kid, "algorithm": "ed25519",
                      "public_key": base64.b64encode(raw_public(k)).decode("ascii")} for kid, k in sorted(keys.items())]}


# ---- a record's publication (every publication of a record is an entry) --------------------
# A batch's audit entry (batch.ingest) carries `records` and `records_root`: the RFC 9162 root
# over one leaf per record the batch wrote (new or changed), in record id order. A leaf is the
# canonical JSON below; its content hash covers what was published, so a later change of the
# record is a new publication, never a silent rewrite of this one.
#
# Version 2 (the current one) blinds the content hash: the hashed content also holds "blind",
# SHA-256 of "<blind key>:<record id>:<version>" (64 hex), where the blind key is
# HMAC-SHA256(secret_key, BLIND_CONTEXT), hex, and is never published. Without it the content
# hash (and equally the leaf hash and the audit path) was an oracle: a public page shows every
# content field but a natural person's name, masked ("萧*"), and hashing candidate names with
# the rest recovered the name. Version 1 leaves (no blind) stay in the log as published.
PUBLICATION_VERSION = 2
CONTENT_FIELDS = ("subject_id", "item_code", "decision_no", "source_agency_id", "decision_date", "valid_to",
                  "severity", "fields")
BLIND_CONTEXT = b"xinyong/transparency/content-blind"


def blind_key(secret_key: str) -> str:
    """The content blinds' key, hex: a sub-key of the platform's secret key (HMAC-SHA256 with a
    context of its own), so the secret itself is never hashed in the clear."""
    return hmac.new(secret_key.encode("utf-8"), BLIND_CONTEXT, hashlib.sha256).hexdigest()


def content_blind(key: str, record_id: int, version: int) -> str:
    """One publication's blind: SHA-256 of "<key>:<record id>:<version>", hex (64 characters).
    Secret: never published; a change of the record is a new version, hence a new blind."""
    return hashlib.sha256(f"{key}:{int(record_id)}:{int(version)}".encode("ascii")).hexdigest()


def file_mac(key: str, file_sha256: str) -> str:
    """What a batch's public log entry says of the file it came from: HMAC-SHA256 under the
    blinds' key of the file's SHA-256. The plain hash would let anyone who can rebuild a
    one-row file guess a person's name and ID number against it (the entry is part of every
    record proof of the batch); the sender reads the plain hash on its own batch page."""
    return hmac.new(bytes.fromhex(key), file_sha256.encode("ascii"), hashlib.sha256).hexdigest()


def content_sha256(row, blind: str | None = None) -> str:
    """SHA-256 of the canonical JSON of the record's published content (a mapping), with the
    publication's `blind` (version 2); without it, version 1's unblinded hash."""
    content = {k: row[k] for k in CONTENT_FIELDS}
    if blind is not None:
        content["blind"] = blind
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def publication_leaf(batch_id: int, position: int, row, key: str) -> str:
    """The hashed text of one record's publication by a batch (row: a records mapping, with id
    and version; key: ``blind_key``)."""
    return canonical_json({
        "v": PUBLICATION_VERSION, "kind": "record.publication", "batch": batch_id, "position": position,
        "record": row["id"], "version": row["version"],
        "key": {"source_agency_id": row["source_agency_id"], "item_code": row["item_code"],
                "decision_no": row["decision_no"]},
        "content_sha256": content_sha256(row, content_blind(key, row["id"], row["version"])),
        "published": bool(row["publicity_published"]), "disclosure": row["disclosure"],
        "publicity_start": row["publicity_start"], "publicity_end": row["publicity_end"]})


def publication_content_ok(leaf: str, row, key: str) -> bool:
    """Whether a publication leaf (its text, version 1 or 2) is of this record as it is now
    (row: a records mapping, with id and version): the same record, version and key, and the
    content hash recomputed from the row, with the blind only the platform can make (version
    2). What an outsider cannot do for a version-2 leaf."""
    try:
        published = json.loads(leaf)
    except ValueError:
        return False
    if not isinstance(published, dict) or published.get("kind") != "record.publication":
        return False
    blind = {1: None, 2: content_blind(key, row["id"], row["version"])}
    if published.get("v") not in blind:
        return False
    key_fields = {"source_agency_id": row["source_agency_id"], "item_code": row["item_code"],
                  "decision_no": row["decision_no"]}
    return (published.get("record") == row["id"] and published.get("version") == row["version"]
            and published.get("key") == key_fields
            and hmac.compare_digest(str(published.get("content_sha256")).encode("utf-8"),
                                    content_sha256(row, blind[published["v"]]).encode("ascii")))
