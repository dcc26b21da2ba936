"""An administrator disables or enables an account (ASVS 3.3: disabling ends its sessions at once)."""
from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from xinyong.accounts import service
from xinyong.kit.access import Principal, allow
from xinyong.kit.errors import InvalidInput
from xinyong.kit.text import CodePath, Text, has_control_characters
from xinyong.kit.web import get_session

router = APIRouter(prefix="/api/v1/admin/users", tags=["accounts 账户"])


class ActiveIn(BaseModel):
    reason: Text = Field(min_length=1, max_length=500)


class ActiveOut(BaseModel):
    username: str
    active: bool


@router.post("/{username}/disable", response_model=ActiveOut)
def disable(body: ActiveIn, username: str = CodePath(min_length=1, max_length=64),
            principal: Principal = allow("admin", scope="admin"), session: Session = Depends(get_session)):
    return _set(session, principal, username, False, body.reason)


@router.post("/{username}/enable", response_model=ActiveOut)
def enable(body: ActiveIn, username: str = CodePath(min_length=1, max_length=64),
           principal: Principal = allow("admin", scope="admin"), session: Session = Depends(get_session)):
    return _set(session, principal, username, True, body.reason)


def _set(session: Session, principal: Principal, username: str, active: bool, reason: str) -> ActiveOut:
    if has_control_characters(reason):
        raise InvalidInput("理由含有控制字符", field="reason", message_en="the reason holds control characters")
    user = service.set_active(session, username, active, reason, actor=principal)
    session.commit()
    return ActiveOut(username=user.username, active=user.active)
