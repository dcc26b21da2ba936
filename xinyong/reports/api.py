"""The reports API: a subject's own reports, special reports for authorised organisations, the
public report, downloads, the platform certificate, and verification (anyone, no login, no
content). Thin: parse, authorise, call the service, shape, commit."""
from __future__ import annotations

from fastapi import APIRouter, Depends, File, Path, Query, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from xinyong.access.views import refusal
from xinyong.kit.access import Principal, allow
from xinyong.kit.errors import InvalidInput, NotFound
from xinyong.kit.web import get_session, language
from xinyong.kit.text import CodeForm, CodePath
from xinyong.reports import eseal, rules, service, signing, sm2seal, views
from xinyong.reports.schemas import FieldOut, MyReportIn, ReportOut, SpecialReportIn, VerificationOut
from xinyong.reports.throttle import client_of

router = APIRouter(tags=["credit reports 信用报告"])
MAX_ID = 2**63 - 1
ORGS = rules.ORG_ROLES


def pdf_response(report, inline: bool = False) -> Response:
    disposition = "inline" if inline else "attachment"
    return Response(report.content, media_type="application/pdf",
                    headers={"Content-Disposition": f'{disposition}; filename="{report.filename}"',
                             "X-Report-Code": report.code, "Cache-Control": "no-store"})


def special_ask(field, date_from, date_to, purpose="", authorisation_id=None) -> service.SpecialAsk:
    if not field or date_from is None or date_to is None:
        raise InvalidInput("请选择领域和期间", field="field", message_en="choose a field and a period")
    return service.SpecialAsk(field, date_from, date_to, purpose or "", authorisation_id)


@router.get("/api/v1/reports/fields", response_model=list[FieldOut], dependencies=[allow("public")])
def fields():
    """The fields (领域) a special credit report can cover (profile data)."""
    return [FieldOut(code=f.code, name=f.zh, name_en=f.en) for f in service.policy().fields.values()]


@router.get("/api/v1/reports/certificate", dependencies=[allow("public")])
def certificate():
    """The platform's signing certificate (PEM): check report signatures offline with it."""
    return Response(signing.certificate_pem(), media_type="application/x-pem-file",
                    headers={"Content-Disposition": 'inline; filename="xinyong-reports.pem"'})


@router.get("/api/v1/reports/certificate-sm2", dependencies=[allow("public")])
def certificate_sm2():
    """The platform's SM2 seal public key (PEM SubjectPublicKeyInfo, curve 1.2.156.10197.1.301)."""
    return sm2_public_response()


@router.get("/api/v1/reports/certificate-sm2/x509", dependencies=[allow("public")])
def certificate_sm2_x509():
    """The SM2 seal key's X.509 certificate (PEM, SM2-with-SM3): a certificate authority's when
    one is configured, else the platform's self-signed one. 404 when the signer has none."""
    return sm2_certificate_response()


@router.get("/api/v1/reports/eseal", dependencies=[allow("public")])
def electronic_seal():
    """The platform's GB/T 38540 electronic seal (SESeal, DER) that its sealed signatures (.ses)
    carry: its name, validity, the seal key's certificate and picture. 404 when the SM2 signer
    has none (a signing service without a seal file, XINYONG_SM2_ESEAL)."""
    return eseal_response()


def _published_seal() -> tuple[bytes, bytes]:
    found = eseal.published()
    if found is None:
        raise NotFound("平台没有电子印章：签章服务未提供电子印章文件",
                       message_en="the platform has no electronic seal: its signing service gave no seal file",
                       code="no_eseal")
    return found


def eseal_response() -> Response:
    return Response(_published_seal()[0], media_type="application/octet-stream",
                    headers={"Content-Disposition": 'attachment; filename="xinyong-eseal.der"'})


def eseal_picture_response() -> Response:
    return Response(_published_seal()[1], media_type="image/png",
                    headers={"Content-Disposition": 'inline; filename="xinyong-eseal.png"'})


def sm2_public_response() -> Response:
    return Response(sm2seal.public_pem(), media_type="application/x-pem-file",
                    headers={"Content-Disposition": 'inline; filename="xinyong-reports-sm2.pem"'})


def sm2_certificate_response() -> Response:
    cert = sm2seal.certificate_pem()
    if cert is None:
        raise NotFound("SM2 签章密钥没有证书：签章服务未提供证书文件（XINYONG_SM2_CERTIFICATE）",
                       message_en="the SM2 seal key has no certificate: its signing service gave no certificate file "
                                  "(XINYONG_SM2_CERTIFICATE)", code="no_sm2_certificate")
    return Response(cert, media_type="application/x-pem-file",
                    headers={"Content-Disposition": 'inline; filename="xinyong-reports-sm2.crt"'})


@router.post("/api/v1/me/reports", response_model=ReportOut, status_code=201)
def issue_mine(request: Request, body: MyReportIn, principal: Principal = allow("subject", scope="profiles:read"),
               session: Session = Depends(get_session)):
    """The subject's own full, public or special report, free of charge (QZ art. 10 para. 2)."""
    ask = special_ask(body.field, body.date_from, body.date_to) if body.kind == "special" else None
    issued = service.issue(session, principal, body.kind, principal.subject_id, ask, channel="api",
                           lang=body.lang or language(request))
    session.commit()
    return views.report_out(issued.report)


