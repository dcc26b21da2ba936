"""The audit log's rules, pure (QZ art. 14-15, FZ art. 12: every access and administrative
action is traceable, and nobody may tamper with or delete records against the rules).

- canonical serialisation: sorted-key compact JSON (UTF-8, no ASCII escaping), timestamps
  as UTC ISO-8601 with microseconds and a "Z", explicit nulls, a format version "v";
- an entry's hash is SHA-256 over the canonical form of (chain, seq, at, actor fields,
  action, target, subject_id, details, prev_hash); the first entry of a chain links to
  GENESIS;
- a checkpoint is an Ed25519 signature over the canonical form of every chain head
  {chain: [seq, hash]} and the time it was taken;
- details carry facts about an action, never personal data: no resident ID numbers, no
  passwords or tokens, nothing FZ art. 11 forbids. `details_problem` is the guard.
"""
from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import decimal
import hashlib
import json
import re
from collections.abc import Mapping

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from stdnum.cn import uscc as std_uscc

FORMAT_VERSION = 1
GENESIS = "0" * 64
MAX_DETAILS_BYTES = 16 * 1024
# keys that name data an audit entry must never hold (FZ art. 11; QZ art. 15: no leaking)
FORBIDDEN_KEYS = frozenset({
    "resident_id", "id_number", "id_no", "identity_number", "password", "token", "secret",
    "证件号码", "身份证号码", "居民身份证号码", "法定代表人证件号码", "密码",
    "religion", "genes", "fingerprint", "blood_type", "disease", "medical_history",
})
# keys whose value is an organisation's unified social credit code (GB 32100)
USCC_KEYS = frozenset({"uscc", "source", "source_uscc", "agency_uscc"})
# 17 digits and a digit or X, not inside a longer run of letters or digits (GB 11643 shape)
_RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx])(?![0-9A-Za-z])")
_RIC_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]


class AuditDetailsError(ValueError):
    """Details that must not enter the audit log."""


# ---- canonical serialisation ---------------------------------------------------------------

def format_at(value: dt.datetime) -> str:
    """An instant as UTC ISO-8601 with microseconds; a naive value is taken as UTC (SQLite)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _jsonable(value):
    if isinstance(value, dt.datetime):
        return format_at(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    raise TypeError(f"audit details cannot hold {type(value).__name__}")


def canonical_json(value) -> str:
    """The one serialisation that is hashed and signed."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False,
                      default=_jsonable)


def normalise_details(details: Mapping | None) -> dict:
    """Details as they will read back from the database (JSON / JSONB): string keys, lists,
    ISO dates. Floats are refused: JSONB may print them differently (1e+20 vs
    100000000000000000000) and the hash would no longer match; pass ints or strings."""
    if details is None:
        return {}
    if not isinstance(details, Mapping):
        raise AuditDetailsError("audit details must be a mapping")
    try:
        return json.loads(canonical_json(_plain(details)))
    except AuditDetailsError:
        raise
    except (TypeError, ValueError) as exc:
        raise AuditDetailsError(f"audit details must be plain JSON: {exc}") from None


def _plain(value):
    """Keys as text, tuples as lists; floats refused."""
    if isinstance(value, float):
        raise AuditDetailsError("audit details hold numbers as int or str, not float")
    if isinstance(value, Mapping):
        if any(isinstance(k, bool) or not isinstance(k, (str, int)) for k in value):
            raise AuditDetailsError("audit details keys are text (or whole numbers)")
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclasses.dataclass(frozen=True)
class EntryFields:
    """Everything an entry's hash covers (the row's id and hash excepted)."""

    chain: int
    seq: int
    at: dt.datetime
    actor_user_id: int | None
    actor_org_id: int | None
    actor: str
    action: str
    target_type: str
    target_id: str
    subject_id: int | None
    details: dict
    prev_hash: str

    def canonical(self) -> str:
        body = dataclasses.asdict(self)
        body["at"] = format_at(self.at)
        body["v"] = FORMAT_VERSION
        return canonical_json(body)

    def hash(self) -> str:
        return sha256_hex(self.canonical())


