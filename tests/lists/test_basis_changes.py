"""A listing rests on records classed serious (QZ art. 22 paras. 1, 3). When such a record
changes after the proposal — corrected on the subject's objection (FZ art. 25, QZ art. 34),
re-sent by its source with another classification, or repaired — a proposal not yet decided
ends with a written notice, a decided or published listing ends once none of its records
grounds it, and no decision can be taken on grounds that no longer hold. SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
import random

import pytest
from sqlalchemy import select

from tests.lists.support import COMPANY, proposal
from tests.support.builders import to_csv
from xinyong.ingest.service import ingest_file
from xinyong.kit.errors import Conflict
from xinyong.lists import hooks, service
from xinyong.models import Deadline, Document, FeedEvent, Notification, Record
from xinyong.models.listing import ListEntry, ListProposal
from xinyong.objections import service as objections
from xinyong.synthetic import penalty_row


def _noticed(session, world) -> ListProposal:
    p = service.propose(session, world.agency, proposal(world))
    service.send_notice(session, world.staff, p.id)
    session.flush()
    return p


def _past_notice(session, p, today) -> None:
    due = session.scalar(select(Deadline.due_on).where(Deadline.procedure_id == p.id, Deadline.step == "notice_period"))
    today((due + dt.timedelta(days=1)).isoformat())


def _correct_to_general(session, world) -> None:
    obj = objections.file_objection(session, world.subject, record_id=world.serious_id, grounds=["error"],
                                    reasons="处罚种类录入有误，原件为罚款，不属于严重失信行为。")
    objections.decide(session, world.agency, obj.id, outcome="corrected", reasons="核对决定书原件，更正失信程度",
                      corrections={"severity": "general"})
    session.flush()
    assert session.get(Record, world.serious_id).severity == "general"


def test_a_correction_on_objection_ends_the_proposal_in_its_notice_period(session, world):
    p = _noticed(session, world)
    _correct_to_general(session, world)
    assert p.status == "withdrawn" and p.withdrawn_on == dt.date(2026, 6, 1)
    steps = session.scalars(select(Deadline).where(Deadline.procedure == "listing", Deadline.procedure_id == p.id)).all()
    assert steps and all(s.completed_at is not None and s.outcome == "basis_lapsed" for s in steps)
    doc = session.scalar(select(Document).where(Document.procedure_id == p.id, Document.kind == "listing_lapse"))
    assert doc is not None and doc.subject_id == world.subject_id and "终止" in doc.title
    told = session.scalars(select(Notification).where(Notification.kind == "listing.lapsed")).all()
    assert {n.recipient_subject_id for n in told} >= {world.subject_id}
    assert {n.recipient_org_id for n in told} >= {world.agency_id}
    assert "异议更正" in told[0].text_zh and "一般" in told[0].text_zh
    assert session.scalar(select(ListEntry).where(ListEntry.proposal_id == p.id)) is None


def test_no_decision_on_a_basis_that_no_longer_holds(session, world, today):
    """The decision re-checks the records itself, whatever reached the proposal before."""
    p = _noticed(session, world)
    _past_notice(session, p, today)
    session.get(Record, world.serious_id).severity = "general"   # as if changed by a path with no hook
    session.flush()
    verdict = service.decision_verdict(session, p)
    assert not verdict.allowed and verdict.code == "basis_not_serious" and "一般" in verdict.reason_zh
    with pytest.raises(Conflict):
        service.decide(session, world.agency, p.id)
    assert session.scalar(select(ListEntry).where(ListEntry.proposal_id == p.id)) is None


def test_a_correction_ends_a_published_listing_with_a_removal_notice(session, world, today):
    p = _noticed(session, world)
    _past_notice(session, p, today)
    entry = service.decide(session, world.agency, p.id)
    service.publish(session, world.agency, p.id)
    session.flush()
    _correct_to_general(session, world)
    assert entry.status == "removed" and entry.removal_reason == "basis_lapsed"
    assert "异议更正" in entry.removal_note and "第二十二条" in entry.removal_note
    delisted = session.scalars(select(FeedEvent).where(FeedEvent.kind == "delisted")).all()
    assert [e.subject_id for e in delisted] == [world.subject_id]
    assert session.scalar(select(Document).where(Document.procedure_id == p.id, Document.kind == "listing_removal"))


def test_a_correction_of_an_unrelated_field_leaves_the_listing(session, world, today):
    p = _noticed(session, world)
    obj = objections.file_objection(session, world.subject, record_id=world.serious_id, grounds=["error"],
                                    reasons="法定代表人姓名录入有误，应为王大鸣。")
    objections.decide(session, world.agency, obj.id, outcome="corrected", reasons="核对营业执照，更正法定代表人姓名",
                      corrections={"legal_rep_name": "王大鸣"})
    session.flush()
    assert p.status == "notice"
    _past_notice(session, p, today)
    assert service.decision_verdict(session, p).allowed


def test_a_resent_decision_classed_lower_ends_the_proposal(session, world):
    p = _noticed(session, world)
    row = penalty_row(random.Random(4), name=COMPANY, subject_uscc=world.uscc, decision_no="泉市监罚〔2026〕501号",
                      decision_date=dt.date(2026, 5, 6), kind="罚款", fine_wan="3", agency_uscc=world.agency_uscc,
                      legal_rep="王大明")
    out = ingest_file(session, data=to_csv([row]), filename="resend.csv", source_uscc=world.agency_uscc,
                      item_code="penalty")
    assert out.status == "completed"
    assert session.get(Record, world.serious_id).severity != "serious"
    assert p.status == "withdrawn"
    note = session.scalar(select(Notification).where(Notification.kind == "listing.lapsed",
                                                     Notification.recipient_subject_id == world.subject_id))
    assert f"批次 {out.batch_id}" in note.text_zh


def test_a_repair_during_the_notice_period_ends_the_proposal(session, world):
    p = _noticed(session, world)
    session.get(Record, world.serious_id).status = "repaired"
    hooks.on_records_repaired(session, world.subject_id, [world.serious_id], dt.date(2026, 6, 1))
    assert p.status == "withdrawn"
    assert "信用修复" in session.scalar(select(Notification.text_zh).where(Notification.kind == "listing.lapsed"))
