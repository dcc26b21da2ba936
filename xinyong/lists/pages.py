"""Pages of lists: the public lists (/lists, /lists/{kind}, /lists/subject/{id}; persons masked),
the office's procedure pages (an agency proposes; staff or the agency send the notice, answer
an objection, decide and publish; staff remove), and the subject's own page (/me/lists) where it
reads its notices and objects within the notice period."""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from xinyong import clock
from xinyong.agencies import service as agencies
from xinyong.disclosure.publicity import subject_in_view
from xinyong.documents import repository as documents_repository
from xinyong.kit.access import Principal, allow
from xinyong.kit.errors import InvalidInput, NotFound, XinyongError
from xinyong.kit.web import act_then_redirect, get_session, language, page_error, refusal_clause, refusal_text, render
from xinyong.kit.text import CodeForm, CodePath, CodeQuery, TextForm, invalid_input, screened_form
from xinyong.lists import repository, rules, service, views
from xinyong.lists.schemas import ProposalIn
from xinyong.models import Record, Subject

router = APIRouter(include_in_schema=False)
MAX_ID = 2**63 - 1
PAGE = 50
OFFICE = ("agency", "staff", "admin", "auditor")
ACTORS = ("agency", "staff")
PERSON_ROWS = 3


# ---- public lists ----------------------------------------------------------------------------------------

@router.get("/lists", dependencies=[allow("public")])
def lists_index(request: Request, q: str = CodeQuery("", max_length=100), kind: str = CodeQuery("", max_length=32),
                date_from: str = CodeQuery("", max_length=10), date_to: str = CodeQuery("", max_length=10),
                page: int = Query(1, ge=1, le=10_000), session: Session = Depends(get_session)):
    """The lists, and a search over their entries by name or code, list and listing date."""
    lang, today, policy = language(request), clock.today(), views.rules_policy()
    filters = {"q": q.strip(), "kind": kind if kind in policy.kinds else "", "date_from": date_from,
               "date_to": date_to}
    searching = any(filters.values())
    ctx = {"policy": policy, "counts": repository.published_counts(session, today), "today": today,
           "filters": filters, "searching": searching, "page": page, "has_next": False, "message": None,
           "pager_query": urlencode({k: v for k, v in filters.items() if v}) + "&"}
    try:
        days = {k: _day(filters[k], k) for k in ("date_from", "date_to")}
    except InvalidInput as exc:
        ctx.update(latest=[], message=refusal_text(exc, lang))
        return render(request, "lists/index.html", ctx, status_code=422)
    size = PAGE if searching else 10
    rows = repository.published(session, today, kind=filters["kind"] or None, q=filters["q"],
                                listed_from=days["date_from"], listed_to=days["date_to"],
                                limit=size + 1, offset=(page - 1) * size if searching else 0)
    latest = views.with_decisions(session, views.public_entries_out(rows[:size], lang))
    ctx.update(latest=latest, has_next=searching and len(rows) > size)
    return render(request, "lists/index.html", ctx)


def _day(text: str, field: str):
    try:
        return dt.date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        raise InvalidInput("日期格式应为 年-月-日", field=field, message_en="dates are YYYY-MM-DD") from None


@router.get("/lists/subject/{subject_id}", dependencies=[allow("public")])
def subject_lists(request: Request, subject_id: int = Path(ge=1, le=MAX_ID), session: Session = Depends(get_session)):
    subject = session.get(Subject, subject_id)
    rows = repository.published(session, clock.today(), subject_id=subject_id, limit=100) if subject else []
    if subject is None or not (rows or subject_in_view(session, subject_id, clock.today())):
        # a person neither listed nor with a record in public view is answered as no one (QZ art. 22)
        raise NotFound("未找到该主体", message_en="no such subject")
    name, masked = views.shown_name(subject.name, subject.kind)
    entries = views.with_decisions(session, views.public_entries_out(rows, language(request)))
    return render(request, "lists/subject.html", {"entries": entries,
                                                   "subject_name": name, "subject": subject, "masked": masked,
                                                   "today": clock.today()})


