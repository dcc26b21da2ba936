"""Emitting changes into the feed. Set-based: one INSERT for any number of events.
Flushes, never commits."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import insert
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.models import FeedEvent

KINDS = ("published", "publication_ended", "corrected", "repaired", "repair_revoked", "listed", "delisted")


def emit(session: Session, kind: str, events: list[dict], occurred_on: dt.date | None = None,
         citation: str = "") -> int:
    """Each event is ``{"subject_id": .., "record_id": .. | None, "details": {...}}``."""
    if kind not in KINDS:
        raise ValueError(f"unknown feed event kind {kind!r}")
    if not events:
        return 0
    on, now = occurred_on or clock.today(), clock.now()
    session.execute(insert(FeedEvent), [
        {"subject_id": e["subject_id"], "record_id": e.get("record_id"), "kind": kind, "occurred_on": on,
         "details": e.get("details") or {}, "citation": e.get("citation", citation), "created_at": now}
        for e in events])
    session.flush()
    return len(events)
