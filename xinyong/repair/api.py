"""Credit repair API: eligibility, applications with their materials, and the staff and agency
actions (accept, refuse, extend, approve, reject, revoke). Thin: parse, authorise, call, commit."""
from __future__ import annotations

from fastapi import APIRouter, Depends, File, Form, Path, Query, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from xinyong import clock
from xinyong.access import gate, window
from xinyong.access.service import subject_for_window
from xinyong.kit.access import Principal, allow
from xinyong.kit.errors import NotFound
from xinyong.kit.web import get_session
from xinyong.kit.text import Code, CodeForm, TextForm
from xinyong.models.repair import STATUSES
from xinyong.repair import repository, service, views
from xinyong.repair.schemas import ApplicationOut, ApproveIn, EligibilityOut, ReasonIn, RevokeIn
from xinyong.repair.service import Upload

router = APIRouter(tags=["credit repair 信用修复"])
MAX_ID = 2**63 - 1


def Id():  # a fresh Path per parameter: FastAPI binds a shared one to the first name it meets
    return Path(ge=1, le=MAX_ID)


ACTORS = ("staff", "agency")
READERS = ("subject", "staff", "agency")


async def read_uploads(files: dict[str, UploadFile | None]) -> list[Upload]:
    """The uploaded materials; reading stops one byte past the profile's limit."""
    found, limit = [], service.read_limit(clock.today())
    for kind, up in files.items():
        if up is None or not up.filename:
            continue
        data = await up.read(limit)
        found.append(Upload(kind, up.filename, up.content_type or "", data))
    return found


def _one(session: Session, app_id: int, detail: bool = True) -> ApplicationOut:
    return views.applications_out(session, [repository.application_row(session, app_id)], detail=detail)[0]


# ---- the subject -------------------------------------------------------------------------------------

@router.get("/api/v1/me/repair/eligibility", response_model=list[EligibilityOut])
def my_eligibility(principal: Principal = allow("subject", scope="profiles:read"),
                   session: Session = Depends(get_session)):
    """For each of my records: can it be repaired, from when, and if not why (with the article)."""
    return [views.eligibility_out(x) for x in service.eligibility(session, principal.subject_id)]


@router.get("/api/v1/me/repair/applications", response_model=list[ApplicationOut])
def my_applications(limit: int = Query(50, ge=1, le=200), offset: int = Query(0, ge=0, le=100_000),
                    principal: Principal = allow("subject", scope="profiles:read"),
                    session: Session = Depends(get_session)):
    return views.applications_out(session, repository.applications_of(session, principal.subject_id, limit, offset))


@router.post("/api/v1/me/repair/applications", response_model=ApplicationOut, status_code=201)
async def apply(record_id: int = Form(..., ge=1, le=MAX_ID), statement: str = TextForm("", max_length=2000),
                commitment_letter: UploadFile | None = File(None), proof_of_performance: UploadFile | None = File(None),
                training_certificate: UploadFile | None = File(None), credit_report: UploadFile | None = File(None),
                principal: Principal = allow("subject"), session: Session = Depends(get_session)):
    """Apply to repair one of my records (multipart; the commitment letter is required). An
    ineligible record is refused at once: status `refused` with the reasons and articles."""
    uploads = await read_uploads({"commitment_letter": commitment_letter, "proof_of_performance": proof_of_performance,
                                  "training_certificate": training_certificate, "credit_report": credit_report})

    def file_it():   # the database's work in the thread pool, off the event loop
        app = service.apply(session, principal, subject_id=principal.subject_id, record_id=record_id,
                            statement=statement, uploads=uploads, channel="online")
        session.commit()
        return _one(session, app.id)
    return await run_in_threadpool(file_it)


# ---- the offline window (QZ art. 35 para. 3) ------------------------------------------------------------

@router.post("/api/v1/repair/window/eligibility", response_model=list[EligibilityOut])
def window_eligibility(subject_uscc: str = CodeForm("", max_length=18), subject_resident_id: str = CodeForm("", max_length=18),
                       principal: Principal = allow("staff"), session: Session = Depends(get_session)):
    """The records of a subject served in person, each with whether it can be repaired: found by
    its code (in the body, never in a URL), the visit logged in the subject's access log."""
    subject_id = subject_for_window(session, subject_uscc, subject_resident_id)
    gate.record_window_visit(session, principal, subject_id, *service.WINDOW_VISIT)
    found = [views.eligibility_out(x) for x in service.eligibility(session, subject_id)]
    session.commit()
    return found


@router.get("/api/v1/repair/subjects/{subject_id}/eligibility", response_model=list[EligibilityOut])
def subject_eligibility(subject_id: int = Id(), principal: Principal = allow("staff"),
                        session: Session = Depends(get_session)):
    """The same for a subject this staff member found at the window today (by the call above or a
    window page); any other id is not found."""
    if window.visited(session, principal, subject_id) is None:
        raise NotFound("今日未在服务窗口核验该主体：请以其统一社会信用代码或身份证号码查询",
                       message_en="no window visit of this subject today: look it up by its code "
                                  "(POST /api/v1/repair/window/eligibility)")
    return [views.eligibility_out(x) for x in service.eligibility(session, subject_id)]


