"""Pages of objections: the subject files and follows its objections (/me/objections), the
service window files on a subject's behalf (/window/objections), the source agency works its
queue and decides (/agency/objections), the credit department sees every objection
(/staff/objections). Thin: parse, call the service, render."""
from __future__ import annotations

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from xinyong import clock
from xinyong.access import gate
from xinyong.access import window as subject_window
from xinyong.kit.access import Principal, allow
from xinyong.kit.errors import InvalidInput, XinyongError
from xinyong.kit.limits import human_size
from xinyong.kit.web import awaited_for_later, get_session, language, page_error, render
from xinyong.kit.text import Code, CodeForm, TextForm, screened_form
from xinyong.law import active_profile
from xinyong.objections import correction, repository, rights, rules, service, views
from xinyong.objections.api import read_uploads

router = APIRouter(include_in_schema=False)
MAX_ID = 2**63 - 1
PAGE = 50
STATUS = Query(None, pattern="^(open|corrected|upheld)$")


def _form_context(lang: str) -> dict:
    profile, today = active_profile(), clock.today()
    evidence = profile.rule(rules.EVIDENCE_KEY, today).value
    return {"grounds": [(code, names[lang] if lang in names else names["zh"])
                        for code, names in rules.grounds_of(profile, today).items()],
            "grounds_citation": rules.citation_of(profile, rules.GROUNDS_KEY, today),
            "evidence_types": "/".join(k.upper() for k in evidence["types"]),
            "evidence_max_size": human_size(int(evidence["max_file_bytes"])),
            "reasons_min": int(profile.rule(rules.GROUNDS_KEY, today).value.get("min_reasons_chars", 1)),
            "evidence_max_files": int(evidence["max_files"])}


def _list(request: Request, session: Session, principal: Principal, template: str, page: int, status: str | None,
          extra: dict | None = None, status_code: int = 200):
    lang = language(request)
    found = views.page(session, principal, status, PAGE + 1, (page - 1) * PAGE, lang)
    ctx = {"objections": found.items[:PAGE], "total": found.total, "page": page, "has_next": len(found.items) > PAGE,
           "status": status, "pager_query": f"status={status}&" if status else "", "today": clock.today(),
           **_form_context(lang), **(extra or {})}
    return render(request, template, ctx, status_code=status_code)


# ---- the subject ---------------------------------------------------------------------------------

@router.get("/me/notices/{record_id}")
def my_rights_notice(record_id: int = Path(ge=1, le=MAX_ID), principal: Principal = allow("subject"),
                     session: Session = Depends(get_session)):
    """The written notice of rights for one of my dishonesty records (QZ art. 20), as a PDF."""
    from xinyong.documents.api import pdf_response
    from xinyong.documents.service import download
    doc = download(session, principal, rights.notice(session, principal, record_id).id, "web")
    response = pdf_response(doc)
    session.commit()
    return response


@router.get("/me/objections")
def my_objections(request: Request, page: int = Query(1, ge=1, le=10_000), status: Code | None = STATUS,
                  record: int | None = Query(None, ge=1, le=MAX_ID), principal: Principal = allow("subject"),
                  session: Session = Depends(get_session)):
    return _mine(request, session, principal, page, status, form={"record_id": record})


def _mine(request, session, principal, page=1, status=None, form=None, error=None, status_code=200):
    records = repository.own_records(session, principal.subject_id)
    extra = {"records": records, "form": form or {}, "error": page_error(error, language(request))}
    return _list(request, session, principal, "objections/mine.html", page, status, extra, status_code)


