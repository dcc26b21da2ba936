"""The issue's "done when" on the service: a subject on the serious-dishonesty list (made by
the lists domain's own procedure) gets the government-procurement restriction with its basis;
when the list entry ends on repair, the restriction no longer applies and the application is
lifted."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from tests.lists.support import build, proposal
from tests.measures.helpers import published_lists
from xinyong.lists import service as lists
from xinyong.measures import hooks, service
from xinyong.models import Deadline, Record


@pytest.fixture
def listed(session, today):
    today("2026-06-01")
    world = build(session)
    p = lists.propose(session, world.agency, proposal(world))
    lists.send_notice(session, world.staff, p.id)
    due = session.scalar(select(Deadline.due_on).where(Deadline.procedure_id == p.id, Deadline.step == "notice_period"))
    today((due + dt.timedelta(days=1)).isoformat())
    lists.decide(session, world.agency, p.id)
    lists.publish(session, world.agency, p.id)
    published_lists(session, world.staff)
    session.flush()
    return world


def test_listed_subject_is_restricted_in_government_procurement(session, listed):
    world = listed
    result = service.joint_check(session, world.agency, world.subject_id, "government_procurement")
    assert result.unavailable == []
    [finding] = [f for f in result.findings if f.measure.kind == "punishment"]
    assert finding.measure.code == "QZ-P-01" and "政府采购法" in finding.measure.legal_basis
    assert finding.matches[0].entry_ids and "严重失信主体名单" in finding.matches[0].reason_zh
    app = service.apply(session, world.agency, measure_id=finding.measure.id, subject_id=world.subject_id,
                        matter="government_procurement", case_ref="CG-2026-001", check_id=result.check_id)
    assert app.basis["entry_ids"] == list(finding.matches[0].entry_ids)
    # the listing rests on the serious record; its repair ends the entry (lists hook) and lifts the measure
    record = session.get(Record, world.serious_id)
    record.status = "repaired"
    session.flush()
    from xinyong.registry import run_hook
    run_hook("on_records_repaired", session, world.subject_id, [world.serious_id], service.clock.today())
    assert app.status == "lifted"
    again = service.joint_check(session, world.agency, world.subject_id, "government_procurement")
    assert [f.measure.code for f in again.findings if f.measure.kind == "punishment"] == []
    assert hooks is not None
