"""Pages of bulletins: the public 通知公告 (/notices) and 政策法规 (/policies, with the
regulations and measure lists the platform applies) and each bulletin (/bulletins/{id}); the
credit department's desk (/staff/bulletins) to create, edit, publish, withdraw and attach."""
from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, File, Path, Query, Request, UploadFile
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from xinyong import clock
from xinyong.bulletins import repository, service, views
from xinyong.bulletins.api import attachment_response, read_uploads
from xinyong.bulletins.schemas import MAX_ID
from xinyong.history import versions
from xinyong.kit.access import Principal, allow
from xinyong.kit.errors import InvalidInput, NotFound, XinyongError
from xinyong.kit.text import Code, CodeForm, CodePath, CodeQuery, TextForm
from xinyong.kit.web import act_then_redirect, awaited_for_later, get_session, language, page_error, render

router = APIRouter(include_in_schema=False)
PAGE = 20
BulletinId = Path(ge=1, le=MAX_ID)
STAFF = service.STAFF_ROLES


# ---- public ----------------------------------------------------------------------------------------------

def _public_list(request: Request, session: Session, category: str, page: int, extra: dict | None = None):
    rows, has_next = service.public_page(session, category, page, PAGE)
    return render(request, "bulletins/list.html", {
        "category": category, "items": views.public_out(session, rows), "page": page, "has_next": has_next,
        "pager_query": "", **(extra or {})})


@router.get("/notices", dependencies=[allow("public")])
def notices(request: Request, page: int = Query(1, ge=1, le=10_000), session: Session = Depends(get_session)):
    return _public_list(request, session, "notice", page)


@router.get("/policies", dependencies=[allow("public")])
def policies(request: Request, page: int = Query(1, ge=1, le=10_000), session: Session = Depends(get_session)):
    lang = language(request)
    return _public_list(request, session, "policy", page, {
        "regulations": views.regulations(lang), "measure_lists": views.measure_lists(session, lang)})


@router.get("/policies/regulations/{regulation_id}", dependencies=[allow("public")])
def regulation(request: Request, regulation_id: str = CodePath(max_length=40)):
    found = views.regulation(language(request), regulation_id)
    if found is None:
        raise NotFound("未找到该法规", message_en="no such regulation")
    return render(request, "bulletins/regulation.html", {"reg": found})


@router.get("/bulletins/{bulletin_id}")
def detail(request: Request, bulletin_id: int = BulletinId, principal: Principal = allow("public"),
           session: Session = Depends(get_session)):
    b = service.readable(session, principal, bulletin_id)
    return render(request, "bulletins/detail.html", {"b": views.public_out(session, [b])[0]})


@router.get("/bulletins/{bulletin_id}/attachments/{attachment_id}")
def attachment(bulletin_id: int = BulletinId, attachment_id: int = Path(ge=1, le=MAX_ID),
               principal: Principal = allow("public"), session: Session = Depends(get_session)):
    return attachment_response(service.attachment_file(session, principal, bulletin_id, attachment_id))


# ---- the credit department ---------------------------------------------------------------------------------

def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput("请填写发布日期（年-月-日）", field="published_on",
                           message_en="enter the publication date (YYYY-MM-DD)") from None


def _desk(request, session, *, status=None, page=1, done="", form=None, error=None, status_code=200):
    rows = repository.listing(session, status=status, limit=PAGE + 1, offset=(page - 1) * PAGE)
    return render(request, "bulletins/staff.html", {
        "rows": views.staff_out(session, rows[:PAGE]), "has_next": len(rows) > PAGE, "page": page,
        "pager_query": f"status={status}&" if status else "", "status": status,
        "counts": repository.counts_by_status(session), "policy": service.policy(), "done": done,
        "form": form or {"published_on": clock.today().isoformat()}, "error": page_error(error, language(request))},
        status_code=status_code)


@router.get("/staff/bulletins")
def desk(request: Request, status: Code | None = Query(None, pattern="^(|draft|published|withdrawn)$"),
         page: int = Query(1, ge=1, le=10_000), done: str = CodeQuery("", max_length=16),
         principal: Principal = allow(*STAFF), session: Session = Depends(get_session)):
    return _desk(request, session, status=status or None, page=page, done=done)   # "" (all) from the form


