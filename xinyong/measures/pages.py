"""Pages of joint incentive and punishment: the published lists on the portal (FZ art. 15:
向社会公布), publication by the credit department, the agency's joint check with "apply", the
agency's applications with feedback, and the subject's own applied measures."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from xinyong.disclosure.publicity import public_name

from xinyong import clock
from xinyong.kit.access import Principal, allow
from xinyong.kit.errors import InvalidInput, NotFound, XinyongError
from xinyong.kit.web import get_session, language, page_error, render
from xinyong.kit.text import CodeForm, TextForm
from xinyong.measures import repository, service

router = APIRouter(include_in_schema=False)
MAX_ID = 2**63 - 1
PAGE = 50


def _lists_view(session: Session, statuses):
    lists = repository.lists(session, statuses=statuses, jurisdiction=service.jurisdiction())
    by_list = repository.measures_of(session, [lst.id for lst in lists])
    return [(lst, by_list[lst.id]) for lst in lists]


@router.get("/measures")
def public_lists(request: Request, principal: Principal = allow("public"), session: Session = Depends(get_session)):
    today = clock.today()
    return render(request, "measures/lists.html", {
        "lists": _lists_view(session, ("published",)), "matters": service.matters(today),
        "citation": service.rule("measures.proportionality", today).citation})


@router.get("/admin/measures")
def admin_lists(request: Request, published: int | None = Query(None, ge=1, le=MAX_ID),
                principal: Principal = allow("staff", "admin"), session: Session = Depends(get_session)):
    return _admin_page(request, session, published=published)


def _admin_page(request, session, *, published=None, error=None, status_code=200):
    return render(request, "measures/admin.html", {
        "lists": _lists_view(session, None), "matters": service.matters(), "published": published,
        "error": page_error(error, language(request))}, status_code=status_code)


@router.post("/admin/measures/{list_id}/publish")
def admin_publish(request: Request, list_id: int = Path(ge=1, le=MAX_ID), document_no: str = TextForm(""),
                  principal: Principal = allow("staff", "admin"), session: Session = Depends(get_session)):
    try:
        service.publish(session, principal, list_id, document_no)
    except XinyongError as exc:
        session.rollback()
        return _admin_page(request, session, error=exc, status_code=exc.status)
    session.commit()
    return RedirectResponse(f"/admin/measures?published={list_id}", status_code=303)


@router.post("/admin/measures/sync")
def admin_sync(request: Request, principal: Principal = allow("staff", "admin"), session: Session = Depends(get_session)):
    service.sync(session, principal)
    session.commit()
    return RedirectResponse("/admin/measures", status_code=303)


# ---- the joint check -------------------------------------------------------------------------------

@router.get("/agency/joint-check")
def check_form(request: Request, principal: Principal = allow("agency", "staff"), session: Session = Depends(get_session)):
    return _check_page(request, session, principal, form={})


def _check_page(request, session, principal, *, form, result=None, error=None, refusal=None, status_code=200):
    """``form``: the check's fields, and after a refused application its measure_id and case_ref."""
    cited = {r for f in result.findings for m in f.matches for r in m.record_ids} if result else set()
    return render(request, "measures/joint_check.html", {
        "form": form, "result": result, "matters": service.matters(), "error": page_error(error, language(request)),
        "decision_nos": repository.decision_numbers(session, cited),
        # a person named masked, as the API's check does (an agency may look a subject up by id)
        "subject_name": public_name(result.subject.name, result.subject.kind)[0] if result else "",
        "refusal": page_error(refusal, language(request)), "can_apply": principal.role == "agency"},
        status_code=status_code)


@router.post("/agency/joint-check")
def check(request: Request, subject: str = CodeForm(""), matter: str = TextForm(""),
          principal: Principal = allow("agency", "staff"), session: Session = Depends(get_session)):
    form = {"subject": subject, "matter": matter}
    try:
        found = repository.subject_by_key(session, subject)
        if found is None:
            raise InvalidInput("未找到该主体（请填写统一社会信用代码或主体编号）", field="subject",
                               message_en="no such subject (give a USCC or subject id)")
        result = service.joint_check(session, principal, found.id, matter)
    except XinyongError as exc:
        session.rollback()
        return _check_page(request, session, principal, form=form, error=exc, status_code=exc.status)
    session.commit()
    return _check_page(request, session, principal, form=form, result=result)


@router.post("/agency/measure-applications")
def apply(request: Request, measure_id: int = Form(..., ge=1, le=MAX_ID), subject_id: int = Form(..., ge=1, le=MAX_ID),
          matter: str = TextForm(""), case_ref: str = TextForm(""), check_id: int | None = Form(None, ge=1, le=MAX_ID),
          principal: Principal = allow("agency"), session: Session = Depends(get_session)):
    try:
        app = service.apply(session, principal, measure_id=measure_id, subject_id=subject_id, matter=matter,
                            case_ref=case_ref, check_id=check_id)
    except XinyongError as exc:
        session.commit() if isinstance(exc, service.Conflict) else session.rollback()
        # the check it was applied from, as found then, with the application as sent
        past = service.past_check(session, principal, check_id)
        subject = (past.subject.uscc if past else None) or str(subject_id)
        return _check_page(request, session, principal, result=past, refusal=exc, status_code=exc.status,
                           form={"subject": subject, "matter": matter, "measure_id": measure_id, "case_ref": case_ref})
    session.commit()
    return RedirectResponse(f"/agency/measure-applications?applied={app.id}", status_code=303)


@router.get("/agency/measure-applications")
def applications(request: Request, applied: int | None = Query(None, ge=1, le=MAX_ID), page: int = Query(1, ge=1, le=10**6),
                 principal: Principal = allow("agency"), session: Session = Depends(get_session)):
    return _applications_page(request, session, principal, applied=applied, page=page)


def _applications_page(request, session, principal, *, applied=None, page=1, error=None, status_code=200, sent=None):
    """``sent``: a refused feedback ({"application_id", "effect", "text"}), shown back in its row."""
    rows = repository.applications(session, agency_id=principal.agency_id or -1, limit=PAGE + 1,
                                   offset=(page - 1) * PAGE)
    return render(request, "measures/applications.html", {
        "rows": rows[:PAGE], "more": len(rows) > PAGE, "page": page, "applied": applied, "matters": service.matters(),
        "effects": service.FEEDBACK_EFFECTS, "error": page_error(error, language(request)), "sent": sent or {}},
        status_code=status_code)


@router.post("/agency/measure-applications/{application_id}/feedback")
def feedback(request: Request, application_id: int = Path(ge=1, le=MAX_ID), effect: str = CodeForm(""), text: str = TextForm(""),
             principal: Principal = allow("agency"), session: Session = Depends(get_session)):
    try:
        service.feedback(session, principal, application_id, effect, text)
    except NotFound:
        raise
    except XinyongError as exc:
        session.rollback()
        return _applications_page(request, session, principal, error=exc, status_code=exc.status,
                                  sent={"application_id": application_id, "effect": effect, "text": text})
    session.commit()
    return RedirectResponse(f"/agency/measure-applications?applied={application_id}", status_code=303)


@router.get("/me/measures")
def my_measures(request: Request, page: int = Query(1, ge=1, le=10**6), principal: Principal = allow("subject"),
                session: Session = Depends(get_session)):
    rows = repository.applications(session, subject_id=principal.subject_id or -1, limit=PAGE + 1,
                                   offset=(page - 1) * PAGE)
    return render(request, "measures/mine.html", {"rows": rows[:PAGE], "more": len(rows) > PAGE, "page": page,
                                                  "matters": service.matters()})
