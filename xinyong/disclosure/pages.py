"""Public portal pages: home, search, and a subject's public records (masked for persons).
What is public, and until when, is decided by the service and the law profile; these
handlers only shape it for reading."""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.catalogue import CatalogueError, get_catalogue
from xinyong.declarations import service as declarations
from xinyong.declarations.views import public_out
from xinyong.market.pages import public_section as market_section
from xinyong.disclosure import repository, service
from xinyong.disclosure.schemas import PublicRecord
from xinyong.kit.access import allow
from xinyong.kit import opaque
from xinyong.kit.errors import InvalidInput
from xinyong.kit.web import get_read_session, language, refusal_text, render
from xinyong.kit.text import CodeForm, CodeQuery
from xinyong.law import RuleNotInForce, active_profile
from xinyong.lists import repository as lists_repository
from xinyong.lists import views as lists_views
from xinyong.web.i18n import messages, translate

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 20
MAX_ID = 2**63 - 1
# What a reader looks at first, per item; other items show their non-identity fields.
KEY_FIELDS = {
    "penalty": ("offence_type", "penalty_kinds", "penalty_content", "fine_wan", "confiscation_wan",
                "licence_affected", "legal_basis"),
    "licence": ("decision_doc_name", "licence_kind", "certificate_name", "licence_no", "licence_content",
                "valid_from", "valid_to"),
}


@router.post("/search", dependencies=[allow("public")])
def search_form(q: str = CodeForm("", max_length=100)):
    """The search box posts: what was typed (perhaps a person's name) goes on sealed, never in clear
    in the address, the access log or the browser's history."""
    q = q.strip()
    return RedirectResponse("/search?" + urlencode({"k": opaque.seal(q)}) if q else "/search", status_code=303)


@router.get("/search", dependencies=[allow("public")])
def search(request: Request, q: str = CodeQuery("", max_length=100), k: str = CodeQuery("", max_length=1000),
           page: int = Query(1, ge=1, le=500), session: Session = Depends(get_read_session)):
    lang = language(request)
    try:
        q = (opaque.unseal(k) if k else q).strip()
    except InvalidInput as exc:
        ctx = {"q": "", "page": 1, "items": [], "has_next": False, "pager_query": "",
               "message": refusal_text(exc, lang)}
        return render(request, "portal/search.html", ctx, status_code=422)
    ctx = {"q": q, "page": page, "items": [], "has_next": False, "message": None,
           "pager_query": urlencode({"k": k or opaque.seal(q)}) + "&"}
    if not q:
        ctx["message"] = translate("search.empty_query", lang)
        return render(request, "portal/search.html", ctx)
    try:
        result = service.search(session, q, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    except InvalidInput as exc:
        ctx["message"] = refusal_text(exc, lang)
        return render(request, "portal/search.html", ctx, status_code=422)
    ctx.update(items=result.items[:PAGE_SIZE], has_next=len(result.items) > PAGE_SIZE)
    if not result.items:
        ctx["message"] = translate("search.no_results", lang, q=q)
    return render(request, "portal/search.html", ctx)


@router.get("/subjects/{subject_id}", dependencies=[allow("public")])
def subject(request: Request, subject_id: int = Path(ge=1, le=MAX_ID), session: Session = Depends(get_read_session)):
    profile = service.subject_profile(session, subject_id)
    lang = language(request)
    long_term = _long_term_date()
    records = [record_view(r, lang, long_term) for r in profile.records]
    policy, declared = declarations.public_of(session, subject_id)   # QZ art. 13: labelled, unverified
    # 双公示 keeps licences and penalties apart; a licence has no severity (GB-DUAL)
    groups = [(key, [r for r in records if r["item_code"] == key]) for key in repository.DUAL_PUBLICITY_ITEMS]
    others = [r for r in records if r["item_code"] not in repository.DUAL_PUBLICITY_ITEMS]
    entries = lists_views.with_decisions(session, lists_views.public_entries_out(
        lists_repository.published(session, clock.today(), subject_id=subject_id, limit=20), lang))
    return render(request, "portal/subject.html", {"subject": profile, "records": records, "groups": groups,
                                                   "others": others, "entries": entries,
                                                   "declarations": [public_out(d, policy) for d in declared],
                                                   "market": market_section(session, subject_id)})   # QZ art. 12


def record_view(record: PublicRecord, lang: str, long_term: str | None) -> dict:
    """One record as the subject page shows it: names in the reader's language and the
    item's key content fields, labelled. ``long_term``: today's long-term date of licences
    (``_long_term_date``, looked up once per page)."""
    codes = KEY_FIELDS.get(record.item_code) or _plain_fields(record)
    fields = []
    for code in codes:
        value = record.fields.get(code)
        if value in (None, ""):
            continue
        if long_term and value == long_term:
            value = translate("common.long_term", lang)
        fields.append((_label(record, code, lang), value))
    return {
        "item_code": record.item_code,
        "item_name": record.item_name if lang == "zh" else record.item_name_en,
        "decision_no": record.decision_no, "decision_date": record.decision_date,
        "severity": record.severity, "source_agency": record.source_agency,
        "publicity_end": record.publicity_end, "publicity_citation": record.publicity_citation,
        "fields": fields, "under_objection": record.under_objection,
    }


def _label(record: PublicRecord, code: str, lang: str) -> str:
    """The 双公示 items' key fields keep their page wording (messages); every other item's column
    reads as the catalogue labels it (items/_field_names.yaml)."""
    if lang != "zh" and record.item_code in KEY_FIELDS and f"field.{code}" in messages():
        return translate(f"field.{code}", lang)
    if lang != "zh":
        try:
            return get_catalogue().get(record.item_code).field(code).label(lang) or record.field_labels.get(code, code)
        except CatalogueError:
            pass
    return record.field_labels.get(code, code)


def _plain_fields(record: PublicRecord) -> list[str]:
    """Fields that describe the act rather than identify the subject (those carry a role)."""
    try:
        item = get_catalogue().get(record.item_code)
    except CatalogueError:
        return []
    return [f.code for f in item.fields if f.role is None and not f.sensitive and f.code in record.fields]


def _long_term_date() -> str | None:
    try:
        value = active_profile().rule("publicity.licence", on=clock.today()).value.get("long_term_date")
    except RuleNotInForce:
        return None
    if not value:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)  # YAML may give a date or text