@router.get("/lists/entries/{entry_id}/decision", dependencies=[allow("public")])
def public_decision(entry_id: int = Path(ge=1, le=MAX_ID), session: Session = Depends(get_session)):
    """The decision document of an entry on the public list (QZ art. 23 para. 2: reasons, basis,
    measures, removal conditions), while it is there; never a natural person's (it names them)."""
    from xinyong.documents.api import pdf_response
    doc = repository.public_decision(session, entry_id, clock.today())
    if doc is None:
        raise NotFound("未找到该决定书", message_en="no such decision document")
    return pdf_response(doc)


@router.get("/lists/{kind}", dependencies=[allow("public")])
def list_of_kind(request: Request, kind: str = CodePath(max_length=32), page: int = Query(1, ge=1, le=10_000),
                 session: Session = Depends(get_session)):
    policy = views.rules_policy()
    if kind not in policy.kinds:
        raise NotFound("本地不设该名单", message_en="no such list here")
    rows = repository.published(session, clock.today(), kind=kind, limit=PAGE + 1, offset=(page - 1) * PAGE)
    entries = views.with_decisions(session, views.public_entries_out(rows[:PAGE], language(request)))
    return render(request, "lists/kind.html", {"spec": policy.kinds[kind], "entries": entries, "page": page,
                                                "has_next": len(rows) > PAGE, "pager_query": "", "today": clock.today()})


# ---- the office: queue, proposal form, procedure page -------------------------------------------------------

@router.get("/office/lists")
def office_queue(request: Request, status: str = CodeQuery("", max_length=16), page: int = Query(1, ge=1, le=10_000),
                 principal: Principal = allow(*OFFICE), session: Session = Depends(get_session)):
    org = principal.agency_id if principal.role == "agency" else None
    rows = repository.proposals(session, org_id=org, statuses=(status,) if status else None, limit=PAGE + 1,
                                offset=(page - 1) * PAGE)
    items = views.proposals_out(session, rows[:PAGE], language(request))
    return render(request, "lists/office.html", {"proposals": items, "status": status, "page": page,
                                                  "has_next": len(rows) > PAGE,
                                                  "pager_query": f"status={status}&" if status else ""})


@router.get("/office/lists/new")
def new_proposal(request: Request, kind: str = CodeQuery("", max_length=32), subject: str = CodeQuery("", max_length=64),
                 principal: Principal = allow(*ACTORS), session: Session = Depends(get_session)):
    return _new_page(request, session, principal, {"kind": kind, "subject": subject})


@router.post("/office/lists/new")
async def create_proposal(request: Request, principal: Principal = allow(*ACTORS),
                          session: Session = Depends(get_session)):
    form = await screened_form(request)
    data = {k: form.get(k, "") for k in ("kind", "subject", "category", "reasons", "legal_basis", "measures",
                                         "removal_conditions", "period_months", "proposing_org_id",
                                         "lenient_waiver_reason")}
    data.update({k: form.getlist(k) for k in ("criteria", "lenient_flags", "basis_record_ids")})
    data["persons"] = [(form.get(f"person_role_{i}", ""), form.get(f"person_name_{i}", ""),
                        form.get(f"person_subject_{i}", "")) for i in range(1, PERSON_ROWS + 1)]
    def propose():   # the database's work in the thread pool, off the event loop
        try:
            body = _proposal_in(session, data)
            proposal = service.propose(session, principal, body)
        except XinyongError as exc:
            session.rollback()
            return _new_page(request, session, principal, data, error=exc, status_code=exc.status)
        session.commit()
        return RedirectResponse(f"/office/lists/proposals/{proposal.id}", status_code=303)
    return await run_in_threadpool(propose)


def _resolve_subject(session: Session, text: str) -> Subject | None:
    text = (text or "").strip()
    if not text:
        return None
    if text.isdigit() and len(text) < 18:
        return session.get(Subject, int(text))
    return session.scalar(select(Subject).where(Subject.uscc == text.upper()))


def _proposal_in(session: Session, data: dict) -> ProposalIn:
    subject = _resolve_subject(session, data["subject"])
    if subject is None:
        raise InvalidInput("请填写信用主体的统一社会信用代码或主体编号", field="subject",
                           message_en="give the subject's USCC or subject number")
    persons = [{"role": r, "name": n.strip(), "subject_id": int(s) if str(s).strip().isdigit() else None}
               for r, n, s in data["persons"] if r and n.strip()]
    try:
        return ProposalIn(
            kind=data["kind"], subject_id=subject.id, category=data["category"] or None, criteria=data["criteria"],
            lenient_flags=data["lenient_flags"], lenient_waiver_reason=data.get("lenient_waiver_reason", ""),
            basis_record_ids=[int(x) for x in data["basis_record_ids"] if str(x).isdigit()],
            reasons=data["reasons"], legal_basis=data["legal_basis"], measures=data["measures"],
            removal_conditions=data["removal_conditions"],
            period_months=int(data["period_months"]) if str(data["period_months"]).strip().isdigit() else None,
            responsible_persons=persons,
            proposing_org_id=int(data["proposing_org_id"]) if str(data["proposing_org_id"]).isdigit() else None)
    except ValidationError as exc:
        raise invalid_input(exc) from None


