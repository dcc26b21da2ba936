"""The JSON a platform publishes for its peers: its punitive entries of organisations (public),
and of natural persons under the region's pseudonym (to a recognised peer's signed request)."""
from __future__ import annotations

import datetime as dt

from pydantic import BaseModel


class _EntryOut(BaseModel):
    origin_entry_id: int
    kind: str
    name: str                         # a natural person's masked
    decided_on: dt.date | None = None
    listed_on: dt.date | None = None
    period_end: dt.date | None = None
    decision_ref: str
    decision_url: str
    legal_basis: str
    citation: str
    status: str                       # active | removed (ended at origin: removed, repaired or expired)
    removed_on: dt.date | None = None
    removal_reason: str | None = None


class PeerEntryOut(_EntryOut):
    uscc: str


class PersonEntryOut(_EntryOut):
    person_token: str                 # HMAC-SM3 of the region key over the resident ID, hex


class PeerEntriesOut(BaseModel):
    platform: str
    base_url: str
    generated_on: dt.date
    entries: list[PeerEntryOut]


class PersonEntriesOut(BaseModel):
    platform: str
    base_url: str
    generated_on: dt.date
    entries: list[PersonEntryOut]


class RecognisedPeerOut(BaseModel):
    key: str
    name_zh: str
    name_en: str
    base_url: str
    certificate_sha256: str
    basis: str
    certificate_fetched: bool
