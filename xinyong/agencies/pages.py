"""Agency registration pages for credit-department staff: the list and the register form."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from xinyong.agencies import service
from xinyong.kit.access import Principal, allow
from xinyong.kit.errors import XinyongError
from xinyong.kit.web import get_session, language, page_error, render
from xinyong.kit.text import Code, CodeForm, TextForm
from xinyong.models.agency import ORG_KINDS

router = APIRouter(include_in_schema=False)
REGISTRARS = ("staff", "admin")


@router.get("/admin/agencies")
def agencies_page(request: Request, added: Code | None = Query(None, max_length=40),
                  principal: Principal = allow(*REGISTRARS), session: Session = Depends(get_session)):
    return _page(request, session, added=added)


@router.post("/admin/agencies")
def register_agency(request: Request, uscc: str = CodeForm(""), name: str = TextForm(""), kind: str = CodeForm("public_body"),
                    principal: Principal = allow(*REGISTRARS), session: Session = Depends(get_session)):
    form = {"uscc": uscc, "name": name, "kind": kind}
    try:
        agency = service.register(session, uscc=uscc.strip(), name=name, kind=kind, registered_by=principal.user_id,
                                  actor=principal)
    except XinyongError as exc:
        session.rollback()
        return _page(request, session, form=form, error=exc, status_code=exc.status)
    session.commit()
    return RedirectResponse(f"/admin/agencies?added={agency.uscc}", status_code=303)


def _page(request: Request, session: Session, *, added: str | None = None, form: dict | None = None,
          error: XinyongError | None = None, status_code: int = 200):
    lang = language(request)
    # the notice names only an agency that exists, whatever the query string says
    added_agency = service.by_uscc(session, added) if added else None
    ctx = {"agencies": service.list_all(session), "kinds": ORG_KINDS, "added": added_agency,
           "form": form or {"kind": "public_body"}, "error": page_error(error, lang)}
    return render(request, "agencies/index.html", ctx, status_code=status_code)
