"""Agency registration (credit-department staff)."""
from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from xinyong.agencies import service
from xinyong.kit.access import Principal, allow
from xinyong.kit.web import get_session
from xinyong.kit.text import Code, Text

router = APIRouter(prefix="/api/v1/agencies", tags=["agencies 机构"])


class AgencyIn(BaseModel):
    uscc: Code = Field(min_length=1, max_length=40)
    name: Text = Field(min_length=1, max_length=200)
    kind: Code = "public_body"


class AgencyOut(BaseModel):
    id: int
    uscc: str
    name: str
    kind: str
    active: bool


def _out(a) -> AgencyOut:
    return AgencyOut(id=a.id, uscc=a.uscc, name=a.name, kind=a.kind, active=a.active)


@router.get("", response_model=list[AgencyOut])
def list_agencies(principal: Principal = allow("staff", "admin", scope="admin"), session: Session = Depends(get_session)):
    return [_out(a) for a in service.list_all(session)]


@router.post("", response_model=AgencyOut, status_code=201)
def register(body: AgencyIn, principal: Principal = allow("staff", "admin", scope="admin"), session: Session = Depends(get_session)):
    agency = service.register(session, uscc=body.uscc, name=body.name, kind=body.kind,
                              registered_by=principal.user_id, actor=principal)
    session.commit()
    return _out(agency)