@router.post("/me/objections")
async def file_mine(request: Request, record_id: str = CodeForm(""), grounds: list[Code] = Form([]),
                    reasons: str = TextForm("", max_length=4000), requested_change: str = TextForm("", max_length=4000),
                    evidence: list[UploadFile] | None = File(None), principal: Principal = allow("subject"),
                    session: Session = Depends(get_session)):
    form = {"record_id": record_id, "grounds": grounds, "reasons": reasons, "requested_change": requested_change}
    read = await awaited_for_later(read_uploads(evidence))

    def file_it():   # the database's work in the thread pool, off the event loop
        try:
            uploads = read()   # a refused upload first, as before
            objection = service.file_objection(session, principal, record_id=_record_id(record_id), grounds=grounds,
                                               reasons=reasons, requested_change=requested_change, files=uploads,
                                               channel="web")
        except XinyongError as exc:
            session.rollback()
            return _mine(request, session, principal, form=form, error=exc, status_code=exc.status)
        session.commit()
        return RedirectResponse(f"/me/objections/{objection.id}?filed=1", status_code=303)
    return await run_in_threadpool(file_it)


def _record_id(text: str) -> int:
    try:
        value = int(text)
    except (TypeError, ValueError):
        raise InvalidInput("请选择要提出异议的信用记录", field="record_id",
                           message_en="choose the record you object to") from None
    if not 1 <= value <= MAX_ID:
        raise InvalidInput("请选择要提出异议的信用记录", field="record_id", message_en="choose the record you object to")
    return value


@router.get("/me/objections/{objection_id}")
def my_objection(request: Request, objection_id: int = Path(ge=1, le=MAX_ID), filed: int = Query(0, ge=0, le=1),
                 principal: Principal = allow("subject"), session: Session = Depends(get_session)):
    return _detail(request, session, principal, objection_id, {"filed": filed, "back": "/me/objections"})


def _detail(request, session, principal, objection_id, extra=None, status_code=200):
    lang = language(request)
    item = views.one(session, principal, objection_id, lang)
    return render(request, "objections/detail.html", {"o": item, **(extra or {})}, status_code=status_code)


# ---- the source agency ---------------------------------------------------------------------------

@router.get("/agency/objections")
def agency_queue(request: Request, page: int = Query(1, ge=1, le=10_000), status: Code | None = STATUS,
                 principal: Principal = allow(*service.SOURCE_ROLES), session: Session = Depends(get_session)):
    return _list(request, session, principal, "objections/queue.html", page, status,
                 {"base": "/agency/objections", "title_key": "objections.agency_queue"})


@router.get("/agency/objections/{objection_id}")
def agency_objection(request: Request, objection_id: int = Path(ge=1, le=MAX_ID), decided: int = Query(0, ge=0, le=1),
                     principal: Principal = allow(*service.SOURCE_ROLES), session: Session = Depends(get_session)):
    return _agency_detail(request, session, principal, objection_id, decided=decided)


def _agency_detail(request, session, principal, objection_id, form=None, error=None, decided=0, status_code=200):
    record = service.visible(session, principal, objection_id)[1]
    specs = correction.specs_for(record, active_profile(), clock.today())
    current = correction.current_values(record, specs)
    fields = [{"code": c, "label": s.label, "type": s.type, "choices": s.choices, "required": s.required,
               "current": current[c]}
              for c, s in specs.items()]
    extra = {"fields": fields, "form": form or {}, "error": page_error(error, language(request)), "decided": decided,
             "back": "/agency/objections", "decide_url": f"/agency/objections/{objection_id}/decision"}
    return _detail(request, session, principal, objection_id, extra, status_code)


@router.post("/agency/objections/{objection_id}/decision")
async def agency_decide(request: Request, objection_id: int = Path(ge=1, le=MAX_ID), outcome: str = CodeForm(""),
                        reasons: str = TextForm("", max_length=4000), principal: Principal = allow(*service.SOURCE_ROLES),
                        session: Session = Depends(get_session)):
    form_data = await screened_form(request)
    corrections = {key[4:]: str(value) for key, value in form_data.items()
                   if key.startswith("new_") and form_data.get(f"change_{key[4:]}")}
    form = {"outcome": outcome, "reasons": reasons, "corrections": corrections}

    def decide():   # the database's work in the thread pool, off the event loop
        try:
            service.decide(session, principal, objection_id, outcome=outcome, reasons=reasons,
                           corrections=corrections if outcome == "corrected" else {})
        except XinyongError as exc:
            session.rollback()
            if exc.status == 404:
                raise
            return _agency_detail(request, session, principal, objection_id, form=form, error=exc,
                                  status_code=exc.status)
        session.commit()
        return RedirectResponse(f"/agency/objections/{objection_id}?decided=1", status_code=303)
    return await run_in_threadpool(decide)


