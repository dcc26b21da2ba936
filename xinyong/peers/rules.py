"""Peers as configuration data, and the shapes exchanged between peers (pure: no I/O).

The administrator names each peer platform in a YAML file (XINYONG_PEERS_FILE): a key, its
names, its base URL, the SHA-256 fingerprint of its report-signing certificate (pinned: a
certificate fetched from the peer is accepted only when it has exactly this fingerprint, never
on first use) and the legal basis of the recognition (QZ art. 6 / FZ art. 7)."""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from xinyong.kit import yamlfiles

PUNITIVE_KINDS = ("black", "serious_dishonesty")
KEY = re.compile(r"^[a-z][a-z0-9_-]{1,63}$")
HEX64 = re.compile(r"^[0-9a-f]{64}$")
USCC = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
URL = re.compile(r"^https?://[A-Za-z0-9.\-\[\]:]+(/[^\s]*)?$")
ENTRY_STATUSES = ("active", "removed")


class PeersSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="XINYONG_", extra="ignore")
    peers_file: Path | None = Field(default=None, description="YAML naming the peer platforms this one recognises")


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
class PublishedEntry:
    """One entry of a peer's punitive list as the peer publishes it (organisations only)."""
    origin_entry_id: int
    kind: str
    uscc: str
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


def _date(value) -> dt.date | None:
    return None if value in (None, "") else dt.date.fromisoformat(str(value))


def parse_entry(item: dict) -> PublishedEntry:
    """One published entry, checked; raises PeerConfigError (the whole sync is refused)."""
    try:
        entry = PublishedEntry(
            int(item["origin_entry_id"]), str(item["kind"]), str(item["uscc"]).upper(), str(item["name"])[:500],
            _date(item.get("decided_on")), _date(item.get("listed_on")), _date(item.get("period_end")),
            str(item["decision_ref"])[:128], str(item.get("decision_url") or "")[:1000],
            str(item.get("legal_basis") or ""), str(item.get("citation") or ""), str(item["status"]),
            _date(item.get("removed_on")), (str(item["removal_reason"])[:64] if item.get("removal_reason") else None))
    except (KeyError, TypeError, ValueError) as exc:
        raise PeerConfigError(f"malformed entry: {exc}") from None
    if entry.kind not in PUNITIVE_KINDS or entry.status not in ENTRY_STATUSES or not USCC.match(entry.uscc) \
            or entry.origin_entry_id < 1:
        raise PeerConfigError(f"malformed entry {entry.origin_entry_id}")
    if entry.status == "removed" and entry.removed_on is None:
        raise PeerConfigError(f"entry {entry.origin_entry_id}: removed without a removal date")
    return entry


def in_force(status: str, period_end: dt.date | None, today: dt.date) -> bool:
    return status == "active" and (period_end is None or period_end >= today)