def _new_page(request: Request, session: Session, principal: Principal, form: dict, *,
              error: XinyongError | None = None, status_code: int = 200):
    policy = views.rules_policy()
    subject = _resolve_subject(session, form.get("subject", ""))
    records = []
    if subject is not None:
        stmt = select(Record).where(Record.subject_id == subject.id, Record.status == "active")
        if principal.role == "agency":
            stmt = stmt.where(Record.source_agency_id == principal.agency_id)
        records = list(session.scalars(stmt.order_by(Record.decision_date.desc()).limit(100)))
    spec = policy.kinds.get(form.get("kind", ""))
    # offered as a basis only what can ground the listing (the kind chosen, or any that takes
    # records): a licence, a general penalty or one past its publicity would only be refused
    kinds = [spec] if spec else [k for k in policy.kinds.values() if k.basis_records_required]
    facts = repository.basis_facts(records, clock.today())
    records = [r for r, f in zip(records, facts) if any(rules.basis_record_verdict(k, f).allowed for k in kinds)]
    orgs = [a for a in agencies.list_all(session) if a.active and a.kind == "public_body"] if principal.role == "staff" else []
    ctx = {"policy": policy, "spec": spec, "subject_row": subject, "records": records, "form": form,
           "organisations": orgs, "error": page_error(error, language(request)), "person_rows": range(1, PERSON_ROWS + 1),
           "chosen_records": {str(x) for x in form.get("basis_record_ids", [])}}
    return render(request, "lists/new.html", ctx, status_code=status_code)


@router.get("/office/lists/proposals/{proposal_id}")
def office_proposal(request: Request, proposal_id: int = Path(ge=1, le=MAX_ID),
                    done: str = CodeQuery("", pattern="^(|notice|reply|decision|publication|removal)$"),
                    principal: Principal = allow(*OFFICE), session: Session = Depends(get_session)):
    return _proposal_page(request, session, principal, proposal_id, done=done)


def _proposal_page(request: Request, session: Session, principal: Principal, proposal_id: int, *,
                   error: XinyongError | None = None, status_code: int = 200, done: str = "", sent: dict | None = None):
    """``sent``: what a refused form sent ({"form": its name, its fields}), shown back in that form."""
    row = service.visible_proposal(session, principal, proposal_id)
    item = views.proposals_out(session, [row], language(request), detail=True)[0]
    readable = documents_repository.readable_ids(session, principal, [d.id for d in item.documents])
    item.documents = [d for d in item.documents if d.id in readable]   # a link shown opens for its reader
    policy = views.rules_policy()
    may_act = principal.role == "staff" or (principal.role == "agency" and principal.agency_id == row[0].proposing_org_id)
    decision = _decision(session, row[0], language(request)) if may_act else None
    return render(request, "lists/proposal.html", {
        "p": item, "spec": policy.kinds.get(item.kind), "policy": policy, "may_act": may_act, "decision": decision,
        "may_remove": principal.role == "staff", "error": page_error(error, language(request)), "done": done,
        "today": clock.today(), "sent": sent or {}}, status_code=status_code)


def _decision(session: Session, proposal, lang: str) -> dict | None:
    """The decision button's state: offered, or withheld with the reason (None once closed)."""
    if proposal.status in ("decided", "withdrawn"):
        return None
    try:
        verdict = service.decision_verdict(session, proposal)
    except XinyongError as exc:
        return {"allowed": False, "reason": refusal_clause(exc, lang), "citation": ""}
    return {"allowed": verdict.allowed, "reason": verdict.reason_zh if lang == "zh" else verdict.reason_en,
            "citation": verdict.citation}