@router.post("/api/v1/repair/window/applications", response_model=ApplicationOut, status_code=201)
async def apply_at_window(record_id: int = Form(..., ge=1, le=MAX_ID), subject_uscc: str = CodeForm("", max_length=18),
                          subject_resident_id: str = CodeForm("", max_length=18), statement: str = TextForm("", max_length=2000),
                          commitment_letter: UploadFile | None = File(None),
                          proof_of_performance: UploadFile | None = File(None),
                          training_certificate: UploadFile | None = File(None),
                          credit_report: UploadFile | None = File(None),
                          principal: Principal = allow("staff"), session: Session = Depends(get_session)):
    """Credit-department staff file on a subject's behalf at the service window; recorded as theirs."""
    uploads = await read_uploads({"commitment_letter": commitment_letter, "proof_of_performance": proof_of_performance,
                                  "training_certificate": training_certificate, "credit_report": credit_report})

    def file_it():   # the database's work in the thread pool, off the event loop
        subject_id = subject_for_window(session, subject_uscc, subject_resident_id)
        gate.record_window_visit(session, principal, subject_id, *service.WINDOW_VISIT)
        app = service.apply(session, principal, subject_id=subject_id, record_id=record_id, statement=statement,
                            uploads=uploads, channel="window")
        session.commit()
        return _one(session, app.id)
    return await run_in_threadpool(file_it)


# ---- staff and agencies ------------------------------------------------------------------------------

@router.get("/api/v1/repair/applications", response_model=list[ApplicationOut])
def queue(status: Code | None = Query(None, pattern="^(" + "|".join(STATUSES) + ")$"),
          limit: int = Query(50, ge=1, le=200), offset: int = Query(0, ge=0, le=100_000),
          principal: Principal = allow(*ACTORS), session: Session = Depends(get_session)):
    """Applications to decide: an agency sees those on its own records, credit-department staff all."""
    agency_id = principal.agency_id if principal.role == "agency" else None
    rows = repository.queue(session, agency_id, (status,) if status else None, limit, offset)
    return views.applications_out(session, rows)


@router.get("/api/v1/repair/applications/{app_id}", response_model=ApplicationOut)
def application(app_id: int = Id(), principal: Principal = allow(*READERS), session: Session = Depends(get_session)):
    return views.applications_out(session, [service.visible(session, principal, app_id)], detail=True)[0]


@router.get("/api/v1/repair/applications/{app_id}/materials/{material_id}")
def material(app_id: int = Id(), material_id: int = Id(), principal: Principal = allow(*READERS),
             session: Session = Depends(get_session)):
    found = service.material_for(session, principal, app_id, material_id)
    return Response(found.content, media_type=found.content_type,
                    headers={"Content-Disposition": f'attachment; filename="material-{found.id}"'})


@router.post("/api/v1/repair/applications/{app_id}/accept", response_model=ApplicationOut)
def accept(app_id: int = Id(), principal: Principal = allow(*ACTORS), session: Session = Depends(get_session)):
    service.accept(session, principal, app_id)
    session.commit()
    return _one(session, app_id)


@router.post("/api/v1/repair/applications/{app_id}/refuse", response_model=ApplicationOut)
def refuse(body: ReasonIn, app_id: int = Id(), principal: Principal = allow(*ACTORS),
           session: Session = Depends(get_session)):
    service.refuse(session, principal, app_id, body.reason)
    session.commit()
    return _one(session, app_id)


@router.post("/api/v1/repair/applications/{app_id}/extend", response_model=ApplicationOut)
def extend(body: ReasonIn, app_id: int = Id(), principal: Principal = allow(*ACTORS),
           session: Session = Depends(get_session)):
    service.extend(session, principal, app_id, body.reason)
    session.commit()
    return _one(session, app_id)


@router.post("/api/v1/repair/applications/{app_id}/approve", response_model=ApplicationOut)
def approve(body: ApproveIn | None = None, app_id: int = Id(), principal: Principal = allow(*ACTORS),
            session: Session = Depends(get_session)):
    """FZ art. 21 para. 2: `conditions` lists the codes of the conditions the approver confirms;
    every one no material evidences must be confirmed (else 409 conditions_unconfirmed)."""
    service.approve(session, principal, app_id, body.reason if body else "", body.conditions if body else [])
    session.commit()
    return _one(session, app_id)


@router.post("/api/v1/repair/applications/{app_id}/reject", response_model=ApplicationOut)
def reject(body: ReasonIn, app_id: int = Id(), principal: Principal = allow(*ACTORS),
           session: Session = Depends(get_session)):
    service.reject(session, principal, app_id, body.reason)
    session.commit()
    return _one(session, app_id)


@router.post("/api/v1/repair/applications/{app_id}/revoke", response_model=ApplicationOut)
def revoke(body: RevokeIn, app_id: int = Id(), principal: Principal = allow(*ACTORS),
           session: Session = Depends(get_session)):
    """FZ art. 23: revoke an approved repair (the record is restored), or end a running procedure, on
    verified fraud, concealment or a broken commitment; either bars new applications."""
    service.revoke(session, principal, app_id, body.kind, body.reason)
    session.commit()
    return _one(session, app_id)
