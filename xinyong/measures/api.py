"""Measures API: the published lists (public), publication (credit department), the joint
check (agencies, credit department), applications and feedback (agencies), and the subject's
own applied measures. Thin: parse, authorise, call the service, shape, commit."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy.orm import Session

from xinyong.kit.access import Principal, allow
from xinyong.kit.errors import NotFound
from xinyong.kit.web import get_session
from xinyong.measures import repository, service, views
from xinyong.measures.schemas import (
    ApplicationIn,
    ApplicationOut,
    FeedbackIn,
    JointCheckIn,
    JointCheckOut,
    MeasureListOut,
    PublishIn,
    WithdrawIn,
)
from xinyong.models.measure import MeasureList

router = APIRouter(tags=["measures 联合奖惩"])
MAX_ID = 2**63 - 1
CHECKERS = ("agency", "staff")
CREDIT_DEPT = ("staff", "admin")


def _lists_out(session: Session, lists: list[MeasureList]) -> list[MeasureListOut]:
    by_list = repository.measures_of(session, [lst.id for lst in lists])
    return [views.list_out(lst, by_list[lst.id]) for lst in lists]


@router.get("/api/v1/measure-lists", response_model=list[MeasureListOut], dependencies=[allow("public")])
def published_lists(session: Session = Depends(get_session)):
    """The published incentive and punishment lists of the city (FZ art. 15, QZ art. 24: 向社会公布)."""
    return _lists_out(session, repository.lists(session, statuses=("published",), jurisdiction=service.jurisdiction()))


@router.get("/api/v1/measure-lists/{list_id}", response_model=MeasureListOut)
def one_list(list_id: int = Path(ge=1, le=MAX_ID), principal: Principal = allow("public"),
             session: Session = Depends(get_session)):
    """Any version to the credit department; only published or withdrawn ones to others (404)."""
    lst = session.get(MeasureList, list_id)
    if lst is None or (lst.status == "draft" and principal.role not in CREDIT_DEPT):
        raise NotFound("清单不存在", message_en="no such list")
    return _lists_out(session, [lst])[0]


@router.post("/api/v1/measure-lists/{list_id}/publish", response_model=MeasureListOut)
def publish(body: PublishIn, list_id: int = Path(ge=1, le=MAX_ID), principal: Principal = allow(*CREDIT_DEPT),
            session: Session = Depends(get_session)):
    lst = service.publish(session, principal, list_id, body.document_no)
    session.commit()
    return _lists_out(session, [lst])[0]


@router.post("/api/v1/measure-lists/{list_id}/withdraw", response_model=MeasureListOut)
def withdraw(body: WithdrawIn, list_id: int = Path(ge=1, le=MAX_ID), principal: Principal = allow(*CREDIT_DEPT),
             session: Session = Depends(get_session)):
    lst = service.withdraw(session, principal, list_id, body.reason)
    session.commit()
    return _lists_out(session, [lst])[0]


@router.post("/api/v1/joint-check", response_model=JointCheckOut)
def joint_check(body: JointCheckIn, principal: Principal = allow(*CHECKERS), session: Session = Depends(get_session)):
    """联合奖惩 check: the published measures applicable to the subject in the matter, each with
    its legal basis and the current records, list entries or grade it rests on. Logged."""
    result = service.joint_check(session, principal, body.subject_id, body.matter)
    session.commit()
    return views.check_out(result)


@router.post("/api/v1/measure-applications", response_model=ApplicationOut, status_code=201)
def apply(body: ApplicationIn, principal: Principal = allow("agency"), session: Session = Depends(get_session)):
    """Record that the agency applied a measure. Refused (409, with the reason) for an
    unlisted, unpublished or withdrawn measure, or one the subject's current facts don't meet."""
    try:
        app = service.apply(session, principal, measure_id=body.measure_id, subject_id=body.subject_id,
                            matter=body.matter, case_ref=body.case_ref, check_id=body.check_id)
    except service.Conflict:
        session.commit()      # the refusal stays in the audit log
        raise
    session.commit()
    return _application(session, app.id)


@router.post("/api/v1/measure-applications/{application_id}/feedback", response_model=ApplicationOut)
def feedback(body: FeedbackIn, application_id: int = Path(ge=1, le=MAX_ID), principal: Principal = allow("agency"),
             session: Session = Depends(get_session)):
    service.feedback(session, principal, application_id, body.effect, body.text)
    session.commit()
    return _application(session, application_id)


@router.get("/api/v1/measure-applications", response_model=list[ApplicationOut])
def applications(principal: Principal = allow("agency", *CREDIT_DEPT), limit: int = Query(50, ge=1, le=200),
                 offset: int = Query(0, ge=0, le=10**9), session: Session = Depends(get_session)):
    """An agency sees its own applications; the credit department sees all."""
    if principal.role == "agency" and principal.agency_id is None:
        return []
    agency_id = principal.agency_id if principal.role == "agency" else None
    return [views.application_out(*row)
            for row in repository.applications(session, agency_id=agency_id, limit=limit, offset=offset)]


@router.get("/api/v1/me/measures", response_model=list[ApplicationOut])
def my_measures(principal: Principal = allow("subject"), limit: int = Query(50, ge=1, le=200),
                offset: int = Query(0, ge=0, le=10**9), session: Session = Depends(get_session)):
    """The measures applied to me, with their basis and reason (FZ art. 15: 告知实施的依据和理由)."""
    if principal.subject_id is None:
        return []
    return [views.application_out(*row) for row in
            repository.applications(session, subject_id=principal.subject_id, limit=limit, offset=offset)]


def _application(session: Session, application_id: int) -> ApplicationOut:
    return views.application_out(*repository.applications(session, application_id=application_id, limit=1)[0])