@router.post("/staff/bulletins")
async def create(request: Request, category: str = CodeForm("", max_length=32), title: str = TextForm("", max_length=1000),
                 body: str = TextForm("", max_length=100_000), published_on: str = CodeForm("", max_length=20),
                 issuer: str = TextForm("", max_length=400), document_no: str = TextForm("", max_length=128),
                 related_path: str = CodeForm("", max_length=400), attachments: list[UploadFile] | None = File(None),
                 principal: Principal = allow(*STAFF), session: Session = Depends(get_session)):
    form = {"category": category, "title": title, "body": body, "published_on": published_on, "issuer": issuer,
            "document_no": document_no, "related_path": related_path}
    read = await awaited_for_later(read_uploads(attachments))

    def create_it():   # the database's work in the thread pool, off the event loop
        try:
            uploads = read()   # a refused upload first, as before
            b = service.create(session, principal, {**form, "published_on": _date(published_on)}, uploads)
        except XinyongError as exc:
            session.rollback()
            return _desk(request, session, form=form, error=exc, status_code=exc.status)
        session.commit()
        return RedirectResponse(f"/staff/bulletins/{b.id}?done=created", status_code=303)
    return await run_in_threadpool(create_it)


def _edit_page(request, session, principal, bulletin_id, *, done="", error=None, status_code=200, sent=None):
    """``sent``: what a refused form sent ({"form": "edit" or "withdraw", its fields}), shown back in it."""
    b = service.readable(session, principal, bulletin_id)
    return render(request, "bulletins/edit.html", {
        "b": views.staff_out(session, [b])[0], "policy": service.policy(), "done": done,
        "history": versions(session, "bulletin", b.id), "error": page_error(error, language(request)),
        "sent": sent or {}}, status_code=status_code)


@router.get("/staff/bulletins/{bulletin_id}")
def edit_form(request: Request, bulletin_id: int = BulletinId, done: str = CodeQuery("", max_length=16),
              principal: Principal = allow(*STAFF), session: Session = Depends(get_session)):
    return _edit_page(request, session, principal, bulletin_id, done=done)


def _after(request, session, principal, bulletin_id, action, done: str, sent: dict | None = None):
    return act_then_redirect(session, action, f"/staff/bulletins/{bulletin_id}?done={done}", lambda exc: _edit_page(
        request, session, principal, bulletin_id, error=exc, status_code=exc.status, sent=sent))


@router.post("/staff/bulletins/{bulletin_id}")
def edit(request: Request, bulletin_id: int = BulletinId, category: str = CodeForm("", max_length=32),
         title: str = TextForm("", max_length=1000), body: str = TextForm("", max_length=100_000),
         published_on: str = CodeForm("", max_length=20), issuer: str = TextForm("", max_length=400),
         document_no: str = TextForm("", max_length=128), related_path: str = CodeForm("", max_length=400),
         reason: str = TextForm("", max_length=1000), principal: Principal = allow(*STAFF),
         session: Session = Depends(get_session)):
    def act():
        values = {"category": category, "title": title, "body": body, "published_on": _date(published_on),
                  "issuer": issuer, "document_no": document_no, "related_path": related_path}
        service.update(session, principal, bulletin_id, values, reason)
    sent = {"form": "edit", "category": category, "title": title, "body": body, "published_on": published_on,
            "issuer": issuer, "document_no": document_no, "related_path": related_path, "reason": reason}
    return _after(request, session, principal, bulletin_id, act, "edited", sent)


@router.post("/staff/bulletins/{bulletin_id}/publish")
def publish(request: Request, bulletin_id: int = BulletinId, principal: Principal = allow(*STAFF),
            session: Session = Depends(get_session)):
    return _after(request, session, principal, bulletin_id,
                  lambda: service.publish(session, principal, bulletin_id), "published")


@router.post("/staff/bulletins/{bulletin_id}/withdraw")
def withdraw(request: Request, bulletin_id: int = BulletinId, reason: str = TextForm("", max_length=1000),
             principal: Principal = allow(*STAFF), session: Session = Depends(get_session)):
    return _after(request, session, principal, bulletin_id,
                  lambda: service.withdraw(session, principal, bulletin_id, reason), "withdrawn",
                  {"form": "withdraw", "reason": reason})


@router.post("/staff/bulletins/{bulletin_id}/attachments")
async def attach(request: Request, bulletin_id: int = BulletinId, attachments: list[UploadFile] | None = File(None),
                 principal: Principal = allow(*STAFF), session: Session = Depends(get_session)):
    uploads = await read_uploads(attachments)
    return await run_in_threadpool(_after, request, session, principal, bulletin_id,
                                   lambda: service.add_attachments(session, principal, bulletin_id, uploads), "attached")


@router.post("/staff/bulletins/{bulletin_id}/attachments/{attachment_id}/remove")
def remove(request: Request, bulletin_id: int = BulletinId, attachment_id: int = Path(ge=1, le=MAX_ID),
           principal: Principal = allow(*STAFF), session: Session = Depends(get_session)):
    return _after(request, session, principal, bulletin_id,
                  lambda: service.remove_attachment(session, principal, bulletin_id, attachment_id), "removed")
