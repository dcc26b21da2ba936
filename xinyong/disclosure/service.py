"""Public views of subjects and their records, masked where they concern people
(rule `masking.natural_person` of the active profile)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.catalogue import CatalogueError, get_catalogue
from xinyong.disclosure import repository
from xinyong.disclosure.publicity import PERSON_KINDS, name_masking, public_name
from xinyong.disclosure.schemas import PublicityRow, PublicSubject, PublicSubjectSummary, SearchResult
from xinyong.kit.errors import InvalidInput, NotFound
from xinyong.kit.masking import mask_name
from xinyong.models import Subject
from xinyong.subjects import opener as resident_ids

__all__ = ["PERSON_KINDS", "search", "subject_profile", "browse"]
NOT_FOUND = ("未找到该主体", "no such subject")


_masking = name_masking


def _shown_name(subject: Subject, masking: dict) -> tuple[str, bool]:
    return public_name(subject.name, subject.kind, masking)


def search(session: Session, q: str, limit: int = 20, offset: int = 0) -> SearchResult:
    q = (q or "").strip()
    if not q:
        raise InvalidInput("请输入名称或统一社会信用代码", field="q", message_en="q: enter a name or a USCC")
    if len(q) > 100:
        raise InvalidInput("查询过长", field="q", message_en="q: at most 100 characters")
    limit = max(1, min(limit, 50))
    masking, today = _masking(), clock.today()
    found = repository.search_subjects(session, q, limit, max(0, offset), today)
    # masked persons are told apart by the record that puts them in public view, never by more
    # of their identity (QZ art. 22; issue #10)
    shown = repository.newest_public_records(session, [s.id for s in found if s.kind in PERSON_KINDS], today)
    items = []
    for s in found:
        name, masked = _shown_name(s, masking)
        decision_no, agency = shown.get(s.id, (None, None))
        items.append(PublicSubjectSummary(id=s.id, kind=s.kind, name=name, uscc=s.uscc, masked=masked,
                                          record_decision_no=decision_no, record_agency=agency))
    return SearchResult(query=q, items=items, limit=limit, offset=offset)


def subject_profile(session: Session | Connection, subject_id: int) -> PublicSubject:
    # rows, not ORM objects (repository.subject_row): nothing here is changed or kept; a
    # Connection will do (the API route's, kit.web.read_on_connection)
    subject = repository.subject_row(session, subject_id)
    if subject is None:
        raise NotFound(NOT_FOUND[0], message_en=NOT_FOUND[1])
    today = clock.today()
    rows = repository.profile_record_rows(session, subject.id, today)
    if subject.kind in PERSON_KINDS and not rows:
        # a person with nothing in public view is answered as no one: the same 404, same words
        raise NotFound(NOT_FOUND[0], message_en=NOT_FOUND[1])
    masking = _masking()
    name, masked = _shown_name(subject, masking)
    resident_id = resident_ids.masked(subject, masking["resident_id"])   # masked form only, unaudited
    # the records as plain dicts, validated into the model in one call (pydantic's core), not
    # one model constructor per record from Python
    mask_fields = masking["name"] if subject.kind in PERSON_KINDS else None
    catalogue = get_catalogue()
    records = [_public_record(row, catalogue, mask_fields) for row in rows]
    return PublicSubject.model_validate({
        "id": subject.id, "kind": subject.kind, "name": name, "uscc": subject.uscc, "resident_id": resident_id,
        "legal_rep_name": subject.legal_rep_name, "masked": masked, "as_of": today, "records": records})


_ITEM_VIEWS: dict[str, tuple[object, tuple]] = {}


LABEL_SETS_KEPT = 64   # per item: the field-label mappings of the field sets seen (records of one item share a few)


def _item_view(item_code: str, catalogue=None) -> tuple[dict[str, str], str | None, str, str, dict]:
    """(field labels, the code of the subject-name field, item name zh, en, the labels of each
    field set seen: _field_labels) of a catalogue item, kept per item for the catalogue in use
    (a reloaded catalogue is read anew)."""
    if catalogue is None:
        catalogue = get_catalogue()
    kept = _ITEM_VIEWS.get(item_code)
    if kept is not None and kept[0] is catalogue:
        return kept[1]
    try:
        item = catalogue.get(item_code)
        name_field = item.field_by_role("subject_name")
        view = ({f.code: f.header_zh for f in item.fields}, name_field.code if name_field is not None else None,
                item.name_zh, item.name_en, {})
    except CatalogueError:
        view = ({}, None, item_code, item_code, {})
    _ITEM_VIEWS[item_code] = (catalogue, view)
    return view


def _public_record(row, catalogue, mask_fields: dict | None) -> dict:
    """A row of repository.profile_record_rows as schemas.PublicRecord's fields; the subject-name
    field masked when ``mask_fields`` (the subject is a person) says how."""
    (record_id, item_code, decision_no, decision_date, severity, publicity_end, publicity_citation, stored,
     under_objection, agency_name) = row
    labels, name_code, item_name, item_name_en, label_sets = _item_view(item_code, catalogue)
    fields = {k: (None if v is None else str(v)) for k, v in (stored or {}).items()}
    if mask_fields is not None and name_code is not None and fields.get(name_code):
        fields[name_code] = mask_name(fields[name_code], **mask_fields)
    return {"id": record_id, "item_code": item_code, "item_name": item_name, "item_name_en": item_name_en,
            "decision_no": decision_no, "decision_date": decision_date, "severity": severity,
            "source_agency": agency_name, "publicity_end": publicity_end, "publicity_citation": publicity_citation,
            "fields": fields, "field_labels": _field_labels(labels, label_sets, fields),
            "under_objection": under_objection}


def _field_labels(labels: dict[str, str], label_sets: dict, fields: dict) -> dict[str, str]:
    """{field code: its label (the code when the item has none)} for ``fields``, in their order;
    the mapping kept per field set (the model copies it when it validates the record)."""
    key = tuple(fields)
    found = label_sets.get(key)
    if found is None:
        found = {k: labels.get(k, k) for k in fields}
        if len(label_sets) < LABEL_SETS_KEPT:
            label_sets[key] = found
    return found


def browse(session: Session, *, item: str | None = None, agency_id: int | None = None,
           date_from: dt.date | None = None, date_to: dt.date | None = None, page: int = 1,
           size: int = 20) -> tuple[list[PublicityRow], bool]:
    """双公示 records in public view today (publicity.public_condition), filtered by type, source
    agency and decision date, paged; natural persons masked. (rows, has_next)."""
    items = (item,) if item in repository.DUAL_PUBLICITY_ITEMS else repository.DUAL_PUBLICITY_ITEMS
    if date_from and date_to and date_from > date_to:
        raise InvalidInput("起始日期不能晚于截止日期", field="date_from",
                           message_en="the start date is after the end date")
    rows = repository.browse(session, clock.today(), items=items, agency_id=agency_id, date_from=date_from,
                             date_to=date_to, limit=size + 1, offset=(page - 1) * size)
    masking, catalogue = _masking(), get_catalogue()
    out = []
    for record, agency, subject in rows[:size]:
        name, masked = _shown_name(subject, masking)
        try:
            item_def = catalogue.get(record.item_code)
            item_name, item_name_en = item_def.name_zh, item_def.name_en
        except CatalogueError:
            item_name = item_name_en = record.item_code
        out.append(PublicityRow(
            id=record.id, item_code=record.item_code, item_name=item_name, item_name_en=item_name_en,
            subject_id=subject.id, subject_name=name, subject_kind=subject.kind, masked=masked, uscc=subject.uscc,
            decision_no=record.decision_no, decision_date=record.decision_date, source_agency=agency,
            severity=record.severity if record.item_code != "licence" else None,
            publicity_end=record.publicity_end))
    return out, len(rows) > size
