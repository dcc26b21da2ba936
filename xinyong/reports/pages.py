"""Portal pages of credit reports: my reports (subject: request full / public / special, download),
the public report of any subject, the special report form for authorised organisations, an
issued report's page, the platform certificate, and the public verification page."""
from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, File, Path, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.access.views import refusal
from xinyong.kit.access import Principal, allow
from xinyong.kit.errors import InvalidInput, XinyongError
from xinyong.kit.web import get_session, language, page_error, render
from xinyong.kit.text import CodeForm, CodePath, TextForm
from xinyong.reports import eseal, rules, service, signing, sm2seal, views
from xinyong.reports.api import (eseal_picture_response, eseal_response, pdf_response, sm2_certificate_response,
                                 sm2_public_response)
from xinyong.reports.throttle import client_of

router = APIRouter(include_in_schema=False)
MAX_ID = 2**63 - 1
SPECIAL_ROLES = rules.ORG_ROLES


def _date(value: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput("请选择日期", field=field, message_en=f"choose the date ({field})") from None


def _fields(lang: str) -> list[tuple[str, str]]:
    return [(f.code, f.zh if lang == "zh" else f.en) for f in service.policy().fields.values()]


def _default_form(lang: str = "zh") -> dict:
    today = clock.today()
    return {"kind": "special", "field": "all", "date_from": today.replace(year=today.year - 3).isoformat(),
            "date_to": today.isoformat(), "lang": lang}


# ---- the subject's own reports -------------------------------------------------------------------------

@router.get("/me/reports")
def my_reports(request: Request, issued: int | None = Query(None, ge=1, le=MAX_ID),
               principal: Principal = allow("subject"), session: Session = Depends(get_session)):
    return _my_page(request, session, principal, issued=issued)


@router.post("/me/reports")
def request_mine(request: Request, kind: str = CodeForm(""), field: str = CodeForm(""), date_from: str = CodeForm(""),
                 date_to: str = CodeForm(""), lang: str = CodeForm("", max_length=8), principal: Principal = allow("subject"),
                 session: Session = Depends(get_session)):
    lang = lang or language(request)      # the report's language: chosen on the form, else the page's
    form = {"kind": kind, "field": field, "date_from": date_from, "date_to": date_to, "lang": lang}
    try:
        ask = None
        if kind == "special":
            ask = service.SpecialAsk(field, _date(date_from, "date_from"), _date(date_to, "date_to"))
        if kind not in rules.KINDS:
            raise InvalidInput("请选择报告类型", field="kind", message_en="choose the kind of report")
        issued = service.issue(session, principal, kind, principal.subject_id, ask, channel="web", lang=lang)
    except XinyongError as exc:
        session.rollback()
        return _my_page(request, session, principal, form=form, error=exc, status_code=exc.status)
    session.commit()
    return RedirectResponse(f"/me/reports?issued={issued.report.id}", status_code=303)


def _my_page(request: Request, session: Session, principal: Principal, *, form: dict | None = None,
             error: XinyongError | None = None, issued: int | None = None, status_code: int = 200):
    lang, pol = language(request), service.policy()
    ctx = {"reports": [views.report_out(r) for r in service.mine(session, principal)], "issued": issued,
           "fields": _fields(lang), "form": form or _default_form(lang), "error": page_error(error, lang),
           "titles": rules.TITLES, "citations": pol.citations}
    return render(request, "reports/my_reports.html", ctx, status_code=status_code)


# ---- an issued report: its page and its PDF (requester, or the subject it is about) --------------------

@router.get("/reports/issued")
def issued_list(request: Request, principal: Principal = allow("authenticated"), session: Session = Depends(get_session)):
    return render(request, "reports/issued_list.html",
                  {"reports": [views.report_out(r) for r in service.mine(session, principal)], "titles": rules.TITLES})


@router.get("/reports/issued/{report_id}")
def issued_page(request: Request, report_id: int = Path(ge=1, le=MAX_ID), principal: Principal = allow("authenticated"),
                session: Session = Depends(get_session)):
    found = views.report_out(service.visible(session, principal, report_id))
    return render(request, "reports/issued.html", {"report": found, "titles": rules.TITLES})


@router.get("/reports/issued/{report_id}/pdf")
def issued_pdf(report_id: int = Path(ge=1, le=MAX_ID), principal: Principal = allow("authenticated"),
               session: Session = Depends(get_session)):
    found = service.download(session, principal, report_id)
    session.commit()
    return pdf_response(found)


# ---- special reports for authorised organisations ------------------------------------------------------

@router.get("/reports/special")
def special_form(request: Request, principal: Principal = allow(*SPECIAL_ROLES)):
    return _special_page(request, principal)


@router.post("/reports/special")
def special_request(request: Request, subject_id: str = CodeForm(""), field: str = CodeForm(""), date_from: str = CodeForm(""),
                    date_to: str = CodeForm(""), purpose: str = TextForm("", max_length=500),
                    authorisation_id: str = CodeForm("", max_length=32), principal: Principal = allow(*SPECIAL_ROLES),
                    session: Session = Depends(get_session)):
    form = {"subject_id": subject_id, "field": field, "date_from": date_from, "date_to": date_to, "purpose": purpose,
            "authorisation_id": authorisation_id}
    try:
        if not subject_id.strip().isdigit() or len(subject_id.strip()) > 18:
            raise InvalidInput("请填写信用主体编号", field="subject_id", message_en="enter the subject's number")
        ask = service.SpecialAsk(field, _date(date_from, "date_from"), _date(date_to, "date_to"), purpose,
                                 authorisation_id)
        issued = service.issue(session, principal, "special", int(subject_id), ask, channel="web",
                               lang=language(request))
        session.commit()
        if issued.report is None:
            raise refusal(issued.refused)
    except XinyongError as exc:
        session.rollback()
        return _special_page(request, principal, form=form, error=exc, status_code=exc.status)
    return RedirectResponse(f"/reports/issued/{issued.report.id}", status_code=303)


def _special_page(request: Request, principal: Principal, *, form: dict | None = None,
                  error: XinyongError | None = None, status_code: int = 200):
    lang = language(request)
    ctx = {"fields": _fields(lang), "form": form or {**_default_form(lang), "subject_id": "", "purpose": "",
                                                      "authorisation_id": ""},
           "error": page_error(error, lang), "citation": service.policy().citations.get("special")}
    return render(request, "reports/special.html", ctx, status_code=status_code)


# ---- the public report of any subject -----------------------------------------------------------------

@router.get("/reports/public/{subject_id}")
def public_form(request: Request, subject_id: int = Path(ge=1, le=MAX_ID), principal: Principal = allow("public"),
                session: Session = Depends(get_session)):
    from xinyong.disclosure.service import subject_profile
    subject = subject_profile(session, subject_id)
    return render(request, "reports/public.html", {"subject": subject,
                                                   "citation": service.policy().citations.get("public")})


@router.post("/reports/public/{subject_id}")
def public_issue(request: Request, subject_id: int = Path(ge=1, le=MAX_ID), principal: Principal = allow("public"),
                 session: Session = Depends(get_session)):
    """The public report in the page's language (404s as the form does)."""
    issued = service.issue(session, principal, "public", subject_id, channel="web", lang=language(request))
    session.commit()
    return pdf_response(issued.report)


# ---- the certificate and verification (anyone, no login) -----------------------------------------------

@router.get("/reports/certificate", dependencies=[allow("public")])
def certificate():
    return Response(signing.certificate_pem(), media_type="application/x-pem-file",
                    headers={"Content-Disposition": 'inline; filename="xinyong-reports.pem"'})


@router.get("/reports/certificate-sm2", dependencies=[allow("public")])
def certificate_sm2():
    return sm2_public_response()


@router.get("/reports/certificate-sm2/x509", dependencies=[allow("public")])
def certificate_sm2_x509():
    return sm2_certificate_response()


@router.get("/reports/eseal", dependencies=[allow("public")])
def electronic_seal():
    return eseal_response()


@router.get("/reports/eseal.png", dependencies=[allow("public")])
def electronic_seal_picture():
    return eseal_picture_response()


@router.get("/verify")
def verify_form(request: Request, principal: Principal = allow("public")):
    return _verify_page(request, None)


@router.get("/verify/{code}")
def verify_code(request: Request, code: str = CodePath(max_length=64), principal: Principal = allow("public"),
                session: Session = Depends(get_session)):
    result = service.verify_code(session, code, client=client_of(request), principal=principal)
    session.commit()
    return _verify_page(request, views.verification_out(result), status_code=404 if result.outcome == "not_found" else 200,
                        log=_in_log(session, result))


@router.post("/verify")
def verify_submit(request: Request, code: str = CodeForm("", max_length=64), file: UploadFile | None = File(None),
                  sm2: UploadFile | None = File(None), principal: Principal = allow("public"),
                  session: Session = Depends(get_session)):
    data = file.file.read(service.MAX_PDF_BYTES + 1) if file is not None else b""  # sync: pyHanko runs its own loop
    seal = sm2.file.read(service.MAX_SM2_BYTES + 1) if sm2 is not None else b""
    try:
        if data:
            result = service.verify_file(session, data, code=code, client=client_of(request), principal=principal,
                                         sm2_signature=seal)
        elif code.strip():
            result = service.verify_code(session, code, client=client_of(request), principal=principal)
        else:
            raise InvalidInput("请输入验证码或上传报告文件", field="code", message_en="enter a code or upload the report")
    except XinyongError as exc:
        session.rollback()
        return _verify_page(request, None, error=exc, status_code=exc.status)
    session.commit()
    return _verify_page(request, views.verification_out(result), log=_in_log(session, result))


def _in_log(session: Session, result) -> dict | None:
    """The report's issuance entry in the public transparency log, its proof checked against
    the latest signed head (issue 12)."""
    from xinyong.transparency.service import report_inclusion
    return report_inclusion(session, result.report.id) if result.report is not None else None


def _verify_page(request: Request, result, *, error: XinyongError | None = None, status_code: int = 200,
                 log: dict | None = None):
    ctx = {"result": result, "error": page_error(error, language(request)),
           "fingerprint": signing.certificate_fingerprint(), "log": log,
           "sm2_fingerprint": sm2seal.public_fingerprint() if _shows_sm2(result) else None,
           "sm2_certificate": sm2seal.has_certificate(), "eseal": sm2seal.enabled() and eseal.available()}
    return render(request, "reports/verify.html", ctx, status_code=status_code)


def _shows_sm2(result) -> bool:
    """The SM2 key and the OpenSSL command are shown while the seal is on, and beside any SM2
    result (a report sealed before the seal was turned off)."""
    return sm2seal.enabled() or (result is not None and result.sm2_valid is not None)