def chain_for(subject_id: int | None, chains: int) -> int:
    """Entries about a subject go to chain subject_id % chains (one chain per shard when the
    log is distributed by subject); entries about no subject go to chain 0."""
    return 0 if subject_id is None else int(subject_id) % chains


# ---- what details may not hold -------------------------------------------------------------

def looks_like_resident_id(text: str) -> bool:
    """An 18-character GB 11643 number: 17 digits, a valid check character, a real birth date."""
    for match in _RESIDENT_ID.finditer(text):
        number = match.group(1).upper()
        total = sum(int(d) * w for d, w in zip(number[:17], _RIC_WEIGHTS))
        check = "10X98765432"[total % 11]
        if number[17] == check and _birth_date_ok(number[6:14]):
            return True
    return False


def redact(text: str) -> str:
    """Text with anything that looks like a resident ID number masked (e.g. a person who
    typed their ID number as a user name)."""
    return _RESIDENT_ID.sub(lambda m: "[resident-id]" if looks_like_resident_id(m.group(1)) else m.group(1), text)


def _birth_date_ok(digits: str) -> bool:
    try:
        born = dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return False
    return born.year >= 1880


def details_problem(details, path: str = "details") -> str | None:
    """Why these details may not be recorded, or None. Walks keys and values."""
    if isinstance(details, dict):
        for key, value in details.items():
            if str(key).strip().lower() in FORBIDDEN_KEYS:
                return f"{path}.{key}: this kind of data never enters the audit log"
            if str(key) in USCC_KEYS and isinstance(value, str) and std_uscc.is_valid(value):
                continue  # an organisation's code, which may be all digits like a resident ID
            found = details_problem(key, f"{path} key") or details_problem(value, f"{path}.{key}")
            if found:
                return found
    elif isinstance(details, list):
        for n, value in enumerate(details):
            found = details_problem(value, f"{path}[{n}]")
            if found:
                return found
    elif isinstance(details, str):
        if "\x00" in details:
            return f"{path}: NUL characters cannot be stored"
        if looks_like_resident_id(details):
            return f"{path}: looks like a resident ID number; never record one in the audit log"
    return None


def check_details(details: Mapping | None) -> dict:
    """Normalised details, or AuditDetailsError naming the first problem."""
    normal = normalise_details(details)
    problem = details_problem(normal)
    if problem:
        raise AuditDetailsError(problem)
    if len(canonical_json(normal).encode("utf-8")) > MAX_DETAILS_BYTES:
        raise AuditDetailsError(f"audit details exceed {MAX_DETAILS_BYTES} bytes; record counts, not contents")
    return normal


# ---- checkpoints ---------------------------------------------------------------------------

def heads_document(heads: Mapping[int, tuple[int, str]]) -> dict[str, list]:
    """Chain heads as stored in a checkpoint: {"0": [seq, hash], ...}."""
    return {str(chain): [int(seq), str(h)] for chain, (seq, h) in sorted(heads.items())}


def checkpoint_payload(heads_doc: Mapping[str, list], at: dt.datetime) -> bytes:
    body = {"v": FORMAT_VERSION, "at": format_at(at), "heads": dict(heads_doc)}
    return canonical_json(body).encode("utf-8")


def private_key(raw: bytes) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(raw)


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(public: Ed25519PublicKey) -> str:
    """First 16 hex digits of SHA-256 over the raw public key."""
    return hashlib.sha256(raw_public(public)).hexdigest()[:16]


def public_key_from_b64(text: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(text.strip(), validate=True))


def sign(key: Ed25519PrivateKey, payload: bytes) -> str:
    return base64.b64encode(key.sign(payload)).decode("ascii")


def signature_ok(public: Ed25519PublicKey, payload: bytes, signature: str) -> bool:
    try:
        public.verify(base64.b64decode(signature, validate=True), payload)
    except (InvalidSignature, ValueError):
        return False
    return True
