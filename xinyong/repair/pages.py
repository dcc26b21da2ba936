"""Credit repair pages: the subject's eligibility, application and applications (/me/repair), the
queue and detail with the decisions for staff and agencies (/repair/queue, /repair/{id}), and the
offline service window where staff file on a subject's behalf (/repair/window, QZ art. 35 para. 3)."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from xinyong import clock
from xinyong.access import window as subject_window
from xinyong.access.service import subject_by_code
from xinyong.kit.access import Principal, allow
from xinyong.kit.errors import InvalidInput, XinyongError
from xinyong.kit.limits import human_size
from xinyong.kit.web import get_session, language, page_error, render
from xinyong.kit.text import CodeForm, CodeQuery, screened_form
from xinyong.law.loader import active_profile
from xinyong.models.repair import REVOCATION_KINDS, STATUSES
from xinyong.repair import repository, rules, service, views
from xinyong.repair.service import Upload

router = APIRouter(include_in_schema=False)
MAX_ID = 2**63 - 1
PAGE = 50
ACTORS = ("staff", "agency")
READERS = ("subject", "staff", "agency")


def Id():
    return Path(ge=1, le=MAX_ID)


def _max_file_size() -> str:
    """The profile's per-file limit of repair materials, as the forms state it."""
    return human_size(rules.material_limits(active_profile(), clock.today())[0])


def _material_names(lang: str) -> dict[str, str]:
    return {k: v[0] if lang == "zh" else v[1] for k, v in rules.MATERIAL_NAMES.items()}


async def _form(request: Request) -> tuple[dict[str, str], list[Upload]]:
    form = await screened_form(request)
    fields, uploads, limit = {}, [], service.read_limit(clock.today())
    for key, value in form.multi_items():
        if hasattr(value, "read"):
            if key in rules.MATERIAL_KINDS and value.filename:
                data = await value.read(limit)
                uploads.append(Upload(key, value.filename, value.content_type or "", data))
        else:
            fields[key] = str(value)
    return fields, uploads


def _record_id(fields: dict[str, str]) -> int:
    raw = fields.get("record_id", "")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_ID:
        raise InvalidInput("请选择要修复的记录", field="record_id", message_en="choose the record to repair")
    return int(raw)


# ---- the subject ------------------------------------------------------------------------------------

@router.get("/me/repair")
def my_repair(request: Request, filed: int | None = Query(None, ge=1, le=MAX_ID), principal: Principal = allow("subject"),
              session: Session = Depends(get_session)):
    return _my_page(request, session, principal, filed=filed)


@router.post("/me/repair")
async def my_apply(request: Request, principal: Principal = allow("subject"), session: Session = Depends(get_session)):
    fields, uploads = await _form(request)

    def file_it():   # the database's work in the thread pool, off the event loop
        try:
            app = service.apply(session, principal, subject_id=principal.subject_id, record_id=_record_id(fields),
                                statement=fields.get("statement", ""), uploads=uploads, channel="online")
        except XinyongError as exc:
            session.rollback()
            return _my_page(request, session, principal, error=exc, form=fields, status_code=exc.status)
        session.commit()
        return RedirectResponse(f"/repair/{app.id}?filed=1", status_code=303)
    return await run_in_threadpool(file_it)


def _my_page(request: Request, session: Session, principal: Principal, *, filed: int | None = None,
             error: XinyongError | None = None, form: dict | None = None, status_code: int = 200):
    lang = language(request)
    ctx = {"items": [views.eligibility_out(x) for x in service.eligibility(session, principal.subject_id)],
           "applications": views.applications_out(session, repository.applications_of(session, principal.subject_id)),
           "material_names": _material_names(lang), "error": page_error(error, lang), "form": form or {},
           "max_file_size": _max_file_size(),
           "action": "/me/repair", "filed": filed}
    return render(request, "repair/my_repair.html", ctx, status_code=status_code)


# ---- the offline window (staff) -------------------------------------------------------------------------

VISIT = service.WINDOW_VISIT

