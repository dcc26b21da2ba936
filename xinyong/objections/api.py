"""Objections API (FZ art. 25; QZ art. 34). Thin: parse, authorise, call the service, shape,
commit. Subjects file and follow their own; staff file at the window on a subject's behalf and
see every objection; the source agency sees its queue and decides."""
from __future__ import annotations

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from xinyong import clock
from xinyong.kit.access import Principal, allow
from xinyong.kit.errors import InvalidInput
from xinyong.kit.text import Code, Text, TextForm
from xinyong.kit.web import get_session, language
from xinyong.law import active_profile
from xinyong.objections import correction, rights, service, views
from xinyong.objections.schemas import (
    CorrectableFieldOut,
    DecisionIn,
    ObjectionOut,
    ObjectionPage,
)

router = APIRouter(tags=["objections 异议"])
MAX_ID = 2**63 - 1
ObjectionId = Path(ge=1, le=MAX_ID)
STATUS = Query(None, pattern="^(open|corrected|upheld)$")
READERS = ("subject", *service.SOURCE_ROLES, "staff")


class ExtensionIn(BaseModel):
    reason: Text = Field(min_length=1, max_length=2000)


async def read_uploads(files: list[UploadFile] | None) -> list[service.Upload]:
    """Each file read up to one byte past the profile's limit (the rule refuses what is over)."""
    limit = int(active_profile().rule("objection.evidence", clock.today()).value["max_file_bytes"])
    out = []
    for f in files or []:
        if not f.filename:
            continue
        out.append(service.Upload(f.filename, await f.read(limit + 1)))
    return out


@router.get("/api/v1/me/records/{record_id}/rights-notice", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}}})
def my_rights_notice(record_id: int = Path(ge=1, le=2**63 - 1), principal: Principal = allow("subject"),
                     session: Session = Depends(get_session)):
    """QZ art. 20: the written notice of my rights (objection, repair, remedies) for one of my
    dishonesty records, issued on first request and stored; 404 for any other record."""
    from xinyong.documents.api import pdf_response
    from xinyong.documents.service import download
    doc = download(session, principal, rights.notice(session, principal, record_id).id, "api")
    response = pdf_response(doc)
    session.commit()
    return response


@router.get("/api/v1/me/objections", response_model=ObjectionPage)
def my_objections(request: Request, status: Code | None = STATUS, limit: int = Query(50, ge=1, le=200),
                  offset: int = Query(0, ge=0, le=1_000_000), principal: Principal = allow("subject"),
                  session: Session = Depends(get_session)):
    """My objections with their status, deadline and outcome."""
    return views.page(session, principal, status, limit, offset, language(request))


@router.post("/api/v1/me/objections", response_model=ObjectionOut, status_code=201)
async def file_mine(request: Request, record_id: int = Form(..., ge=1, le=MAX_ID), grounds: list[Code] = Form(...),
                    reasons: str = TextForm(..., max_length=4000), requested_change: str = TextForm("", max_length=4000),
                    files: list[UploadFile] | None = File(None), principal: Principal = allow("subject"),
                    session: Session = Depends(get_session)):
    """Object to one of my records (multipart: evidence files PDF/JPG/PNG)."""
    uploads = await read_uploads(files)

    def file_it():   # the database's work in the thread pool, off the event loop
        objection = service.file_objection(session, principal, record_id=record_id, grounds=grounds, reasons=reasons,
                                           requested_change=requested_change, files=uploads, channel="api")
        session.commit()
        return views.one(session, principal, objection.id, language(request))
    return await run_in_threadpool(file_it)


