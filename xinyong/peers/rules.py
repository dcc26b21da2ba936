"""Peers as configuration data, and the shapes exchanged between peers (pure: no I/O).

The administrator names each peer platform in a YAML file (XINYONG_PEERS_FILE): a key, its
names, its base URL, the SHA-256 fingerprint of its report-signing certificate (pinned: a
certificate fetched from the peer is accepted only when it has exactly this fingerprint, never
on first use) and the legal basis of the recognition (QZ art. 6 / FZ art. 7).

Natural persons are exchanged under a pseudonym only (PIPL art. 51: de-identification; the
regulations' minimum-necessary rule, QZ art. 9, FZ art. 11): the region's platforms share a key
(XINYONG_PEER_REGION_KEY, agreed out of band like the fingerprints), and a person is named to a
peer by HMAC-SM3 of that key over the resident ID number, never by the number. The entries of
natural persons travel only on requests a peer signs with its report-signing key
(``request_message``): the origin knows which peer read them, and tells each person."""
from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import re
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from xinyong.kit import yamlfiles
from xinyong.kit.sm2 import sm3

PUNITIVE_KINDS = ("black", "serious_dishonesty")
KEY = re.compile(r"^[a-z][a-z0-9_-]{1,63}$")
HEX64 = re.compile(r"^[0-9a-f]{64}$")
USCC = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
URL = re.compile(r"^https?://[A-Za-z0-9.\-\[\]:]+(/[^\s]*)?$")
ENTRY_STATUSES = ("active", "removed")
PERSON_KINDS = ("natural_person",)
REGION_KEY_BYTES = 32
FRESH_SECONDS = 300      # how far a signed peer request's time may be from the origin's clock
SM3_BLOCK = 64
TOKEN_LABEL = b"xinyong-peer-person/1\x00"
REQUEST_LABEL = "xinyong-peer-request/1"
# the headers of a signed peer request: the requester's certificate (DER, base64), the time it
# signed (Unix seconds), a nonce (32 hex digits: each request is accepted once), the signature
# (RSA PKCS#1 v1.5 with SHA-256, base64)
CERT_HEADER, TIME_HEADER, NONCE_HEADER, SIGNATURE_HEADER = (
    "x-xinyong-peer-certificate", "x-xinyong-peer-time", "x-xinyong-peer-nonce", "x-xinyong-peer-signature")
NONCE = re.compile(r"^[0-9a-f]{32}$")


class PeersSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="XINYONG_", extra="ignore")
    peers_file: Path | None = Field(default=None, description="YAML naming the peer platforms this one recognises")
    peer_region_key: str = Field(default="", repr=False,
                                 description="base64 key of at least 32 bytes shared by the region's platforms: "
                                             "natural persons are exchanged under its pseudonym, and not without it")


class PeerConfigError(ValueError):
    pass


@dataclasses.dataclass(frozen=True)
class Peer:
    key: str
    name_zh: str
    name_en: str
    base_url: str
    fingerprint: str     # SHA-256 of the certificate (DER), lower-case hex
    basis: str           # e.g. "QZ art. 6 (泉州市社会信用条例第六条)"

    @property
    def certificate_url(self) -> str:
        return f"{self.base_url}/api/v1/reports/certificate"

    @property
    def entries_url(self) -> str:
        return f"{self.base_url}/api/v1/peers/list-entries"

    @property
    def person_entries_url(self) -> str:
        return f"{self.base_url}/api/v1/peers/person-entries"


def normalise_fingerprint(value: str) -> str:
    """'AB:CD:…' or 'abcd…' -> 'abcd…'; raises on anything but 32 bytes of hex."""
    cleaned = re.sub(r"[\s:]", "", str(value or "")).lower()
    if not HEX64.match(cleaned):
        raise PeerConfigError("certificate_sha256 must be 64 hex digits (SHA-256)")
    return cleaned


def parse_peers(data: object) -> tuple[Peer, ...]:
    """The `peers:` list of the configuration, checked; an empty or absent list: no peers."""
    if data is None:
        return ()
    items = data.get("peers") if isinstance(data, dict) else None
    if items is None:
        return ()
    if not isinstance(items, list):
        raise PeerConfigError("peers must be a list")
    out, seen = [], set()
    for item in items:
        if not isinstance(item, dict):
            raise PeerConfigError("each peer must be a mapping")
        key = str(item.get("key") or "")
        if not KEY.match(key) or key in seen:
            raise PeerConfigError(f"peer key {key!r}: lower-case letters, digits, - or _, unique")
        base = str(item.get("base_url") or "").rstrip("/")
        if not URL.match(base):
            raise PeerConfigError(f"peer {key}: base_url must be an http(s) URL")
        names = [str(item.get(f) or "").strip() for f in ("name_zh", "name_en", "basis")]
        if not all(names):
            raise PeerConfigError(f"peer {key}: name_zh, name_en and basis are required")
        seen.add(key)
        out.append(Peer(key, names[0], names[1], base, normalise_fingerprint(item.get("certificate_sha256", "")),
                        names[2]))
    return tuple(out)


def load_peers(path: Path | None = None) -> tuple[Peer, ...]:
    path = path if path is not None else PeersSettings().peers_file
    if path is None or not str(path):
        return ()
    return parse_peers(yamlfiles.safe_load(Path(path).read_text(encoding="utf-8")))