@router.get("/repair/window")
def window(request: Request, subject_id: int | None = Query(None, ge=1, le=MAX_ID),
           principal: Principal = allow("staff"), session: Session = Depends(get_session)):
    return _window_page(request, session, principal, subject_id)


@router.post("/repair/window/lookup")
def window_lookup(request: Request, subject: str = CodeForm("", max_length=40), principal: Principal = allow("staff"),
                  session: Session = Depends(get_session)):
    """The identifier goes in the body; the page goes on under the subject's opaque id."""
    return subject_window.look_up(session, principal, subject, "/repair/window", VISIT, lambda exc: _window_page(
        request, session, principal, None, lookup_error=exc, lookup_sent=subject, status_code=exc.status),
        find=_window_subject)


@router.post("/repair/window")
async def window_apply(request: Request, principal: Principal = allow("staff"), session: Session = Depends(get_session)):
    fields, uploads = await _form(request)

    def file_it():   # the database's work in the thread pool, off the event loop
        subject_id = None
        try:
            subject_id = _form_subject(session, principal, fields)
            app = service.apply(session, principal, subject_id=subject_id, record_id=_record_id(fields),
                                statement=fields.get("statement", ""), uploads=uploads, channel="window")
        except XinyongError as exc:
            session.rollback()
            return _window_page(request, session, principal, subject_id, error=exc, form=fields,
                                status_code=exc.status)
        session.commit()
        return RedirectResponse(f"/repair/{app.id}?filed=1", status_code=303)
    return await run_in_threadpool(file_it)


def _form_subject(session: Session, principal: Principal, fields: dict) -> int:
    """The page's hidden subject_id (a subject this staff member found at the window today), or
    an identifier typed into the form body (a visit of its own)."""
    raw = str(fields.get("subject_id", "")).strip()
    if raw.isdigit() and 1 <= int(raw) <= MAX_ID and subject_window.visited(session, principal, int(raw)):
        return int(raw)
    return subject_window.visit(session, principal, fields.get("subject", ""), VISIT, find=_window_subject)


def _window_subject(session: Session, code: str) -> int:
    if not code.strip():
        raise InvalidInput("请填写18位统一社会信用代码或身份证号码", field="subject",
                           message_en="enter the 18-character USCC or resident ID number")
    return subject_by_code(session, code)


def _window_page(request: Request, session: Session, principal: Principal, subject_id: int | None, *,
                 error: XinyongError | None = None, lookup_error: XinyongError | None = None, form: dict | None = None,
                 lookup_sent: str = "", status_code: int = 200):
    """``lookup_sent``: a refused look-up's code, shown back in its field."""
    lang = language(request)
    shown = subject_window.label(session, principal, subject_id)
    items = [views.eligibility_out(x) for x in service.eligibility(session, subject_id)] if shown else []
    ctx = {"shown": shown, "subject_id": subject_id, "items": items, "lookup_error": page_error(lookup_error, lang),
           "lookup_sent": lookup_sent,
           "error": page_error(error, lang), "form": form or {}, "material_names": _material_names(lang),
           "action": "/repair/window", "max_file_size": _max_file_size()}
    return render(request, "repair/window.html", ctx, status_code=status_code)


# ---- staff and agencies -----------------------------------------------------------------------------------

@router.get("/repair/queue")
def queue(request: Request, status: str = CodeQuery("", pattern="^(|" + "|".join(STATUSES) + ")$"),
          page: int = Query(1, ge=1, le=10_000), principal: Principal = allow(*ACTORS),
          session: Session = Depends(get_session)):
    agency_id = principal.agency_id if principal.role == "agency" else None
    rows = repository.queue(session, agency_id, (status,) if status else None, PAGE + 1, (page - 1) * PAGE)
    apps = views.applications_out(session, rows[:PAGE])
    ctx = {"applications": apps, "status": status, "statuses": STATUSES, "page": page,
           "has_next": len(rows) > PAGE, "pager_query": f"status={status}&" if status else ""}
    return render(request, "repair/queue.html", ctx)


