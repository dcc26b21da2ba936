"""Back-office aggregation pages (归集): upload a batch file, list batches, read a batch's
return-for-review report (退回复核, QZ art. 10). Agencies see only their own batches
(xinyong.ingest.views answers 404 for the others); staff see all and may upload on an
agency's behalf."""
from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, File, Path, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyong.agencies import service as agencies
from xinyong import clock
from xinyong.catalogue import CatalogueError, get_catalogue
from xinyong.catalogue.pages import ingestible_item
from xinyong.catalogue.template_files import example_batch, filename, media_type, sender_of
from xinyong.ingest import idempotency, service, views
from xinyong.ingest.api import read_upload, source_for
from xinyong.kit.access import Principal, allow
from xinyong.kit.errors import InvalidInput, XinyongError
from xinyong.kit.web import get_session, language, page_error, render
from xinyong.kit.text import CodeForm, CodePath, TextForm
from xinyong.web.i18n import translate

router = APIRouter(include_in_schema=False)
SENDERS = ("agency", "staff", "admin")
BATCHES_PAGE = 50
RETURNS_PAGE = 100
MAX_ID = 2**63 - 1
FILE_SUFFIXES = (".csv", ".xlsx")
MAX_REASON = 500


@router.get("/batches")
def batches_page(request: Request, page: int = Query(1, ge=1, le=10_000), principal: Principal = allow(*SENDERS),
                 session: Session = Depends(get_session)):
    return _batches(request, session, principal, page=page)


@router.post("/batches")
async def upload(request: Request, item: str = CodeForm(""), source: str = CodeForm(""), change_reason: str = TextForm(""),
                 file: UploadFile | None = File(None), principal: Principal = allow(*SENDERS),
                 session: Session = Depends(get_session),
                 idempotency_key: str = CodeForm("", max_length=idempotency.KEY_MAX)):
    # the form carries a key made when it was shown: a second press of the button, or a
    # re-post after a lost answer, lands on the first batch instead of making another
    form = {"item": item, "source": source, "change_reason": change_reason, "idempotency_key": idempotency_key}
    try:
        _check_form(item, file, change_reason)
        data = await read_upload(file)
    except XinyongError as exc:
        return await run_in_threadpool(_batches, request, session, principal, form=form, error=exc,
                                       status_code=exc.status)
    # reading, checking and writing the file is blocking work: keep it off the event loop
    return await run_in_threadpool(_submit, request, session, principal, form, data, file.filename)


def _check_form(item: str, file: UploadFile | None, change_reason: str) -> None:
    """The form's own checks, so a missing field is named next to the form, not on an error page."""
    def invalid(key: str, field: str) -> InvalidInput:
        return InvalidInput(translate(key, "zh"), field=field, message_en=translate(key, "en"))
    if not item:
        raise invalid("batches.err_item", "item")
    if file is None or not file.filename:
        raise invalid("batches.err_file", "file")
    if not file.filename.lower().endswith(FILE_SUFFIXES):
        raise invalid("batches.err_filetype", "file")
    if len(change_reason) > MAX_REASON:
        raise invalid("batches.err_reason", "change_reason")


def _submit(request: Request, session: Session, principal: Principal, form: dict, data: bytes, filename: str):
    reason = form["change_reason"].strip() or None
    key = form["idempotency_key"].strip() or None
    try:
        src = source_for(session, principal, form["source"] or None)
        fingerprint = idempotency.fingerprint("web", src, form["item"], reason, filename, data)

        def ingest() -> int:
            return service.ingest_file(session, data=data, filename=filename, source_uscc=src,
                                       item_code=form["item"], channel="web", user_id=principal.user_id,
                                       change_reason=reason, actor=principal, idempotency_key=key,
                                       request_sha256=fingerprint).batch_id

        # commits: a refused batch is kept too, its page says why
        batch_id, _ = idempotency.submit_once(session, key, src, fingerprint, ingest)
    except XinyongError as exc:
        session.rollback()
        return _batches(request, session, principal, form=form, error=exc, status_code=exc.status)
    return RedirectResponse(f"/batches/{batch_id}", status_code=303)


def _batches(request: Request, session: Session, principal: Principal, *, page: int = 1, form: dict | None = None,
             error: XinyongError | None = None, status_code: int = 200):
    found = views.list_for(session, principal, BATCHES_PAGE + 1, (page - 1) * BATCHES_PAGE)
    staff = principal.role in views.STAFF_ROLES
    ctx = {
        "batches": found[:BATCHES_PAGE], "page": page, "has_next": len(found) > BATCHES_PAGE, "pager_query": "",
        "items": get_catalogue().ingestible, "item_names": _item_names(language(request)),
        "staff": staff, "agencies": [a for a in agencies.list_all(session) if a.active] if staff else [],
        "own_agency": None if staff else _own_agency(session, principal),
        "form": form or {}, "error": page_error(error, language(request)),
        "idempotency_key": uuid.uuid4().hex,
    }
    return render(request, "ingest/batches.html", ctx, status_code=status_code)




def _own_agency(session: Session, principal: Principal):
    return agencies.get(session, principal.agency_id) if principal.agency_id is not None else None


def _item_names(lang: str) -> dict[str, str]:
    return {i.code: (i.name_zh if lang == "zh" else i.name_en) for i in get_catalogue().items}


@router.get("/batches/examples/{code}.csv")
def example_csv(code: str = CodePath(max_length=64), principal: Principal = allow(*SENDERS),
                session: Session = Depends(get_session)):
    return _example(session, principal, code, "csv")


@router.get("/batches/examples/{code}.xlsx")
def example_xlsx(code: str = CodePath(max_length=64), principal: Principal = allow(*SENDERS),
                 session: Session = Depends(get_session)):
    return _example(session, principal, code, "xlsx")


def _example(session: Session, principal: Principal, code: str, fmt: str) -> Response:
    """A ready example batch of the item (three valid rows in the agency's own name), so a
    first upload is not a guess; the same rows as the item's template."""
    item = ingestible_item(code)
    data = example_batch(item, fmt, clock.today(), sender_of(session, principal))
    return Response(data, media_type=media_type(fmt),
                    headers={"Content-Disposition": f'attachment; filename="{filename(item, fmt, "example")}"'})


@router.get("/batches/{batch_id}")
def batch_page(request: Request, batch_id: int = Path(ge=1, le=MAX_ID), page: int = Query(1, ge=1, le=100_000),
               principal: Principal = allow(*SENDERS), session: Session = Depends(get_session)):
    batch = views.get_for(session, principal, batch_id)
    returns = views.rejections_for(session, principal, batch_id, RETURNS_PAGE + 1, (page - 1) * RETURNS_PAGE)
    agency_name = agencies.get(session, batch.agency_id).name if batch.agency_id is not None else None
    lang = language(request)
    ctx = {
        "batch": views.batch_out(batch, agency_name), "item_name": _item_name(batch.item_code, lang),
        "refusal": views.refusal_text(batch, lang),
        "returns": returns[:RETURNS_PAGE], "page": page, "has_next": len(returns) > RETURNS_PAGE,
        "pager_query": "",
    }
    return render(request, "ingest/batch.html", ctx)


def _item_name(code: str, lang: str) -> str:
    try:
        item = get_catalogue().get(code)
    except CatalogueError:
        return code
    return item.name_zh if lang == "zh" else item.name_en
