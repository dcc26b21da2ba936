"""Pages of self-declared information (QZ art. 13, FZ art. 10 para. 2): the subject declares
under the truth pledge and withdraws (/me/declarations); the credit department sees all and
withdraws unlawful ones (/staff/declarations). The public subject page shows published
declarations with their label (xinyong.disclosure.pages, template declarations/_public.html)."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session

from xinyong.declarations import repository, rules, service, views
from xinyong.declarations.schemas import MAX_ID, DeclarationIn
from xinyong.kit.access import Principal, allow
from xinyong.kit.errors import NotFound, XinyongError
from xinyong.kit.web import get_session, language, page_error, render
from xinyong.kit.text import Code, CodeForm, CodeQuery, TextForm, invalid_input
from xinyong.models import Subject

router = APIRouter(include_in_schema=False)
PAGE = 50


# ---- the subject ---------------------------------------------------------------------------------------

@router.get("/me/declarations")
def mine(request: Request, done: str = CodeQuery("", max_length=16), principal: Principal = allow("subject"),
         session: Session = Depends(get_session)):
    return _mine_page(request, session, principal, done=done)


def _mine_page(request, session, principal, *, done="", form=None, error=None, status_code=200):
    rows = service.mine(session, principal)
    pol = service.policy_or_none()
    shown = pol or (service.display_policy() if rows else None)
    # public only as service.public_of decides (never a natural person's): the page must not say otherwise
    subject = session.get(Subject, principal.subject_id)
    public = pol is not None and subject is not None and rules.shown_publicly(pol, subject.kind)
    if done == "declared" and not public:
        done = "declared_private"
    return render(request, "declarations/mine.html", {
        "rows": [views.own_out(d, shown) for d in rows], "policy": pol, "done": done, "form": form or {},
        "public": public,
        "forbidden": service.forbidden_classes(language(request)), "error": page_error(error, language(request))},
        status_code=status_code)


@router.post("/me/declarations")
def declare(request: Request, form: str = CodeForm(""), category: str = CodeForm(""), title: str = TextForm(""),
            content: str = TextForm(""), pledge_accepted: str = CodeForm(""), principal: Principal = allow("subject"),
            session: Session = Depends(get_session)):
    typed = {"form": form, "category": category, "title": title, "content": content}
    try:
        try:
            data = DeclarationIn(form=form, category=category, title=title, content=content,
                                 pledge_accepted=pledge_accepted in ("1", "on", "true", "yes"))
        except ValidationError as exc:
            raise invalid_input(exc) from None
        service.declare(session, principal, data)
    except XinyongError as exc:
        session.rollback()
        return _mine_page(request, session, principal, form=typed, error=exc, status_code=exc.status)
    session.commit()
    return RedirectResponse("/me/declarations?done=declared", status_code=303)


@router.post("/me/declarations/{declaration_id}/withdraw")
def withdraw_own(request: Request, declaration_id: int = Path(ge=1, le=MAX_ID), reason: str = TextForm(""),
                 principal: Principal = allow("subject"), session: Session = Depends(get_session)):
    try:
        service.withdraw_own(session, principal, declaration_id, reason[:2000])
    except NotFound:
        raise
    except XinyongError as exc:
        session.rollback()
        return _mine_page(request, session, principal, error=exc, status_code=exc.status)
    session.commit()
    return RedirectResponse("/me/declarations?done=withdrawn", status_code=303)


# ---- the credit department ------------------------------------------------------------------------------

@router.get("/staff/declarations")
def staff_list(request: Request, status: Code | None = Query(None, pattern="^(published|withdrawn)$"),
               page: int = Query(1, ge=1, le=10_000), done: str = CodeQuery("", max_length=16),
               principal: Principal = allow(*service.STAFF_ROLES), session: Session = Depends(get_session)):
    return _staff_page(request, session, status=status, page=page, done=done)


def _staff_page(request, session, *, status=None, page=1, done="", error=None, status_code=200):
    rows = repository.listing(session, status=status, limit=PAGE + 1, offset=(page - 1) * PAGE)
    pol = service.display_policy() if rows else None
    today = service.policy_or_none() if rows else None   # what is public follows the rule in force
    private = {row[0].id for row in rows[:PAGE] if today is None or not rules.shown_publicly(today, row[2])}
    return render(request, "declarations/staff.html", {
        "rows": [views.staff_out(*row, pol) for row in rows[:PAGE]], "has_next": len(rows) > PAGE, "page": page,
        "private_ids": private,
        "status": status, "counts": repository.counts_by_status(session), "done": done,
        "error": page_error(error, language(request))}, status_code=status_code)


@router.post("/staff/declarations/{declaration_id}/withdraw")
def withdraw_unlawful(request: Request, declaration_id: int = Path(ge=1, le=MAX_ID), reason: str = TextForm(""),
                      principal: Principal = allow(*service.STAFF_ROLES), session: Session = Depends(get_session)):
    try:
        service.withdraw_unlawful(session, principal, declaration_id, reason[:2000])
    except NotFound:
        raise
    except XinyongError as exc:
        session.rollback()
        return _staff_page(request, session, error=exc, status_code=exc.status)
    session.commit()
    return RedirectResponse("/staff/declarations?done=withdrawn", status_code=303)
