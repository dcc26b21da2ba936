"""JSON API of the local supplementary catalogue (地方补充目录), for the credit department."""
from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from xinyong.catalogue.local import repository, service
from xinyong.catalogue.local.schemas import LocalItemIn, LocalItemOut, LocalVersionOut, WithdrawIn
from xinyong.kit.access import Principal, allow
from xinyong.kit.errors import InvalidInput
from xinyong.kit.text import CodePath
from xinyong.kit.web import get_session

router = APIRouter(prefix="/api/v1/local-catalogue", tags=["local catalogue 地方补充目录"])
STAFF = ("staff", "admin")


def _out(head, version) -> LocalItemOut:
    d = version.definition
    return LocalItemOut(code=head.code, name_zh=d.get("name_zh", ""), name_en=d.get("name_en", ""), status=head.status,
                        version=head.current_version, updated_at=head.updated_at, definition=d)


@router.get("", response_model=list[LocalItemOut])
def list_items(principal: Principal = allow(*STAFF, scope="admin"), session: Session = Depends(get_session)):
    return [_out(h, v) for h, v in repository.current(session)]


@router.post("", response_model=LocalItemOut, status_code=201)
def add_item(body: LocalItemIn, principal: Principal = allow(*STAFF, scope="admin"),
             session: Session = Depends(get_session)):
    version = service.add(session, principal, body.definition.as_definition(), body.reason)
    session.commit()
    return _out(repository.item(session, version.code), version)


@router.post("/{code}", response_model=LocalItemOut)
def change_item(body: LocalItemIn, code: str = CodePath(max_length=64), principal: Principal = allow(*STAFF, scope="admin"),
                session: Session = Depends(get_session)):
    if body.definition.code != code:
        raise InvalidInput("信息项代码不可更改", field="code", message_en="an item's code cannot change")
    version = service.change(session, principal, code, body.definition.as_definition(), body.reason)
    session.commit()
    return _out(repository.item(session, code), version)


@router.post("/{code}/withdraw", response_model=LocalItemOut)
def withdraw_item(body: WithdrawIn, code: str = CodePath(max_length=64),
                  principal: Principal = allow(*STAFF, scope="admin"), session: Session = Depends(get_session)):
    version = service.withdraw(session, principal, code, body.reason)
    session.commit()
    return _out(repository.item(session, code), version)


@router.get("/{code}/versions", response_model=list[LocalVersionOut])
def item_versions(code: str = CodePath(max_length=64), principal: Principal = allow(*STAFF, scope="admin"),
                  session: Session = Depends(get_session)):
    return service.history(session, code)
