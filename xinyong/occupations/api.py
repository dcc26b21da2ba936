"""Key occupational groups as JSON (QZ art. 30 para. 2): a sector authority reads its own group's
records; the credit department names the sector authorities. Thin: parse, authorise, call, commit."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy.orm import Session

from xinyong.kit.access import Principal, allow
from xinyong.kit.text import CodeQuery
from xinyong.kit.web import get_session
from xinyong.occupations import repository, service
from xinyong.occupations.schemas import AuthorityIn, AuthorityOut, OccupationalRecordOut

router = APIRouter(tags=["occupational groups 重点职业人群"])
ASSIGNERS = ("staff", "admin")
READERS = ("agency",)
PAGE = 50


def record_out(s: service.Shown, lang: str = "zh") -> OccupationalRecordOut:
    return OccupationalRecordOut(record_id=s.record_id, item_code=s.item_code,
                                 item_name=s.item_name[1] if lang == "en" else s.item_name[0],
                                 profession=s.profession, name=s.name, resident_id=s.resident_id,
                                 decision_no=s.decision_no, decision_date=s.decision_date,
                                 fields={k: str(v) for k, v in s.fields.items()})


def authority_out(a, agency_name: str) -> AuthorityOut:
    return AuthorityOut(id=a.id, agency_id=a.agency_id, agency=agency_name, profession=a.profession, active=a.active)


@router.get("/api/v1/sector/records", response_model=list[OccupationalRecordOut])
def sector_records(profession: str | None = CodeQuery(None, max_length=32), page: int = Query(1, ge=1, le=10_000),
                   principal: Principal = allow(*READERS), session: Session = Depends(get_session)):
    """Your organisation's occupational group(s), newest first, persons masked; another group: 404."""
    shown = service.read(session, principal, profession or None, limit=PAGE, offset=(page - 1) * PAGE)
    session.commit()   # the reading is audited
    return [record_out(s) for s in shown]


@router.get("/api/v1/sector-authorities", response_model=list[AuthorityOut])
def authorities(principal: Principal = allow(*ASSIGNERS), session: Session = Depends(get_session)):
    return [authority_out(a, name) for a, name in repository.authorities(session)]


@router.post("/api/v1/sector-authorities", response_model=AuthorityOut, status_code=201)
def assign(body: AuthorityIn, principal: Principal = allow(*ASSIGNERS), session: Session = Depends(get_session)):
    a = service.assign(session, principal, body.agency_id, body.profession)
    session.commit()
    return next(authority_out(x, n) for x, n in repository.authorities(session) if x.id == a.id)


@router.post("/api/v1/sector-authorities/{authority_id}/withdraw", response_model=AuthorityOut)
def withdraw(authority_id: int = Path(ge=1, le=2**31 - 1), principal: Principal = allow(*ASSIGNERS),
             session: Session = Depends(get_session)):
    a = service.withdraw(session, principal, authority_id)
    session.commit()
    return authority_out(a, "")
