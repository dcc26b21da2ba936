"""QZ art. 25: commitments recorded and published by type; a breach becomes a dishonesty
record through the ingest path (batch, lineage, publicity); accept-first; the overdue sweep."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from tests.measures.helpers import published_lists, setup, subject_with_record
from xinyong.commitments import service, sweep
from xinyong.kit.errors import Conflict, InvalidInput, NotFound
from xinyong.measures import service as measures
from xinyong.models import Batch, Notification, Record


@pytest.fixture
def world(session, today):
    today("2026-06-01")
    ag, agent, staff = setup(session)
    subject, record = subject_with_record(session, ag, "轻微")
    return ag, agent, staff, subject, record


def _commit(session, agent, subject, type="incomplete_materials", no="CN-1", deadline="2026-06-20"):
    return service.record(session, agent, subject_id=subject.id, type=type, matter="食品经营许可",
                          text="承诺在规定期限内补齐营业场所证明材料", commitment_no=no, deadline=deadline)


def test_publication_follows_the_type(session, world):
    _, agent, _, subject, _ = world
    assert _commit(session, agent, subject).published is True
    repair = _commit(session, agent, subject, type="repair", no="CN-2")
    assert repair.published is False and "QZ art. 25" in repair.citation
    with pytest.raises(InvalidInput):
        _commit(session, agent, subject, type="unknown", no="CN-3")
    with pytest.raises(InvalidInput):     # incomplete materials needs a deadline
        _commit(session, agent, subject, no="CN-4", deadline=None)
    with pytest.raises(Conflict):
        _commit(session, agent, subject)


def test_breach_creates_a_record_through_ingest_with_lineage(session, world, today):
    ag, agent, _, subject, _ = world
    c = _commit(session, agent, subject)
    with pytest.raises(InvalidInput) as refused:        # ingest validation: a date after receipt
        service.breach(session, agent, c.id, "逾期未补齐材料", on="2026-06-25")
    assert "决定日期晚于接收日期" in refused.value.message
    today("2026-06-25")
    service.breach(session, agent, c.id, "逾期未补齐材料且经核查承诺不实", on="2026-06-25")
    assert c.status == "breached" and c.breach_batch_id and c.breach_record_id
    batch = session.get(Batch, c.breach_batch_id)
    assert (batch.status, batch.item_code, batch.channel, batch.source_uscc) == \
        ("completed", "commitment_breach", "api", ag.uscc)
    rec = session.get(Record, c.breach_record_id)
    assert rec.subject_id == subject.id and rec.batch_id == batch.id and rec.row_no >= 1
    assert (rec.severity, rec.status, rec.decision_no) == ("general", "active", "CN-1-违诺")
    assert rec.publicity_published and rec.publicity_end > rec.decision_date
    assert rec.fields["breach_facts"].startswith("逾期")
    with pytest.raises(Conflict):          # closed
        service.fulfil(session, agent, c.id)


def test_other_agencies_cannot_touch_a_commitment(session, world):
    from tests.support.builders import agency, agency_user
    from xinyong.accounts.service import principal_of
    _, agent, _, subject, _ = world
    c = _commit(session, agent, subject)
    other = agency(session, seed=11, name="泉州市住房和城乡建设局")
    intruder = principal_of(agency_user(session, other.uscc, username="agency2"), "session")
    with pytest.raises(NotFound):
        service.breach(session, intruder, c.id, "x")
    with pytest.raises(NotFound):
        service.fulfil(session, intruder, c.id)


def test_accept_first_good_credit(session, world):
    _, agent, _, subject, _ = world        # one minor record only
    decision = service.accept_first(session, agent, subject.id)
    assert decision.allowed and "QZ art. 25" in decision.citation
    assert all(r.ok for r in decision.reasons)


def test_accept_first_refused_for_serious_record_and_for_a_recent_breach(session, world):
    ag, agent, _, subject, _ = world
    serious, _ = subject_with_record(session, ag, "严重", seed=5)
    decision = service.accept_first(session, agent, serious.id)
    assert not decision.allowed
    assert any(not r.ok and "严重" in r.text_zh for r in decision.reasons)
    c = _commit(session, agent, subject)
    service.breach(session, agent, c.id, "未补齐材料")
    decision = service.accept_first(session, agent, subject.id)
    assert not decision.allowed
    assert any(not r.ok and "违诺" in r.text_zh for r in decision.reasons)


def test_breach_matches_the_no_commitment_route_measure(session, world):
    _, agent, staff, subject, _ = world
    published_lists(session, staff)
    c = _commit(session, agent, subject)
    assert "QZ-P-06" not in [f.measure.code for f in measures.joint_check(session, agent, subject.id, "licensing").findings]
    service.breach(session, agent, c.id, "未补齐材料")
    found = measures.joint_check(session, agent, subject.id, "licensing").findings
    assert [f.measure.code for f in found] == ["QZ-P-06"]
    assert found[0].matches[0].record_ids == (c.breach_record_id,)


def test_sweep_flags_overdue_commitments_once(session, world):
    _, agent, _, subject, _ = world
    late = _commit(session, agent, subject, deadline="2026-06-10")
    kept = _commit(session, agent, subject, no="CN-9", deadline="2026-06-10")
    service.fulfil(session, agent, kept.id, "材料已补齐")
    assert sweep.run_sweep(session, dt.date(2026, 6, 11)) == {"commitments_overdue_flagged": 1}
    session.refresh(late)
    session.refresh(kept)
    assert (late.overdue_flagged_on, kept.overdue_flagged_on) == (dt.date(2026, 6, 11), None)
    note = session.scalar(select(Notification).where(Notification.kind == "commitment.overdue"))
    assert note.recipient_org_id == late.agency_id and "CN-1" in note.text_zh
    assert sweep.run_sweep(session, dt.date(2026, 6, 12)) == {"commitments_overdue_flagged": 0}