@router.post("/api/v1/reports/special", response_model=ReportOut, status_code=201)
def issue_special(request: Request, body: SpecialReportIn, principal: Principal = allow(*ORGS, scope="profiles:read"),
                  session: Session = Depends(get_session)):
    """A special credit report for an organisation holding the subject's written authorisation
    (QZ art. 11, 33); refused: 403 `no_basis`, and the attempt is in the subject's access log."""
    ask = special_ask(body.field, body.date_from, body.date_to, body.purpose, body.authorisation_id)
    issued = service.issue(session, principal, "special", body.subject_id, ask, channel="api",
                           lang=body.lang or language(request))
    session.commit()
    if issued.report is None:
        raise refusal(issued.refused)
    return views.report_out(issued.report)


@router.post("/api/v1/reports/public/{subject_id}")
def issue_public(request: Request, subject_id: int = Path(ge=1, le=MAX_ID), principal: Principal = allow("public"),
                 session: Session = Depends(get_session)):
    """The public report of any subject, as a signed PDF (natural persons masked), in the page's
    language (?lang=en or the lang cookie)."""
    issued = service.issue(session, principal, "public", subject_id, channel="api", lang=language(request))
    session.commit()
    return pdf_response(issued.report)


@router.get("/api/v1/reports", response_model=list[ReportOut])
def my_reports(limit: int = Query(50, ge=1, le=200), offset: int = Query(0, ge=0, le=100_000),
               principal: Principal = allow("authenticated"), session: Session = Depends(get_session)):
    """Reports you requested, and (a subject) every report issued about you."""
    return [views.report_out(r) for r in service.mine(session, principal, limit, offset)]


@router.get("/api/v1/reports/{report_id}", response_model=ReportOut)
def report(report_id: int = Path(ge=1, le=MAX_ID), principal: Principal = allow("authenticated"),
           session: Session = Depends(get_session)):
    return views.report_out(service.visible(session, principal, report_id))


@router.get("/api/v1/reports/{report_id}/pdf")
def report_pdf(report_id: int = Path(ge=1, le=MAX_ID), principal: Principal = allow("authenticated"),
               session: Session = Depends(get_session)):
    found = service.download(session, principal, report_id)
    session.commit()
    return pdf_response(found)


@router.get("/api/v1/reports/verify/{code}", response_model=VerificationOut)
def verify_code(request: Request, code: str = CodePath(max_length=64), principal: Principal = allow("public"),
                session: Session = Depends(get_session)):
    """Authentic? (signature and content hash). Reveals kind, date and masked name only; 404 when unknown."""
    result = service.verify_code(session, code, client=client_of(request), principal=principal)
    session.commit()
    out = views.verification_out(result)
    if result.outcome == "not_found":
        return _json(out, 404)
    return out


@router.get("/api/v1/reports/verify/{code}/sm2")
def verify_code_sm2(code: str = CodePath(max_length=64), principal: Principal = allow("public"),
                    session: Session = Depends(get_session)):
    """The detached SM2 seal (DER r, s) stored with the report of the code (linked from its verify
    page; check it with tools/verify_sm2.py or OpenSSL); 404 when it has none."""
    report = service.sm2_sealed(session, code)
    name = report.filename.removesuffix(".pdf") + ".sm2"
    return Response(report.sm2_signature, media_type="application/octet-stream",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/api/v1/reports/verify/{code}/ses")
def verify_code_ses(code: str = CodePath(max_length=64), principal: Principal = allow("public"),
                    session: Session = Depends(get_session)):
    """The GB/T 38540 sealed signature (SES_Signature, DER) stored with the report of the code: the
    platform's electronic seal with its picture and certificate, the signing time and the SM3 hash
    of the PDF; 404 when it has none. /verify takes it in place of the .sm2 file."""
    report = service.ses_sealed(session, code)
    name = report.filename.removesuffix(".pdf") + ".ses"
    return Response(report.ses_signature, media_type="application/octet-stream",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.post("/api/v1/reports/verify", response_model=VerificationOut)
def verify_file(request: Request, file: UploadFile = File(...), code: str = CodeForm("", max_length=64),
                sm2: UploadFile | None = File(None), principal: Principal = allow("public"),
                session: Session = Depends(get_session)):
    """Upload a report PDF: is it, byte for byte, one this platform signed and issued? With `sm2`,
    its detached SM2 signature: is that the platform's SM2 seal of the file (`sm2_valid`)?"""
    data = file.file.read(service.MAX_PDF_BYTES + 1)  # sync route: pyHanko runs its own event loop
    seal = sm2.file.read(service.MAX_SM2_BYTES + 1) if sm2 is not None else b""
    result = service.verify_file(session, data, code=code, client=client_of(request), principal=principal,
                                 sm2_signature=seal)
    session.commit()
    return views.verification_out(result)


def _json(model, status: int):
    from fastapi.responses import JSONResponse
    return JSONResponse(model.model_dump(mode="json"), status_code=status)