@router.get("/repair/{app_id}")
def detail(request: Request, app_id: int = Id(), filed: int = Query(0, ge=0, le=1),
           principal: Principal = allow(*READERS), session: Session = Depends(get_session)):
    return _detail_page(request, session, principal, app_id, filed=bool(filed))


def _detail_page(request: Request, session: Session, principal: Principal, app_id: int, *, filed: bool = False,
                 error: XinyongError | None = None, status_code: int = 200, sent: dict | None = None):
    lang = language(request)
    app = views.applications_out(session, [service.visible(session, principal, app_id)], detail=True)[0]
    ctx = {"app": app, "filed": filed, "error": page_error(error, lang), "material_names": _material_names(lang),
           "can_act": principal.role in ACTORS, "revocation_kinds": REVOCATION_KINDS, "lang": lang,
           "sent": sent or {"action": "", "reason": "", "conditions": [], "kind": ""}}
    return render(request, "repair/detail.html", ctx, status_code=status_code)


@router.get("/repair/{app_id}/materials/{material_id}")
def material(app_id: int = Id(), material_id: int = Id(), principal: Principal = allow(*READERS),
             session: Session = Depends(get_session)):
    found = service.material_for(session, principal, app_id, material_id)
    return Response(found.content, media_type=found.content_type,
                    headers={"Content-Disposition": f'attachment; filename="material-{found.id}"'})


async def _act(request: Request, session: Session, principal: Principal, app_id: int, action: str):
    form = await screened_form(request)
    return await run_in_threadpool(_act_on, request, session, principal, app_id, action, form)


def _act_on(request: Request, session: Session, principal: Principal, app_id: int, action: str, form):
    """_act's database work, in the thread pool."""
    reason = str(form.get("reason", ""))
    try:
        if action == "accept":
            service.accept(session, principal, app_id)
        elif action == "refuse":
            service.refuse(session, principal, app_id, reason)
        elif action == "extend":
            service.extend(session, principal, app_id, reason)
        elif action == "approve":
            service.approve(session, principal, app_id, reason, form.getlist("conditions"))
        elif action == "reject":
            service.reject(session, principal, app_id, reason)
        else:
            service.revoke(session, principal, app_id, str(form.get("kind", "")), reason)
    except XinyongError as exc:
        session.rollback()
        if exc.status == 404:
            raise
        sent = {"action": action, "reason": reason, "conditions": form.getlist("conditions"),
                "kind": str(form.get("kind", ""))}   # the form shown again as it was sent
        return _detail_page(request, session, principal, app_id, error=exc, status_code=exc.status, sent=sent)
    session.commit()
    return RedirectResponse(f"/repair/{app_id}", status_code=303)


@router.post("/repair/{app_id}/accept")
async def accept(request: Request, app_id: int = Id(), principal: Principal = allow(*ACTORS),
                 session: Session = Depends(get_session)):
    return await _act(request, session, principal, app_id, "accept")


@router.post("/repair/{app_id}/refuse")
async def refuse(request: Request, app_id: int = Id(), principal: Principal = allow(*ACTORS),
                 session: Session = Depends(get_session)):
    return await _act(request, session, principal, app_id, "refuse")


@router.post("/repair/{app_id}/extend")
async def extend(request: Request, app_id: int = Id(), principal: Principal = allow(*ACTORS),
                 session: Session = Depends(get_session)):
    return await _act(request, session, principal, app_id, "extend")


@router.post("/repair/{app_id}/approve")
async def approve(request: Request, app_id: int = Id(), principal: Principal = allow(*ACTORS),
                  session: Session = Depends(get_session)):
    return await _act(request, session, principal, app_id, "approve")


@router.post("/repair/{app_id}/reject")
async def reject(request: Request, app_id: int = Id(), principal: Principal = allow(*ACTORS),
                 session: Session = Depends(get_session)):
    return await _act(request, session, principal, app_id, "reject")


@router.post("/repair/{app_id}/revoke")
async def revoke(request: Request, app_id: int = Id(), principal: Principal = allow(*ACTORS),
                 session: Session = Depends(get_session)):
    return await _act(request, session, principal, app_id, "revoke")