# ---- the credit department -----------------------------------------------------------------------

@router.get("/staff/objections")
def staff_objections(request: Request, page: int = Query(1, ge=1, le=10_000), status: Code | None = STATUS,
                     principal: Principal = allow("staff"), session: Session = Depends(get_session)):
    return _list(request, session, principal, "objections/queue.html", page, status,
                 {"base": "/staff/objections", "title_key": "objections.staff_all"})


@router.get("/staff/objections/{objection_id}")
def staff_objection(request: Request, objection_id: int = Path(ge=1, le=MAX_ID), filed: int = Query(0, ge=0, le=1),
                    principal: Principal = allow("staff"), session: Session = Depends(get_session)):
    return _detail(request, session, principal, objection_id, {"filed": filed, "back": "/staff/objections"})


VISIT = gate.PURPOSES["window_objection"]   # logged as the subject's access (access.window)


@router.get("/window/objections")
def window_form(request: Request, subject_id: int | None = Query(None, ge=1, le=2**63 - 1),
                principal: Principal = allow("staff"), session: Session = Depends(get_session)):
    return _window(request, session, principal, subject_id)


@router.post("/window/objections/lookup")
def window_lookup(request: Request, code: str = CodeForm("", max_length=40), principal: Principal = allow("staff"),
                  session: Session = Depends(get_session)):
    """The identifier goes in the body; the page goes on under the subject's opaque id."""
    return subject_window.look_up(session, principal, code, "/window/objections", VISIT, lambda exc: _window(
        request, session, principal, None, error=exc, status_code=exc.status, lookup_sent=code))


def _window(request, session, principal, subject_id, form=None, error=None, status_code=200, lookup_sent=""):
    """``lookup_sent``: a refused look-up's code, shown back in its field."""
    lang = language(request)
    shown = subject_window.label(session, principal, subject_id)
    records = repository.own_records(session, subject_id) if shown else []
    ctx = {"shown": shown, "subject_id": subject_id, "records": records, "form": form or {},
           "lookup_sent": lookup_sent, "error": page_error(error, lang), **_form_context(lang)}
    return render(request, "objections/window.html", ctx, status_code=status_code)


@router.post("/window/objections")
async def window_file(request: Request, subject_id: int | None = Form(None, ge=1, le=2**63 - 1),
                      code: str = CodeForm("", max_length=40), record_id: str = CodeForm(""),
                      agent_authorisation_ref: str = TextForm("", max_length=200), grounds: list[Code] = Form([]),
                      reasons: str = TextForm("", max_length=4000), requested_change: str = TextForm("", max_length=4000),
                      evidence: list[UploadFile] | None = File(None), principal: Principal = allow("staff"),
                      session: Session = Depends(get_session)):
    form = {"record_id": record_id, "grounds": grounds, "reasons": reasons, "requested_change": requested_change,
            "agent_authorisation_ref": agent_authorisation_ref}
    read = await awaited_for_later(read_uploads(evidence))

    def file_it():   # the database's work in the thread pool, off the event loop
        try:
            uploads = read()   # a refused upload first, as before
            objection = service.file_objection(session, principal, record_id=_record_id(record_id), grounds=grounds,
                                               reasons=reasons, requested_change=requested_change, files=uploads,
                                               agent_ref=agent_authorisation_ref, channel="window")
        except XinyongError as exc:
            session.rollback()
            shown_id = subject_id
            if shown_id is None and code.strip():
                try:
                    shown_id = subject_window.visit(session, principal, code, VISIT)
                    session.commit()
                except XinyongError:
                    shown_id = None
            return _window(request, session, principal, shown_id, form=form, error=exc, status_code=exc.status)
        session.commit()
        return RedirectResponse(f"/staff/objections/{objection.id}?filed=1", status_code=303)
    return await run_in_threadpool(file_it)
