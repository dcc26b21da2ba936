"""Issuing a written document: render the PDF, number it, store it for its addressee.
Flushes, never commits."""
from __future__ import annotations

import hashlib

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.kit.pdf import DocumentSpec, Section, render
from xinyong.law.loader import active_profile
from xinyong.models import Document
from xinyong.reports import eseal, signing, sm2seal

KIND_PREFIX = {  # 文书编号 prefix per kind of document
    "objection_result": "YY", "repair_acceptance": "XFSL", "repair_refusal": "XFBSL",
    "repair_result": "XFJG", "repair_revocation": "XFCX", "listing_notice": "GZ",
    "listing_objection_reply": "YYFK", "listing_decision": "RD", "listing_removal": "YC", "listing_lapse": "ZZ",
    "complaint_result": "TS", "deadline_extension": "YQ", "rights_notice": "QLGZ",
}


def _number(session: Session, kind: str) -> str:
    today = clock.today()
    prefix = KIND_PREFIX.get(kind, "WS")
    count = session.scalar(select(func.count(Document.id)).where(Document.kind == kind)) or 0
    return f"{active_profile().title_zh}信〔{today.year}〕{prefix}{count + 1:05d}号"


def issue(session: Session, *, kind: str, procedure: str, procedure_id: int, title: str,
          sections: list[Section], subject_id: int | None = None, addressee_org_id: int | None = None,
          addressee_user_id: int | None = None, addressee_ref: str | None = None, citation: str = "",
          created_by: int | None = None, issuer: str | None = None) -> Document:
    """Render and store one document; its addressee downloads it (documents.api). A sealed
    addressee (a complainant) is given as ``addressee_ref`` (xinyong.kit.sealed.party_ref)."""
    number = _number(session, kind)
    today = clock.today()
    issuer = issuer or f"{active_profile().title_zh}公共信用信息平台"
    if citation:
        sections = [*sections, Section(heading="依据", paragraphs=[citation])]
    content = _sealed(render(DocumentSpec(title=title, number=number, issuer=issuer,
                                          date_text=f"{today.year}年{today.month}月{today.day}日", sections=sections)))
    filename = f"{kind}-{procedure_id}-{today.isoformat()}.pdf"
    doc = Document(number=number, kind=kind, procedure=procedure, procedure_id=procedure_id, title=title,
                   subject_id=subject_id, addressee_org_id=addressee_org_id, addressee_user_id=addressee_user_id,
                   addressee_ref=addressee_ref,
                   filename=filename, content=content,
                   sha256=hashlib.sha256(content).hexdigest(), sm2_signature=sm2seal.seal(content),
                   ses_signature=eseal.sealed(content, filename),
                   citation=citation, created_by=created_by)
    session.add(doc)
    session.flush()
    from xinyong.audit import record_event  # every decision document is an entry of the public log
    record_event(session, None, "document.issue", target_type="document", target_id=doc.id, subject_id=subject_id,
                 details={"kind": kind, "procedure": procedure, "procedure_id": procedure_id, "number": number,
                          "sha256": doc.sha256, "created_by": created_by})
    return doc


def _sealed(pdf: bytes) -> bytes:
    """Signed as reports are (GB/T 38540 / PAdES): anyone can check a decision at /verify."""
    return signing.sign(pdf, reason="文书 / decision document")


def by_sha256(session: Session, digest: str) -> Document | None:
    return session.scalars(select(Document).where(Document.sha256 == digest)).first()


def documents_of(session: Session, procedure: str, procedure_id: int) -> list[Document]:
    return list(session.scalars(select(Document).where(Document.procedure == procedure,
                                                       Document.procedure_id == procedure_id)
                                .order_by(Document.id)))


def download(session: Session, principal, document_id: int, channel: str) -> Document:
    """A document its addressee (or credit-department staff) may read; audited; 404 otherwise."""
    from xinyong.audit import record_event
    from xinyong.documents import repository
    from xinyong.kit.errors import NotFound

    doc = repository.visible(session, principal, document_id)
    if doc is None:
        raise NotFound("没有这份文书", message_en="no such document")
    # QZ art. 37: a sealed addressee (the complainant) downloading their own document is logged
    # with the platform as the actor; anyone else (staff, an administrator) under their own name
    unnamed = repository.is_sealed_addressee(doc, principal)
    record_event(session, None if unnamed else principal, "document.downloaded", target_type="document",
                 target_id=doc.id, subject_id=doc.subject_id,
                 details={"kind": doc.kind, "channel": channel} | ({"by": "addressee"} if unnamed else {}))
    return doc
