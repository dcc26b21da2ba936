"""Downloading a written document (PDF) by its addressee. Every download is audited."""
from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from xinyong.documents import repository, service
from xinyong.kit.access import Principal, allow
from xinyong.kit.errors import NotFound
from xinyong.kit.web import get_session

router = APIRouter(tags=["documents 文书"])
MAX_ID = 2**63 - 1
PAGE = 50


class DocumentOut(BaseModel):
    id: int
    number: str
    kind: str
    procedure: str
    procedure_id: int
    title: str
    filename: str
    sha256: str
    citation: str
    created_at: dt.datetime
    url: str


def document_out(d) -> DocumentOut:
    return DocumentOut(id=d.id, number=d.number, kind=d.kind, procedure=d.procedure, procedure_id=d.procedure_id,
                       title=d.title, filename=d.filename, sha256=d.sha256, citation=d.citation,
                       created_at=d.created_at, url=f"/documents/{d.id}")


def pdf_response(doc) -> Response:
    return Response(doc.content, media_type="application/pdf", headers={
        "Content-Disposition": f"attachment; filename=\"{doc.filename}\"; filename*=UTF-8''{quote(doc.filename)}",
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


@router.get("/api/v1/documents/{document_id}", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}}})
def download(document_id: int = Path(ge=1, le=MAX_ID), principal: Principal = allow("authenticated"),
             session: Session = Depends(get_session)):
    """The PDF, for its addressee (the subject's accounts, the organisation, the account) and
    credit-department staff; 404 for anyone else."""
    doc = service.download(session, principal, document_id, "api")
    response = pdf_response(doc)
    session.commit()
    return response


@router.get("/api/v1/documents/{document_id}/sm2", response_class=Response,
            responses={200: {"content": {"application/octet-stream": {}}}})
def download_sm2(document_id: int = Path(ge=1, le=MAX_ID), principal: Principal = allow("authenticated"),
                 session: Session = Depends(get_session)):
    """The document's detached SM2/SM3 seal (DER r, s over the PDF's bytes), for the same readers
    as the PDF; verify offline with tools/verify_sm2.py or OpenSSL. 404 when it carries none."""
    doc = service.download(session, principal, document_id, "api-sm2")
    if not doc.sm2_signature:
        raise NotFound("这份文书没有国密签章", message_en="this document carries no SM2 seal")
    return _seal_file(session, doc, doc.sm2_signature, ".sm2")


@router.get("/api/v1/documents/{document_id}/ses", response_class=Response,
            responses={200: {"content": {"application/octet-stream": {}}}})
def download_ses(document_id: int = Path(ge=1, le=MAX_ID), principal: Principal = allow("authenticated"),
                 session: Session = Depends(get_session)):
    """The document's GB/T 38540 sealed signature (SES_Signature, DER: the platform's electronic
    seal, the signing time, the SM3 hash of the PDF), for the same readers as the PDF; /verify
    takes it in place of the .sm2 file. 404 when it carries none."""
    doc = service.download(session, principal, document_id, "api-ses")
    if not doc.ses_signature:
        raise NotFound("这份文书没有电子签章数据", message_en="this document carries no GB/T 38540 sealed signature")
    return _seal_file(session, doc, doc.ses_signature, ".ses")


def _seal_file(session: Session, doc, content: bytes, suffix: str) -> Response:
    """A seal of the document as a download named after it (the download is logged: commit)."""
    response = Response(content, media_type="application/octet-stream", headers={
        "Content-Disposition": f"attachment; filename=\"{doc.filename.removesuffix('.pdf')}{suffix}\"",
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})
    session.commit()
    return response


@router.get("/api/v1/me/documents", response_model=list[DocumentOut])
def my_documents(page: int = Query(1, ge=1, le=10_000), principal: Principal = allow("authenticated"),
                 session: Session = Depends(get_session)):
    """Documents addressed to me, my subject or my organisation, newest first."""
    return [document_out(d) for d in repository.listing(session, principal, PAGE, (page - 1) * PAGE)]
