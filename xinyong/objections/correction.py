"""Correcting a record on an objection (FZ art. 25 要求更正): which fields the source may change,
and applying the new values through the record's history.

The superseded version goes to the shared history (entity "record") with the snapshot columns
and change reason exactly as ingestion writes it for a re-sent decision
(xinyong.ingest.repository.update_records), so a record has one history and one reader. The
publicity window is then recomputed with the same disclosure rules ingestion uses (sector from
the cited law, penalty or licence window, published only when the item is public)."""
from __future__ import annotations

import datetime as dt
import json

import polars as pl
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.catalogue import CatalogueError, get_catalogue
from xinyong.disclosure.rules import item_publicity_frame, rule_shape
from xinyong.history import _plain
from xinyong.ingest.repository import SNAPSHOT
from xinyong.ingest.rules import STORED_ROLES
from xinyong.kit.access import Principal
from xinyong.kit.errors import InvalidInput
from xinyong.law import Profile
from xinyong.models import History, Record
from xinyong.models.objection import Objection
from xinyong.objections import rules

TYPED_LABELS = {"decision_date": "决定日期", "valid_to": "有效期至", "severity": "失信程度"}
TYPED_LABELS_EN = {"decision_date": "Decision date", "valid_to": "Valid until", "severity": "Severity"}
TYPES = {"date": "date", "decimal": "decimal"}
EDITABLE_ROLES = {"legal_rep_name", "fine_wan", "explicit_severity"}   # identities stay as registered
FIXED_FIELDS = {"source_agency_name"}        # the source is who answers the objection


def reason_text(objection_id: int) -> str:
    return f"异议更正（第{objection_id}号异议）/ corrected on objection #{objection_id}"


def specs_for(record: Record, profile: Profile, today: dt.date) -> dict[str, rules.FieldSpec]:
    """The record's correctable fields: the profile's typed columns and the catalogue fields the
    record stores (never identifiers, the decision number, the subject or the source)."""
    specs: dict[str, rules.FieldSpec] = {}
    try:
        item = get_catalogue().get(record.item_code)
    except CatalogueError:
        item = None
    for code in rules.typed_fields(profile, today):
        if code == "severity" and record.severity is None:
            continue
        kind = "severity" if code == "severity" else "date"
        label, label_en = TYPED_LABELS.get(code, code), TYPED_LABELS_EN.get(code, code)
        if item is not None:
            found = item.field_by_role(code)
            if found is not None:
                label, label_en = found.header_zh, found.header_en or label_en
        specs[code] = rules.FieldSpec(code, label, kind, required=code in ("decision_date", "severity"), typed=True,
                                      label_en=label_en)
    if item is not None:
        for f in item.fields:
            if f.sensitive or f.role in STORED_ROLES or (f.role and f.role not in EDITABLE_ROLES) \
                    or f.code in FIXED_FIELDS:
                continue
            choices = tuple(f.codes) if f.type == "enum" and not f.multiple else ()
            specs[f.code] = rules.FieldSpec(f.code, f.header_zh, "enum" if choices else TYPES.get(f.type, "string"),
                                            required=f.required, choices=choices, label_en=f.header_en)
    else:   # an item no longer in the catalogue: the fields it stored
        for code in (record.fields or {}):
            specs.setdefault(code, rules.FieldSpec(code, code))
    return specs


def current_values(record: Record, specs: dict[str, rules.FieldSpec]) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for code, spec in specs.items():
        value = getattr(record, code) if spec.typed else (record.fields or {}).get(code)
        out[code] = value.isoformat() if isinstance(value, dt.date) else (None if value is None else str(value))
    return out


def apply(session: Session, principal: Principal, objection: Objection, record: Record, submitted: dict[str, str],
          profile: Profile, today: dt.date) -> list[rules.Change]:
    specs = specs_for(record, profile, today)
    checked = rules.check_corrections(profile, today, specs, current_values(record, specs), submitted)
    if not checked.decision.allowed:
        d = checked.decision
        raise InvalidInput(d.reason_zh, code=d.code, field=d.field, message_en=d.reason_en,
                           details={"citation": d.citation})
    objection.record_version_before = record.version
    _keep_version(session, record, reason_text(objection.id), principal.user_id)
    fields = dict(record.fields or {})
    for change in checked.changes:
        if change.typed:
            value = dt.date.fromisoformat(change.new) if change.field in ("decision_date", "valid_to") and change.new \
                else change.new
            setattr(record, change.field, value)
            if change.field == "severity":
                record.severity_basis = reason_text(objection.id)
        elif change.new is None:
            fields.pop(change.field, None)
        else:
            fields[change.field] = change.new
    record.fields = fields
    _recompute_publicity(record, profile, today)
    record.version += 1
    record.updated_at = clock.now()
    session.flush()
    return checked.changes


def _keep_version(session: Session, record: Record, reason: str, user_id: int | None) -> None:
    """The superseded version, as ingest.repository.update_records writes it."""
    snapshot = {c: _plain(getattr(record, c)) for c in SNAPSHOT}
    session.add(History(entity="record", entity_id=record.id, subject_id=record.subject_id, version=record.version,
                        snapshot=snapshot, change_reason=reason, changed_by=user_id, changed_in_batch=None,
                        changed_at=clock.now()))


def _recompute_publicity(record: Record, profile: Profile, today: dt.date) -> None:
    """The window from the corrected values, by the rules ingestion applies to a new record."""
    try:
        item = get_catalogue().get(record.item_code)
    except CatalogueError:
        return
    frame = pl.DataFrame({"decision_date": [record.decision_date], "valid_to": [record.valid_to],
                          "severity": [record.severity],
                          "fields_json": [json.dumps(record.fields or {}, ensure_ascii=False, separators=(",", ":"))]},
                         schema={"decision_date": pl.Date, "valid_to": pl.Date, "severity": pl.String,
                                 "fields_json": pl.String})
    versions = profile.versions(item.publicity_rule) if item.publicity_rule else []
    if not versions or (rule_shape(versions[0]) == "by_severity" and record.severity is None):
        return
    out = item_publicity_frame(frame, profile, item.publicity_rule, today)
    row = out.row(0, named=True)
    record.publicity_published = bool(row["publicity_published"]) and record.disclosure == "public"
    record.publicity_start, record.publicity_end = row["publicity_start"], row["publicity_end"]
    record.publicity_min_end, record.publicity_citation = row["publicity_min_end"], row["publicity_citation"]
    if record.publicity_ended_on is not None and (record.publicity_end is None or record.publicity_end > today):
        record.publicity_ended_on = None   # the corrected window runs on; the sweep marks its new end
