"""Documents for their addressees: /me/documents (a subject), /agency/documents (an
organisation), /documents/{id} (the PDF)."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query, Request
from sqlalchemy.orm import Session

from xinyong.documents import repository, service
from xinyong.documents.api import pdf_response
from xinyong.kit.access import Principal, allow
from xinyong.kit.web import get_session, render
from xinyong.models.org_roles import roles_with

router = APIRouter(include_in_schema=False)
MAX_ID = 2**63 - 1
PAGE = 50
ORG_ROLES = roles_with("organisation_documents")


@router.get("/documents/{document_id}")
def download(document_id: int = Path(ge=1, le=MAX_ID), principal: Principal = allow("authenticated"),
             session: Session = Depends(get_session)):
    doc = service.download(session, principal, document_id, "web")
    response = pdf_response(doc)
    session.commit()
    return response


def _list_page(request: Request, session: Session, principal: Principal, page: int, heading: str):
    found = repository.listing(session, principal, PAGE + 1, (page - 1) * PAGE)
    return render(request, "documents/list.html", {"documents": found[:PAGE], "page": page,
                                                   "has_next": len(found) > PAGE, "pager_query": "",
                                                   "heading": heading})


@router.get("/me/documents")
def my_documents(request: Request, page: int = Query(1, ge=1, le=10_000), principal: Principal = allow("subject"),
                 session: Session = Depends(get_session)):
    return _list_page(request, session, principal, page, "documents.mine")


@router.get("/agency/documents")
def agency_documents(request: Request, page: int = Query(1, ge=1, le=10_000),
                     principal: Principal = allow(*ORG_ROLES), session: Session = Depends(get_session)):
    return _list_page(request, session, principal, page, "documents.organisation")
