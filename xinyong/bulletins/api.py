"""Bulletins API (通知公告 / 政策法规): anyone reads those in public view; the credit department
creates, edits, publishes, withdraws and attaches files. Thin: parse, authorise, call the
service, shape, commit."""
from __future__ import annotations

from fastapi import APIRouter, Depends, File, Path, Query, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from xinyong.bulletins import service, views
from xinyong.bulletins.schemas import MAX_ID, BulletinIn, BulletinOut, BulletinPatch, PublicBulletinOut, WithdrawIn
from xinyong.kit.access import Principal, allow
from xinyong.kit.text import CodeQuery
from xinyong.kit.web import get_session

router = APIRouter(tags=["bulletins 通知公告·政策法规"])
BulletinId = Path(ge=1, le=MAX_ID)
PAGE = 20


async def read_uploads(files: list[UploadFile] | None) -> list[service.Upload]:
    """Each file read up to one byte past the profile's limit (the rule refuses what is over)."""
    limit = service.policy().max_file_bytes
    return [service.Upload(f.filename, await f.read(limit + 1)) for f in files or [] if f.filename]


def attachment_response(found) -> Response:
    """The stored file with its checked type, always as a download under a plain ASCII name
    (and the UTF-8 name beside it, percent-encoded): never rendered in the site's origin."""
    from urllib.parse import quote
    ascii_name = "".join(c if c.isascii() and (c.isalnum() or c in ".-_") else "_" for c in found.filename)
    return Response(found.content, media_type=found.content_type, headers={
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(found.filename)}",
        "X-Content-Type-Options": "nosniff", "X-Content-SHA256": found.sha256})


@router.get("/api/v1/bulletins", response_model=list[PublicBulletinOut], dependencies=[allow("public")])
def public_list(category: str | None = CodeQuery(None, max_length=32), page: int = Query(1, ge=1, le=10_000),
                session: Session = Depends(get_session)):
    """Bulletins in public view (published, publication date come), newest first, 20 a page."""
    rows, _ = service.public_page(session, category, page, PAGE)
    return views.public_out(session, rows)


@router.get("/api/v1/bulletins/{bulletin_id}", response_model=PublicBulletinOut)
def one(bulletin_id: int = BulletinId, principal: Principal = allow("public"), session: Session = Depends(get_session)):
    """A bulletin in public view (the credit department reads drafts and withdrawn ones too)."""
    return views.public_out(session, [service.readable(session, principal, bulletin_id)])[0]


@router.post("/api/v1/bulletins", response_model=BulletinOut, status_code=201)
def create(body: BulletinIn, principal: Principal = allow(*service.STAFF_ROLES), session: Session = Depends(get_session)):
    """A draft; publish it to show it from its publication date."""
    b = service.create(session, principal, body.model_dump())
    session.commit()
    return views.staff_out(session, [b])[0]


@router.post("/api/v1/bulletins/{bulletin_id}", response_model=BulletinOut)
def edit(body: BulletinPatch, bulletin_id: int = BulletinId, principal: Principal = allow(*service.STAFF_ROLES),
         session: Session = Depends(get_session)):
    """Change fields; the superseded version stays in the history with the reason."""
    values = body.model_dump(exclude={"reason"}, exclude_unset=True)
    b = service.update(session, principal, bulletin_id, values, body.reason)
    session.commit()
    return views.staff_out(session, [b])[0]


@router.post("/api/v1/bulletins/{bulletin_id}/publish", response_model=BulletinOut)
def publish(bulletin_id: int = BulletinId, principal: Principal = allow(*service.STAFF_ROLES),
            session: Session = Depends(get_session)):
    b = service.publish(session, principal, bulletin_id)
    session.commit()
    return views.staff_out(session, [b])[0]


@router.post("/api/v1/bulletins/{bulletin_id}/withdraw", response_model=BulletinOut)
def withdraw(body: WithdrawIn, bulletin_id: int = BulletinId, principal: Principal = allow(*service.STAFF_ROLES),
             session: Session = Depends(get_session)):
    b = service.withdraw(session, principal, bulletin_id, body.reason)
    session.commit()
    return views.staff_out(session, [b])[0]


@router.post("/api/v1/bulletins/{bulletin_id}/attachments", response_model=BulletinOut, status_code=201)
async def attach(bulletin_id: int = BulletinId, files: list[UploadFile] = File(...),
                 principal: Principal = allow(*service.STAFF_ROLES), session: Session = Depends(get_session)):
    """Attach PDF/JPG/PNG files (checked by content, each within the profile's size limit)."""
    uploads = await read_uploads(files)

    def attach_them():   # the database's work in the thread pool, off the event loop
        service.add_attachments(session, principal, bulletin_id, uploads)
        session.commit()
        return views.staff_out(session, [service.readable(session, principal, bulletin_id)])[0]
    return await run_in_threadpool(attach_them)
