"""The lists API: the lists in force and who is on them (public, persons masked), and the
listing procedure step by step (agency / credit department; the subject objects). Thin: parse,
authorise, call the service, shape, commit."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query, Request
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.kit.access import Principal, allow
from xinyong.kit.errors import NotFound
from xinyong.kit.web import get_session, language
from xinyong.kit.text import Code
from xinyong.lists import repository, service, views
from xinyong.lists.schemas import (
    EntryOut,
    ObjectionIn,
    ObjectionReplyIn,
    PolicyOut,
    ProposalIn,
    ProposalOut,
    PublicEntryOut,
    RemovalIn,
)

router = APIRouter(tags=["lists 名单"])
MAX_ID = 2**63 - 1
OFFICE = ("agency", "staff", "admin", "auditor")
ACTORS = ("agency", "staff")


def _one(session: Session, principal: Principal, proposal_id: int, lang: str) -> ProposalOut:
    return views.proposals_out(session, [service.visible_proposal(session, principal, proposal_id)], lang,
                               detail=True)[0]


@router.get("/api/v1/lists", response_model=PolicyOut, dependencies=[allow("public")])
def lists_in_force(request: Request):
    """The lists the profile runs, their legal categories or criteria, periods and citations."""
    return views.policy_out(language(request))


@router.get("/api/v1/lists/entries", response_model=list[PublicEntryOut], dependencies=[allow("public")])
def public_entries(request: Request, kind: Code | None = Query(None, max_length=32), limit: int = Query(50, ge=1, le=200),
                   offset: int = Query(0, ge=0, le=1_000_000), session: Session = Depends(get_session)):
    """Who is on the published lists today (natural persons masked)."""
    rows = repository.published(session, clock.today(), kind=kind, limit=limit, offset=offset)
    return views.public_entries_out(rows, language(request))


@router.get("/api/v1/lists/subjects/{subject_id}", response_model=list[PublicEntryOut], dependencies=[allow("public")])
def subject_entries(request: Request, subject_id: int = Path(ge=1, le=MAX_ID), session: Session = Depends(get_session)):
    rows = repository.published(session, clock.today(), subject_id=subject_id, limit=100)
    return views.public_entries_out(rows, language(request))


@router.get("/api/v1/lists/proposals", response_model=list[ProposalOut])
def proposals(request: Request, status: Code | None = Query(None, max_length=16), limit: int = Query(50, ge=1, le=200),
              offset: int = Query(0, ge=0, le=1_000_000), principal: Principal = allow(*OFFICE),
              session: Session = Depends(get_session)):
    """Listing procedures: an agency sees its own, staff and auditors all."""
    org = principal.agency_id if principal.role == "agency" else None
    rows = repository.proposals(session, org_id=org, statuses=(status,) if status else None, limit=limit, offset=offset)
    return views.proposals_out(session, rows, language(request))


@router.post("/api/v1/lists/proposals", response_model=ProposalOut, status_code=201)
def propose(body: ProposalIn, request: Request, principal: Principal = allow(*ACTORS),
            session: Session = Depends(get_session)):
    p = service.propose(session, principal, body)
    session.commit()
    return _one(session, principal, p.id, language(request))


@router.get("/api/v1/lists/proposals/{proposal_id}", response_model=ProposalOut)
def proposal(request: Request, proposal_id: int = Path(ge=1, le=MAX_ID), principal: Principal = allow(*OFFICE, "subject"),
             session: Session = Depends(get_session)):
    return _one(session, principal, proposal_id, language(request))


@router.post("/api/v1/lists/proposals/{proposal_id}/notice", response_model=ProposalOut)
def send_notice(request: Request, proposal_id: int = Path(ge=1, le=MAX_ID), principal: Principal = allow(*ACTORS),
                session: Session = Depends(get_session)):
    """QZ art. 23: prior written notice of reasons, basis and rights; the notice period opens."""
    service.send_notice(session, principal, proposal_id)
    session.commit()
    return _one(session, principal, proposal_id, language(request))


@router.post("/api/v1/lists/proposals/{proposal_id}/objection", response_model=ProposalOut)
def object_to(body: ObjectionIn, request: Request, proposal_id: int = Path(ge=1, le=MAX_ID), principal: Principal = allow("subject"),
              session: Session = Depends(get_session)):
    """The subject objects within the notice period (answered within 3 working days)."""
    service.object_to(session, principal, proposal_id, body.text)
    session.commit()
    return _one(session, principal, proposal_id, language(request))


@router.post("/api/v1/lists/proposals/{proposal_id}/objection-reply", response_model=ProposalOut)
def answer(body: ObjectionReplyIn, request: Request, proposal_id: int = Path(ge=1, le=MAX_ID), principal: Principal = allow(*ACTORS),
           session: Session = Depends(get_session)):
    service.answer_objection(session, principal, proposal_id, body.outcome, body.reply)
    session.commit()
    return _one(session, principal, proposal_id, language(request))


@router.post("/api/v1/lists/proposals/{proposal_id}/decision", response_model=ProposalOut)
def decide(request: Request, proposal_id: int = Path(ge=1, le=MAX_ID), principal: Principal = allow(*ACTORS),
           session: Session = Depends(get_session)):
    """The listing decision; refused while the notice period runs or an objection is unanswered."""
    service.decide(session, principal, proposal_id)
    session.commit()
    return _one(session, principal, proposal_id, language(request))


@router.post("/api/v1/lists/proposals/{proposal_id}/publication", response_model=ProposalOut)
def publish(request: Request, proposal_id: int = Path(ge=1, le=MAX_ID), principal: Principal = allow(*ACTORS),
            session: Session = Depends(get_session)):
    service.publish(session, principal, proposal_id)
    session.commit()
    return _one(session, principal, proposal_id, language(request))


@router.post("/api/v1/lists/entries/{entry_id}/removal", response_model=EntryOut)
def remove(body: RemovalIn, request: Request, entry_id: int = Path(ge=1, le=MAX_ID), principal: Principal = allow("staff"),
           session: Session = Depends(get_session)):
    """Removal by the credit department when the removal conditions are met."""
    entry = service.remove(session, principal, entry_id, body.note)
    session.commit()
    return views.entry_out(views.rules_policy(), entry, language(request))


@router.get("/api/v1/me/lists", response_model=list[ProposalOut])
def my_lists(request: Request, principal: Principal = allow("subject"), session: Session = Depends(get_session)):
    """My listing procedures (from the prior notice on) and their entries."""
    if principal.subject_id is None:
        raise NotFound("账户未关联信用主体", message_en="the account speaks for no subject")
    rows = repository.proposals(session, subject_id=principal.subject_id,
                                statuses=("notice", "objection", "decided", "withdrawn"), limit=200)
    return views.proposals_out(session, rows, language(request), detail=True)