def _step(request: Request, session: Session, principal: Principal, proposal_id: int, action, done: str,
          sent: dict | None = None):
    return act_then_redirect(session, action, f"/office/lists/proposals/{proposal_id}?done={done}", lambda exc: _proposal_page(
        request, session, principal, proposal_id, error=exc, status_code=exc.status, sent=sent))


@router.post("/office/lists/proposals/{proposal_id}/notice")
def office_notice(request: Request, proposal_id: int = Path(ge=1, le=MAX_ID), principal: Principal = allow(*ACTORS),
                  session: Session = Depends(get_session)):
    return _step(request, session, principal, proposal_id,
                 lambda: service.send_notice(session, principal, proposal_id), "notice")


@router.post("/office/lists/proposals/{proposal_id}/objection-reply")
def office_reply(request: Request, proposal_id: int = Path(ge=1, le=MAX_ID), outcome: str = CodeForm("", max_length=16),
                 reply: str = TextForm("", max_length=4000), principal: Principal = allow(*ACTORS),
                 session: Session = Depends(get_session)):
    return _step(request, session, principal, proposal_id,
                 lambda: service.answer_objection(session, principal, proposal_id, outcome, reply), "reply",
                 {"form": "reply", "outcome": outcome, "reply": reply})


@router.post("/office/lists/proposals/{proposal_id}/decision")
def office_decide(request: Request, proposal_id: int = Path(ge=1, le=MAX_ID), principal: Principal = allow(*ACTORS),
                  session: Session = Depends(get_session)):
    return _step(request, session, principal, proposal_id,
                 lambda: service.decide(session, principal, proposal_id), "decision")


@router.post("/office/lists/proposals/{proposal_id}/publication")
def office_publish(request: Request, proposal_id: int = Path(ge=1, le=MAX_ID), principal: Principal = allow(*ACTORS),
                   session: Session = Depends(get_session)):
    return _step(request, session, principal, proposal_id,
                 lambda: service.publish(session, principal, proposal_id), "publication")


@router.post("/office/lists/entries/{entry_id}/removal")
def office_remove(request: Request, entry_id: int = Path(ge=1, le=MAX_ID), note: str = TextForm("", max_length=2000),
                  principal: Principal = allow("staff"), session: Session = Depends(get_session)):
    from xinyong.models.listing import ListEntry
    entry = session.get(ListEntry, entry_id)
    if entry is None:
        raise NotFound("名单条目不存在", message_en="no such list entry")
    proposal_id = entry.proposal_id
    return _step(request, session, principal, proposal_id,
                 lambda: service.remove(session, principal, entry_id, note), "removal")


# ---- the subject's own page ------------------------------------------------------------------------------

@router.get("/me/lists")
def my_lists(request: Request, objected: int | None = Query(None, ge=1, le=MAX_ID),
             principal: Principal = allow("subject"), session: Session = Depends(get_session)):
    return _my_page(request, session, principal, objected=objected)


def _my_page(request: Request, session: Session, principal: Principal, *, error: XinyongError | None = None,
             status_code: int = 200, objected: int | None = None, form_text: str = ""):
    rows = [] if principal.subject_id is None else repository.proposals(
        session, subject_id=principal.subject_id, statuses=("notice", "objection", "decided", "withdrawn"), limit=200)
    items = views.proposals_out(session, rows, language(request), detail=True)
    today, may_object = clock.today(), {}
    for item in items:
        notice = next((s for s in item.steps if s.step == "notice_period"), None)
        may_object[item.id] = bool(item.status == "notice" and item.objection_on is None and notice
                                   and today <= notice.due_on)
    return render(request, "lists/mine.html", {"items": items, "error": page_error(error, language(request)),
                                                "may_object": may_object,
                                                "objected": objected, "form_text": form_text, "today": today,
                                                "policy": views.rules_policy()}, status_code=status_code)


@router.post("/me/lists/{proposal_id}/objection")
def my_objection(request: Request, proposal_id: int = Path(ge=1, le=MAX_ID), text: str = TextForm("", max_length=4000),
                 principal: Principal = allow("subject"), session: Session = Depends(get_session)):
    try:
        service.object_to(session, principal, proposal_id, text)
    except NotFound:
        raise
    except XinyongError as exc:
        session.rollback()
        return _my_page(request, session, principal, error=exc, status_code=exc.status, form_text=text)
    session.commit()
    return RedirectResponse(f"/me/lists?objected={proposal_id}", status_code=303)

