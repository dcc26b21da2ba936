"""Pages of the key occupational groups (QZ art. 30 para. 2): a sector authority's view of its
own group's records (/sector/records), and the credit department's list of sector authorities
(/staff/sector-authorities)."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query, Request
from sqlalchemy.orm import Session

from xinyong.kit.access import Principal, allow
from xinyong.kit.errors import XinyongError
from xinyong.kit.text import CodeForm, CodeQuery
from xinyong.kit.web import act_then_redirect, get_session, language, page_error, render
from xinyong.occupations import repository, service
from xinyong.occupations.api import ASSIGNERS, READERS

router = APIRouter(include_in_schema=False)
PAGE = 50


@router.get("/sector/records")
def sector_records(request: Request, profession: str = CodeQuery("", max_length=32),
                   page: int = Query(1, ge=1, le=10_000), principal: Principal = allow(*READERS),
                   session: Session = Depends(get_session)):
    groups = service.readable_groups(session, principal)
    rows = service.read(session, principal, profession or None, limit=PAGE + 1, offset=(page - 1) * PAGE) \
        if groups or profession else []
    session.commit()   # the reading is audited
    return render(request, "occupations/records.html", {
        "groups": groups, "profession": profession, "rows": rows[:PAGE], "has_next": len(rows) > PAGE,
        "page": page, "pager_query": f"profession={profession}&" if profession else "",
        "policy": service.policy()})


def _desk(request, session, *, done="", error: XinyongError | None = None, status_code=200):
    lang = language(request)
    return render(request, "occupations/authorities.html", {
        "rows": repository.authorities(session), "agencies": repository.public_bodies(session),
        "policy": service.policy(), "done": done,
        "error": page_error(error, lang)},
        status_code=status_code)


@router.get("/staff/sector-authorities")
def desk(request: Request, done: str = CodeQuery("", max_length=16), principal: Principal = allow(*ASSIGNERS),
         session: Session = Depends(get_session)):
    return _desk(request, session, done=done)


def _int(text: str) -> int:
    return int(text) if text.strip().isdigit() and len(text.strip()) < 10 else 0


@router.post("/staff/sector-authorities")
def assign(request: Request, agency_id: str = CodeForm("", max_length=12), profession: str = CodeForm("", max_length=32),
           principal: Principal = allow(*ASSIGNERS), session: Session = Depends(get_session)):
    return act_then_redirect(session, lambda: service.assign(session, principal, _int(agency_id), profession),
                             "/staff/sector-authorities?done=named",
                             lambda exc: _desk(request, session, error=exc, status_code=exc.status))


@router.post("/staff/sector-authorities/{authority_id}/withdraw")
def withdraw(request: Request, authority_id: int = Path(ge=1, le=2**31 - 1), principal: Principal = allow(*ASSIGNERS),
             session: Session = Depends(get_session)):
    return act_then_redirect(session, lambda: service.withdraw(session, principal, authority_id),
                             "/staff/sector-authorities?done=withdrawn",
                             lambda exc: _desk(request, session, error=exc, status_code=exc.status))
