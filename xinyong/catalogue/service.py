"""Keep the stored catalogue in step with the catalogue files, one version per change.

Every new, changed or retired entry is written through the shared history (who, why) and
the audit log, so an agency can see which column layout was in force when it sent a batch."""
from __future__ import annotations

import dataclasses
import hashlib
import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.audit import record_event
from xinyong.catalogue.loader import Catalogue, CatalogueItem, file_catalogue
from xinyong.history import change_context, versions
from xinyong.kit.access import Principal
from xinyong.kit.errors import NotFound
from xinyong.models import CatalogueEntry


def definition_of(item: CatalogueItem) -> dict:
    return json.loads(json.dumps(dataclasses.asdict(item), ensure_ascii=False, default=str))


def _sha(definition: dict) -> str:
    return hashlib.sha256(json.dumps(definition, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def sync(session: Session, *, actor: Principal | None, reason: str,
         catalogue: Catalogue | None = None) -> dict[str, int]:
    """Record the catalogue files' items: added, changed (old version kept), retired."""
    catalogue = catalogue or file_catalogue()
    stored = {e.code: e for e in session.scalars(select(CatalogueEntry))}
    change_context(session, user_id=actor.user_id if actor else None, reason=reason)
    counts = {"added": 0, "changed": 0, "retired": 0, "unchanged": 0}
    now = clock.now()
    for item in catalogue.items:
        definition = definition_of(item)
        sha, entry = _sha(definition), stored.pop(item.code, None)
        if entry is None:
            session.add(CatalogueEntry(code=item.code, name_zh=item.name_zh, disclosure=item.disclosure,
                                       definition=definition, content_sha=sha, updated_at=now))
            counts["added"] += 1
        elif entry.content_sha != sha or entry.status != "active":
            entry.name_zh, entry.disclosure, entry.definition = item.name_zh, item.disclosure, definition
            entry.content_sha, entry.status, entry.updated_at = sha, "active", now
            counts["changed"] += 1
        else:
            counts["unchanged"] += 1
    for entry in stored.values():
        if entry.status != "retired":
            entry.status, entry.updated_at = "retired", now
            counts["retired"] += 1
    session.flush()
    if counts["added"] or counts["changed"] or counts["retired"]:
        record_event(session, actor, "catalogue.sync", target_type="catalogue", details={**counts, "reason": reason})
    return counts


def entry_versions(session: Session, code: str) -> list[dict]:
    entry = session.scalar(select(CatalogueEntry).where(CatalogueEntry.code == code))
    if entry is None:
        raise NotFound("目录中没有该信息项", message_en=f"no stored catalogue entry {code!r}")
    past = [{"version": v.version, "content_sha": v.snapshot.get("content_sha"), "status": v.snapshot.get("status"),
             "superseded_at": v.changed_at, "change_reason": v.change_reason}
            for v in versions(session, "catalogue_entry", entry.id)]
    current = {"version": entry.version, "content_sha": entry.content_sha, "status": entry.status,
               "superseded_at": None, "change_reason": None}
    return [*past, current]