@router.post("/api/v1/objections", response_model=ObjectionOut, status_code=201)
async def file_for_subject(request: Request, record_id: int = Form(..., ge=1, le=MAX_ID),
                           grounds: list[Code] = Form(...), reasons: str = TextForm(..., max_length=4000),
                           agent_authorisation_ref: str = TextForm(..., max_length=200),
                           requested_change: str = TextForm("", max_length=4000),
                           files: list[UploadFile] | None = File(None), principal: Principal = allow("staff"),
                           session: Session = Depends(get_session)):
    """The service window files on a subject's behalf, recording the written authorisation."""
    uploads = await read_uploads(files)

    def file_it():   # the database's work in the thread pool, off the event loop
        objection = service.file_objection(session, principal, record_id=record_id, grounds=grounds, reasons=reasons,
                                           requested_change=requested_change, files=uploads,
                                           agent_ref=agent_authorisation_ref, channel="api")
        session.commit()
        return views.one(session, principal, objection.id, language(request))
    return await run_in_threadpool(file_it)


@router.get("/api/v1/objections", response_model=ObjectionPage)
def objections(request: Request, status: Code | None = STATUS, limit: int = Query(50, ge=1, le=200),
               offset: int = Query(0, ge=0, le=1_000_000), principal: Principal = allow(*service.SOURCE_ROLES, "staff"),
               session: Session = Depends(get_session)):
    """The source agency's queue (its own records), or every objection for the credit department."""
    return views.page(session, principal, status, limit, offset, language(request))


@router.get("/api/v1/objections/{objection_id}", response_model=ObjectionOut)
def objection(request: Request, objection_id: int = ObjectionId, principal: Principal = allow(*READERS),
              session: Session = Depends(get_session)):
    return views.one(session, principal, objection_id, language(request))


@router.get("/api/v1/objections/{objection_id}/correctable-fields", response_model=list[CorrectableFieldOut])
def correctable_fields(objection_id: int = ObjectionId, principal: Principal = allow(*service.SOURCE_ROLES),
                       session: Session = Depends(get_session)):
    """What the source agency may correct on this record, with the current values."""
    record = service.visible(session, principal, objection_id)[1]
    specs = correction.specs_for(record, active_profile(), clock.today())
    current = correction.current_values(record, specs)
    return [CorrectableFieldOut(code=s.code, label=s.label, type=s.type, required=s.required, current=current[c])
            for c, s in specs.items()]


@router.post("/api/v1/objections/{objection_id}/decision", response_model=ObjectionOut)
def decide(body: DecisionIn, request: Request, objection_id: int = ObjectionId, principal: Principal = allow(*service.SOURCE_ROLES),
           session: Session = Depends(get_session)):
    """corrected (with `corrections`: field -> new value) or upheld, with reasons."""
    service.decide(session, principal, objection_id, outcome=body.outcome, reasons=body.reasons,
                   corrections=body.corrections)
    session.commit()
    return views.one(session, principal, objection_id, language(request))


@router.post("/api/v1/objections/{objection_id}/extension", response_model=ObjectionOut)
def extend(body: ExtensionIn, request: Request, objection_id: int = ObjectionId,
           principal: Principal = allow(*service.SOURCE_ROLES), session: Session = Depends(get_session)):
    """Extend the verification once, with a recorded reason (profile rule deadline.objection.verify)."""
    service.extend(session, principal, objection_id, body.reason)
    session.commit()
    return views.one(session, principal, objection_id, language(request))


@router.get("/api/v1/objections/{objection_id}/evidence/{evidence_id}", response_class=Response)
def evidence(objection_id: int = ObjectionId, evidence_id: int = Path(ge=1, le=MAX_ID),
             principal: Principal = allow(*READERS), session: Session = Depends(get_session)):
    """An evidence file: for the subject, the source agency and the credit department only."""
    found = service.evidence_file(session, principal, objection_id, evidence_id)
    session.commit()  # the read is audited
    return evidence_response(found)


def evidence_response(found) -> Response:
    if found.content_type not in ("application/pdf", "image/jpeg", "image/png"):
        raise InvalidInput("文件类型无效", message_en="invalid stored file type")
    ascii_name = "".join(c if c.isascii() and c.isalnum() or c in ".-_" else "_" for c in found.filename)
    return Response(found.content, media_type=found.content_type, headers={
        "Content-Disposition": f'attachment; filename="{ascii_name}"',
        "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store",
        "X-Content-SHA256": found.sha256})
