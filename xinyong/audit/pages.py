"""The auditors' page (FZ art. 12, QZ art. 14): search the audit log, verify the chain.
Reading the log and verifying it are themselves recorded."""
from __future__ import annotations

import datetime as dt
import json
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from xinyong.audit import service
from xinyong.kit.access import Principal, allow
from xinyong.kit.errors import InvalidInput, XinyongError
from xinyong.kit.web import get_session, language, page_error, render
from xinyong.web.i18n import messages, translate

router = APIRouter(include_in_schema=False)
AUDITORS = ("auditor", "admin")
PAGE = 50
MAX_ID = 2**63 - 1
TEXT_FIELDS = {"action": 64, "actor": 100, "target_type": 32, "target_id": 64}


@router.get("/audit")
def audit_page(request: Request, page: int = Query(1, ge=1, le=10_000), principal: Principal = allow(*AUDITORS),
               session: Session = Depends(get_session)):
    return _page(request, session, principal, page=page)


@router.post("/audit/verify")
def verify_now(request: Request, principal: Principal = allow(*AUDITORS), session: Session = Depends(get_session)):
    report = service.verify_as(session, principal)
    session.commit()
    return _page(request, session, principal, page=1, report=report)


def _page(request: Request, session: Session, principal: Principal, *, page: int, report=None):
    form = {k: (request.query_params.get(k) or "").strip() for k in (*TEXT_FIELDS, "subject_id", "from", "to")}
    lang = language(request)
    entries, error, status = [], None, 200
    try:
        flt = _filter(form)
        entries = service.search_entries(session, principal, flt, limit=PAGE + 1, offset=(page - 1) * PAGE)
        session.commit()
    except XinyongError as exc:
        session.rollback()
        error = page_error(exc, lang)
        status = exc.status
    query = urlencode({k: v for k, v in form.items() if v})
    ctx = {"form": form, "error": error, "entries": [_row(e) for e in entries[:PAGE]], "page": page,
           "has_next": len(entries) > PAGE, "pager_query": f"{query}&" if query else "", "report": report,
           "choices": {field: _known(prefix, lang, form[field]) for field, prefix in CHOICES.items()}}
    return render(request, "audit/index.html", ctx, status_code=status)


# the filters that take a code the log records, offered as a choice of the codes that have words
CHOICES = {"action": "audit.action.", "target_type": "audit.target."}


def _known(prefix: str, lang: str, current: str) -> list[tuple[str, str]]:
    """(code, words) of every code under ``prefix`` in the messages, by code; a code asked for that
    has no words yet is offered too, as itself, so the filter still shows what it searches."""
    found = [(key[len(prefix):], entry.get(lang) or entry["zh"]) for key, entry in messages().items()
             if key.startswith(prefix)]
    if current and current not in {code for code, _ in found}:
        found.append((current, current))
    return sorted(found)


def _filter(form: dict[str, str]):
    def invalid(field: str, key: str) -> InvalidInput:
        return InvalidInput(translate(key, "zh"), field=field, message_en=translate(key, "en"))
    for field, size in TEXT_FIELDS.items():
        if len(form[field]) > size:
            raise invalid(field, "audit.err_too_long")
    subject_id = None
    if form["subject_id"]:
        if not form["subject_id"].isdigit() or not 1 <= int(form["subject_id"]) <= MAX_ID:
            raise invalid("subject_id", "audit.err_subject")
        subject_id = int(form["subject_id"])
    days = {}
    for field in ("from", "to"):
        try:
            days[field] = dt.date.fromisoformat(form[field]) if form[field] else None
        except ValueError:
            raise invalid(field, "audit.err_date") from None
    return service.entry_filter(action=form["action"], actor=form["actor"], target_type=form["target_type"],
                                target_id=form["target_id"], subject_id=subject_id, from_day=days["from"],
                                to_day=days["to"])


def _row(entry) -> dict:
    return {"id": entry.id, "chain": entry.chain, "seq": entry.seq, "at": entry.at, "actor": entry.actor,
            "action": entry.action, "target_type": entry.target_type, "target_id": entry.target_id,
            "subject_id": entry.subject_id,
            "details": json.dumps(entry.details or {}, ensure_ascii=False, sort_keys=True)}
