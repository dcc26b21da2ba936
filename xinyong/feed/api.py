"""The change feed's API: receiving systems read and acknowledge changes; credit-department
staff register receivers and see who is overdue. Thin: parse, authorise, call, shape, commit."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy.orm import Session

from xinyong.feed import service, views
from xinyong.feed.schemas import MAX_ID, AckIn, FeedPage, ReceiverIn, ReceiverStatusOut, status_out
from xinyong.feed.views import RECEIVER_ROLES
from xinyong.kit.access import Principal, allow
from xinyong.kit.web import get_session

router = APIRouter(tags=["change feed 变更订阅"])
STAFF = ("staff", "admin")


@router.get("/api/v1/feed", response_model=FeedPage)
def read_feed(after: int | None = Query(None, ge=0, le=MAX_ID, description="events after this id; "
                                        "default: after what you acknowledged"),
              limit: int = Query(100, ge=1, le=1000), unacknowledged: bool = Query(False),
              principal: Principal = allow(*RECEIVER_ROLES), session: Session = Depends(get_session)):
    """Changes to follow (QZ art. 36 para. 2): each to be acknowledged within the working days of
    `deadline.feed.ack`; `overdue` marks those past their day."""
    receiver = service.receiver_for(session, principal)
    page = views.feed_page(session, receiver, after, limit, unacknowledged)
    session.commit()   # a credit service agency's first call registers it
    return page


@router.post("/api/v1/feed/ack", response_model=ReceiverStatusOut)
def acknowledge(body: AckIn, principal: Principal = allow(*RECEIVER_ROLES), session: Session = Depends(get_session)):
    """Acknowledge every change up to `up_to`, and/or the changes listed in `ids`."""
    receiver = service.receiver_for(session, principal)
    status = service.acknowledge(session, principal, receiver, up_to=body.up_to, ids=body.ids)
    session.commit()
    return status_out(status)


@router.get("/api/v1/feed/status", response_model=ReceiverStatusOut)
def my_status(principal: Principal = allow(*RECEIVER_ROLES), session: Session = Depends(get_session)):
    receiver = service.receiver_for(session, principal)
    status = service.status_of(session, receiver)
    session.commit()
    return status_out(status)


@router.get("/api/v1/feed/receivers", response_model=list[ReceiverStatusOut])
def receivers(limit: int = Query(200, ge=1, le=1000), offset: int = Query(0, ge=0, le=10**9),
              principal: Principal = allow(*STAFF), session: Session = Depends(get_session)):
    """Every receiving system with its unacknowledged and overdue changes (most overdue first)."""
    return [status_out(s) for s in service.statuses(session, limit=limit, offset=offset)]


@router.post("/api/v1/feed/receivers", response_model=ReceiverStatusOut, status_code=201)
def register(body: ReceiverIn, principal: Principal = allow(*STAFF), session: Session = Depends(get_session)):
    receiver = service.register_receiver(session, principal, body.org_id, body.note, body.backlog)
    status = service.status_of(session, receiver)
    session.commit()
    return status_out(status)


@router.post("/api/v1/feed/receivers/{receiver_id}/deactivate", response_model=ReceiverStatusOut)
def deactivate(receiver_id: int = Path(ge=1, le=MAX_ID), principal: Principal = allow(*STAFF),
               session: Session = Depends(get_session)):
    receiver = service.deactivate_receiver(session, principal, receiver_id)
    session.commit()
    return ReceiverStatusOut(receiver_id=receiver.id, org_id=receiver.org_id, org_name="", org_kind="",
                             active=False, acknowledged_through=receiver.acked_through_id, unacknowledged=0,
                             overdue=0, oldest_unacknowledged_on=None, oldest_unacknowledged_id=None,
                             oldest_due_on=None, registered_at=receiver.registered_at)
