"""Issue #13 point 4 (found by the browser crawl): the agency that proposes a listing is shown the
notice it sent on its proposal page, and that link opens for it — not for another agency, and
never a document to a sealed addressee (a complainant) that one of its users made."""
from __future__ import annotations

from tests.lists.support import build, proposal
from xinyong.documents import repository, service
from xinyong.kit.sealed import party_ref
from xinyong.lists import service as lists
from xinyong.models import Document


def test_the_issuing_agency_reads_the_documents_it_issued(session, today):
    today("2026-06-01")
    w = build(session)
    p = lists.propose(session, w.agency, proposal(w))
    lists.send_notice(session, w.agency, p.id)
    notice = session.query(Document).filter(Document.procedure_id == p.id, Document.kind == "listing_notice").one()
    assert repository.visible(session, w.agency, notice.id) is not None
    assert repository.readable_ids(session, w.agency, [notice.id]) == {notice.id}
    assert repository.visible(session, w.other_agency, notice.id) is None
    assert repository.readable_ids(session, w.other_agency, [notice.id]) == set()
    assert repository.visible(session, w.subject, notice.id) is not None      # its addressee, as before


def test_a_document_to_a_sealed_addressee_stays_with_its_addressee(session, today):
    today("2026-06-01")
    w = build(session)
    sealed = service.issue(session, kind="complaint_result", procedure="complaints", procedure_id=1, title="处理结果告知书",
                           sections=[], addressee_ref=party_ref(w.subject.user_id), created_by=w.agency.user_id)
    assert repository.visible(session, w.agency, sealed.id) is None
    assert repository.visible(session, w.subject, sealed.id) is not None
