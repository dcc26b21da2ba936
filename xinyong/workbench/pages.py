"""/workbench: the home every signed-in user lands on (工作台; a subject's own home)."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from xinyong.kit.access import Principal, allow
from xinyong.kit.web import get_session, render
from xinyong.models.org_roles import roles_with
from xinyong.workbench import rules, service

router = APIRouter(include_in_schema=False)
# where the whole queue is, when the workbench shows only its first items
QUEUES = {"staff": "/staff/deadlines", "admin": "/staff/deadlines",
          **{role: "/agency/deadlines" for role in roles_with("organisation_deadlines")}}


@router.get("/workbench")
def workbench(request: Request, principal: Principal = allow("authenticated"), session: Session = Depends(get_session)):
    if principal.role == "subject":
        return render(request, "workbench/home.html", {"home": service.home(session, principal)})
    bench = service.workbench(session, principal)
    return render(request, "workbench/bench.html", {"bench": bench, "queue": QUEUES.get(principal.role),
                                                     "limit": rules.LIMIT})