def publicity_summary(lang: str) -> dict | None:
    """The publicity periods in force today, from the law profile, with their basis."""
    profile, today = active_profile(), clock.today()
    try:
        rule = profile.rule("publicity.penalty", on=today)
    except RuleNotInForce:
        return None
    rows = [{"severity": severity, "published": bool(p.get("published")),
             "min": p.get("min_months"), "max": p.get("max_months")}
            for severity, p in (rule.value.get("by_severity") or {}).items()]
    return {"rows": rows, "effective_from": rule.effective_from, "basis": _citation(rule, lang)}


def _citation(rule, lang: str) -> str:
    c = rule.citation
    if lang == "zh":
        return f"《{c.regulation_title}》{c.article_zh}".strip()
    return f"{rule.regulation_label or c.regulation_id} {c.article}".strip()


def parse_day(text: str, field: str) -> dt.date | None:
    """A date typed in a filter (YYYY-MM-DD); empty: none."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput("日期格式应为 年-月-日", field=field, message_en="dates are YYYY-MM-DD") from None


@router.get("/publicity", dependencies=[allow("public")])
def publicity(request: Request, item: str = CodeQuery("", max_length=16, pattern="^(|licence|penalty)$"),
              agency: str = CodeQuery("", max_length=10, pattern=r"^\d*$"), date_from: str = CodeQuery("", max_length=10),
              date_to: str = CodeQuery("", max_length=10), page: int = Query(1, ge=1, le=10_000),
              session: Session = Depends(get_read_session)):
    """双公示: licences and penalties in public view today, by agency, type and decision date."""
    lang = language(request)
    agency_id = int(agency) if agency and 1 <= int(agency) < 2**31 else None   # the form sends "" for all
    filters = {"item": item, "agency": agency_id or "", "date_from": date_from, "date_to": date_to}
    ctx = {"filters": filters, "agencies": repository.source_agencies(session), "rows": [], "page": page,
           "has_next": False, "message": None,
           "pager_query": urlencode({k: v for k, v in filters.items() if v}) + ("&" if any(filters.values()) else "")}
    try:
        rows, has_next = service.browse(session, item=item or None, agency_id=agency_id, page=page,
                                        date_from=parse_day(date_from, "date_from"), date_to=parse_day(date_to, "date_to"))
    except InvalidInput as exc:
        ctx["message"] = refusal_text(exc, lang)
        return render(request, "portal/publicity.html", ctx, status_code=422)
    ctx.update(rows=rows, has_next=has_next)
    return render(request, "portal/publicity.html", ctx)
