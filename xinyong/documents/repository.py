"""Which documents a caller may read: one query, on indexed columns (subject, organisation).

An organisation reads the documents addressed to it and those of the procedures it conducts
(the objection or repair it decides on its record, the listing it proposed): the case pages
show it those documents, and a link shown must open (issue #13 point 4). A complaint's
documents stay with their addressees (the complainant is sealed, QZ art. 37)."""
from __future__ import annotations

from sqlalchemy import and_, false, or_, select
from sqlalchemy.orm import Session, defer

from xinyong.kit.sealed import party_ref
from xinyong.models import Document, User
from xinyong.models.listing import ListProposal
from xinyong.models.objection import Objection
from xinyong.models.repair import RepairApplication

STAFF_ROLES = ("staff", "admin")
# procedure -> (its table's id column, the column naming the organisation that conducts it)
CONDUCTED_BY = {
    "objection": (Objection.id, Objection.source_agency_id),
    "repair": (RepairApplication.id, RepairApplication.source_agency_id),
    "listing": (ListProposal.id, ListProposal.proposing_org_id),
}


def conducted_by(org_id: int):
    """The condition "this document belongs to a procedure the organisation conducts"."""
    return or_(false(), *(and_(Document.procedure == name, Document.procedure_id.in_(
        select(id_col).where(org_col == org_id))) for name, (id_col, org_col) in CONDUCTED_BY.items()))


def addressed_to(principal):
    """The condition "this document is addressed to the caller" (staff: every document)."""
    if principal.role in STAFF_ROLES:
        return None
    conditions = []
    if principal.user_id is not None:
        conditions.append(Document.addressee_user_id == principal.user_id)
        conditions.append(Document.addressee_ref == party_ref(principal.user_id))
    if principal.role == "subject" and principal.subject_id is not None:
        conditions.append(Document.subject_id == principal.subject_id)
    if principal.role != "subject" and principal.agency_id is not None:
        conditions.append(Document.addressee_org_id == principal.agency_id)
        # and the documents the organisation issued itself (a listing's notice and decision, an
        # objection's result), which its proposal page links (issue #13 point 4) — never one to a
        # sealed addressee (a complainant: only the handler and the addressee read those)
        conditions.append(and_(Document.addressee_ref.is_(None),
                               Document.created_by.in_(select(User.id).where(User.agency_id == principal.agency_id))))
        if principal.role == "agency":
            conditions.append(conducted_by(principal.agency_id))
    return or_(false(), *conditions)


def visible(session: Session, principal, document_id: int) -> Document | None:
    stmt = select(Document).where(Document.id == document_id)
    condition = addressed_to(principal)
    if condition is not None:
        stmt = stmt.where(condition)
    return session.scalars(stmt).first()


def readable_ids(session: Session, principal, ids: list[int]) -> set[int]:
    """Which of `ids` the caller may open (one query): a page links only those."""
    if not ids:
        return set()
    stmt = select(Document.id).where(Document.id.in_(ids))
    condition = addressed_to(principal)
    if condition is not None:
        stmt = stmt.where(condition)
    return set(session.scalars(stmt))


def listing(session: Session, principal, limit: int, offset: int = 0, *, own_only: bool = True) -> list[Document]:
    """Newest first, without the PDF bytes."""
    stmt = select(Document).options(defer(Document.content)).order_by(Document.id.desc()).limit(limit).offset(offset)
    if principal.role in STAFF_ROLES and own_only:
        stmt = stmt.where(or_(Document.addressee_user_id == principal.user_id,
                              Document.addressee_ref == party_ref(principal.user_id),
                              Document.addressee_org_id == principal.agency_id if principal.agency_id else false()))
    else:
        condition = addressed_to(principal)
        if condition is not None:
            stmt = stmt.where(condition)
    return list(session.scalars(stmt))


def is_sealed_addressee(doc: Document, principal) -> bool:
    """The caller is the document's sealed addressee (matched through the keyed pseudonym)."""
    return bool(doc.addressee_ref and principal.user_id is not None
                and doc.addressee_ref == party_ref(principal.user_id))
