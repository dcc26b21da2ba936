"""The listing procedure through the services, on SQLite and PostgreSQL: refusals with their
articles, the notice period and the objection, decision and publication, the reads other
domains use, removal on repair and its revocation, and the sweep at the end of the period."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from tests.lists.support import proposal, run_to_publication
from xinyong.kit.errors import Conflict, InvalidInput, NotFound
from xinyong.lists import hooks, repository, service, sweep
from xinyong.models import Deadline, Document, FeedEvent, Record
from xinyong.models.listing import ListEntry


def test_a_category_outside_the_four_is_refused_with_the_article(session, world):
    with pytest.raises(InvalidInput) as err:
        service.propose(session, world.agency, proposal(world, category="late_filing"))
    assert err.value.code == "listing_category_not_allowed"
    assert "QZ art. 22-23" in err.value.message and "不得擅自增加" in err.value.message


def test_lenient_handling_refuses_the_serious_listing(session, world):
    with pytest.raises(Conflict) as err:
        service.propose(session, world.agency, proposal(world, lenient_flags=["force_majeure"]))
    assert err.value.code == "listing_lenient_handling"
    assert "QZ art. 21" in err.value.message and "不可抗力" in err.value.message


def test_a_general_record_is_no_basis_in_quanzhou(session, world):
    with pytest.raises(Conflict) as err:
        service.propose(session, world.agency, proposal(world, basis_record_ids=[world.general_id]))
    assert err.value.code == "listing_basis_not_serious"


def test_a_record_whose_publicity_has_ended_grounds_no_listing_nor_its_decision(session, today):
    """NDRC Order 36, QZ art. 36 para. 2: a serious penalty of March 2023 whose publicity ended in
    2026 is no longer published nor used; and a proposal noticed while its record was public is
    not decided once the publicity has ended."""
    from tests.lists.support import build
    today("2026-06-01")
    old = build(session, decided=dt.date(2023, 3, 1))
    end = session.get(Record, old.serious_id).publicity_end
    assert end is not None and dt.date(2026, 1, 20) < end <= dt.date(2026, 6, 1), end
    with pytest.raises(Conflict) as err:
        service.propose(session, old.agency, proposal(old))
    assert err.value.code == "listing_basis_publicity_ended" and "公示期已届满" in err.value.message
    today((end - dt.timedelta(days=15)).isoformat())   # while it was public: proposed and noticed
    p = service.propose(session, old.agency, proposal(old))
    service.send_notice(session, old.staff, p.id)
    today((end + dt.timedelta(days=30)).isoformat())
    with pytest.raises(Conflict) as err:
        service.decide(session, old.agency, p.id)
    assert err.value.code == "listing_basis_publicity_ended"


def test_another_agency_cannot_list_on_records_it_did_not_determine(session, world):
    with pytest.raises(Conflict) as err:
        service.propose(session, world.other_agency, proposal(world))
    assert err.value.code == "listing_basis_not_own"


def test_the_decision_waits_for_notice_period_and_objection_answer(session, world, today):
    p = service.propose(session, world.agency, proposal(world))
    with pytest.raises(Conflict) as err:
        service.decide(session, world.agency, p.id)
    assert err.value.code == "listing_notice_not_sent"
    service.send_notice(session, world.agency, p.id)
    with pytest.raises(Conflict) as err:
        service.decide(session, world.agency, p.id)
    assert err.value.code == "listing_notice_period_running" and "QZ art. 20, 23" in err.value.message
    service.object_to(session, world.subject, p.id, "该记录已整改，不属于严重危害")
    reply = session.scalar(select(Deadline).where(Deadline.procedure_id == p.id, Deadline.step == "objection_reply"))
    assert reply.working_days == 3 and reply.responsible_org_id == world.agency_id
    assert reply.due_on == dt.date(2026, 6, 4)          # 3 working days after Monday 2026-06-01
    today("2026-06-15")
    with pytest.raises(Conflict) as err:
        service.decide(session, world.agency, p.id)
    assert err.value.code == "listing_objection_unanswered"
    service.answer_objection(session, world.agency, p.id, "upheld", "经核实，记录无误")
    entry = service.decide(session, world.agency, p.id)
    assert entry.status == "decided"
    kinds = set(session.scalars(select(Document.kind).where(Document.procedure_id == p.id)))
    assert kinds == {"listing_notice", "listing_objection_reply", "listing_decision"}


def test_an_objection_after_the_notice_period_is_refused(session, world, today):
    p = service.propose(session, world.agency, proposal(world))
    service.send_notice(session, world.agency, p.id)
    today("2026-07-01")
    with pytest.raises(Conflict) as err:
        service.object_to(session, world.subject, p.id, "异议")
    assert err.value.code == "listing_notice_period_over"


def test_only_the_subject_itself_objects(session, world):
    p = service.propose(session, world.agency, proposal(world))
    with pytest.raises(NotFound):      # not yet told: the subject does not know of it
        service.object_to(session, world.subject, p.id, "异议")
    service.send_notice(session, world.agency, p.id)
    with pytest.raises(NotFound):
        service.object_to(session, world.staff, p.id, "异议")
    with pytest.raises(NotFound):
        service.visible_proposal(session, world.other_agency, p.id)


def test_a_withdrawn_proposal_lists_nobody(session, world):
    p = service.propose(session, world.agency, proposal(world))
    service.send_notice(session, world.agency, p.id)
    service.object_to(session, world.subject, p.id, "当事人系不可抗力所致")
    service.answer_objection(session, world.agency, p.id, "withdrawn", "异议成立")
    assert p.status == "withdrawn"
    with pytest.raises(Conflict):
        service.decide(session, world.agency, p.id)


def test_publication_reads_repair_hook_and_revocation(session, world, today):
    entry = run_to_publication(session, world, today)
    on = dt.date.fromisoformat(__import__("os").environ["XINYONG_TODAY"])
    assert entry.status == "active" and entry.listed_on == on and entry.period_end.year == on.year + 3
    found = repository.active_entries(session, [world.subject_id, 999999], on)
    assert [e.kind for e in found[world.subject_id]] == ["serious_dishonesty"] and found[999999] == []
    assert [e.id for e in service.entries_for_record(session, [world.serious_id])] == [entry.id]
    assert service.entries_for_record(session, [world.general_id]) == []
    assert session.scalar(select(func.count()).select_from(FeedEvent).where(FeedEvent.kind == "listed")) == 1
    # the public list masks nobody here (a legal person) and shows the responsible person masked
    rows = repository.published(session, on, kind="serious_dishonesty")
    assert [r[0].id for r in rows] == [entry.id]

    session.get(Record, world.serious_id).status = "repaired"
    hooks.on_records_repaired(session, world.subject_id, [world.serious_id], on)
    assert entry.status == "removed" and entry.removal_reason == "repaired"
    assert repository.active_entries(session, [world.subject_id], on)[world.subject_id] == []
    assert session.scalar(select(func.count()).select_from(Document).where(Document.kind == "listing_removal")) == 1
    assert session.scalar(select(func.count()).select_from(FeedEvent).where(FeedEvent.kind == "delisted")) == 1

    session.get(Record, world.serious_id).status = "active"
    hooks.on_repair_revoked(session, world.subject_id, [world.serious_id], on)
    assert entry.status == "active" and entry.removal_reason is None
    assert len(repository.active_entries(session, [world.subject_id], on)[world.subject_id]) == 1


def test_repair_of_another_record_leaves_the_listing(session, world, today):
    entry = run_to_publication(session, world, today)
    hooks.on_records_repaired(session, world.subject_id, [world.general_id], dt.date(2026, 7, 1))
    assert entry.status == "active"


def test_the_sweep_ends_entries_at_the_end_of_their_period(session, world, today):
    entry = run_to_publication(session, world, today)
    assert sweep.run_sweep(session, entry.period_end) == {"list_entries_expired": 0}
    after = entry.period_end + dt.timedelta(days=1)
    assert repository.active_entries(session, [world.subject_id], after)[world.subject_id] == []
    assert sweep.run_sweep(session, after) == {"list_entries_expired": 1}
    session.expire_all()
    assert session.get(ListEntry, entry.id).status == "expired"
    assert session.scalar(select(func.count()).select_from(FeedEvent).where(FeedEvent.kind == "delisted")) == 1


def test_staff_remove_when_conditions_are_met_with_a_note(session, world, today):
    entry = run_to_publication(session, world, today)
    with pytest.raises(NotFound):
        service.remove(session, world.agency, entry.id, "条件满足")
    with pytest.raises(InvalidInput):
        service.remove(session, world.staff, entry.id, " ")
    service.remove(session, world.staff, entry.id, "已履行全部义务并经核实")
    assert entry.status == "removed" and entry.removal_reason == "conditions_met"


def test_a_second_procedure_for_the_same_list_is_refused(session, world):
    service.propose(session, world.agency, proposal(world))
    with pytest.raises(Conflict) as err:
        service.propose(session, world.agency, proposal(world))
    assert err.value.code == "listing_procedure_open"


def test_responsible_persons_link_to_the_legal_representative_subject(session, world):
    p = service.propose(session, world.agency, proposal(world))
    persons = p.responsible_persons
    assert persons[0]["role"] == "legal_representative" and persons[0]["name"] == "王大明"
    from xinyong.models import Subject
    assert persons[0]["subject_id"] == session.get(Subject, world.subject_id).legal_rep_id


def test_the_decision_document_states_what_qz_art_23_requires(session, world, today):
    import io

    from pypdf import PdfReader
    entry = run_to_publication(session, world, today)
    doc = session.scalar(select(Document).where(Document.kind == "listing_decision",
                                                Document.procedure_id == entry.proposal_id))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(doc.content)).pages).replace("\x00", "")
    for heading in ("事由", "依据", "失信惩戒措施", "移出条件和程序", "救济措施", "负有责任的人员", "第三十八条"):
        assert heading in text, heading
    notice = session.scalar(select(Document).where(Document.kind == "listing_notice",
                                                   Document.procedure_id == entry.proposal_id))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(notice.content)).pages).replace("\x00", "")
    assert "依法享有的权利" in text and "三个工作日" in text and "信用修复" in text