@dataclasses.dataclass(frozen=True)
class ExchangePolicy:
    """The profile's rule ``peers.exchange``: which punitive lists are shared with peer cities,
    and whether natural persons are (under the region's pseudonym)."""
    lists: tuple[str, ...]
    persons: bool


def exchange_policy(value: dict) -> ExchangePolicy:
    lists = tuple(value.get("lists") or ())
    persons = value.get("natural_persons")
    if not set(lists) <= set(PUNITIVE_KINDS) or persons not in ("pseudonymised", "none"):
        raise PeerConfigError(f"peers.exchange: lists within {PUNITIVE_KINDS}, natural_persons pseudonymised | none")
    return ExchangePolicy(lists, persons == "pseudonymised")


def region_key(value: str | None = None) -> bytes | None:
    """The region's shared key (None: natural persons are not exchanged); refused unless it is
    base64 of at least 32 bytes."""
    value = PeersSettings().peer_region_key if value is None else value
    if not value:
        return None
    try:
        key = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise PeerConfigError("XINYONG_PEER_REGION_KEY must be base64") from None
    if len(key) < REGION_KEY_BYTES:
        raise PeerConfigError(f"XINYONG_PEER_REGION_KEY must hold at least {REGION_KEY_BYTES} bytes")
    return key


def hmac_sm3(key: bytes, message: bytes) -> bytes:
    """HMAC (RFC 2104) with SM3 (GB/T 32905), block 64 bytes."""
    key = sm3(key) if len(key) > SM3_BLOCK else key
    key = key.ljust(SM3_BLOCK, b"\x00")
    inner = sm3(bytes(b ^ 0x36 for b in key) + message)
    return sm3(bytes(b ^ 0x5C for b in key) + inner)


def person_token(key: bytes, resident_id: str) -> str:
    """A natural person's pseudonym in the region: HMAC-SM3 of the shared key over the resident ID
    number (upper-case check digit), hex. Without the key it reveals nothing of the number."""
    return hmac_sm3(key, TOKEN_LABEL + resident_id.strip().upper().encode("ascii")).hex()


def key_id(key: bytes) -> str:
    """Which region key a kept token was derived under (a new key derives the tokens again)."""
    return sm3(b"xinyong-peer-key-id/1" + key)[:8].hex()


def request_message(method: str, path_and_query: str, at: int, audience: str, nonce: str) -> bytes:
    """What a peer signs to read another platform's entries of natural persons: the request, its
    time, a nonce (the origin accepts each signed request once), and the SHA-256 fingerprint of
    the origin's certificate (a signature for one platform is no signature for another)."""
    return "\n".join((REQUEST_LABEL, method.upper(), path_and_query, str(int(at)), nonce, audience)).encode("utf-8")


def fresh(at: int, now: float) -> bool:
    return abs(now - at) <= FRESH_SECONDS


@dataclasses.dataclass(frozen=True)
class PublishedEntry:
    """One entry of a peer's punitive list as the peer publishes it: an organisation by its USCC,
    or a natural person by the region's pseudonym (``person_token``) and masked name."""
    origin_entry_id: int
    kind: str
    uscc: str | None
    name: str
    decided_on: dt.date | None
    listed_on: dt.date | None
    period_end: dt.date | None
    decision_ref: str
    decision_url: str
    legal_basis: str
    citation: str
    status: str
    removed_on: dt.date | None
    removal_reason: str | None
    person_token: str | None = None


def _date(value) -> dt.date | None:
    return None if value in (None, "") else dt.date.fromisoformat(str(value))


def parse_entry(item: dict, person: bool = False) -> PublishedEntry:
    """One published entry, checked; raises PeerConfigError (the whole sync is refused). An entry
    of a natural person (``person``) names its subject by token, never by USCC or number."""
    try:
        entry = PublishedEntry(
            int(item["origin_entry_id"]), str(item["kind"]), None if person else str(item["uscc"]).upper(),
            str(item["name"])[:500],
            _date(item.get("decided_on")), _date(item.get("listed_on")), _date(item.get("period_end")),
            str(item["decision_ref"])[:128], str(item.get("decision_url") or "")[:1000],
            str(item.get("legal_basis") or ""), str(item.get("citation") or ""), str(item["status"]),
            _date(item.get("removed_on")), (str(item["removal_reason"])[:64] if item.get("removal_reason") else None),
            str(item["person_token"]).lower() if person else None)
    except (KeyError, TypeError, ValueError) as exc:
        raise PeerConfigError(f"malformed entry: {exc}") from None
    named = HEX64.match(entry.person_token or "") if person else USCC.match(entry.uscc or "")
    if entry.kind not in PUNITIVE_KINDS or entry.status not in ENTRY_STATUSES or not named \
            or entry.origin_entry_id < 1 or (person and item.get("uscc")) \
            or (entry.decision_url and not URL.match(entry.decision_url)):   # shown as a link: http(s) only
        raise PeerConfigError(f"malformed entry {entry.origin_entry_id}")
    if entry.status == "removed" and entry.removed_on is None:
        raise PeerConfigError(f"entry {entry.origin_entry_id}: removed without a removal date")
    return entry


def in_force(status: str, period_end: dt.date | None, today: dt.date) -> bool:
    return status == "active" and (period_end is None or period_end >= today)
