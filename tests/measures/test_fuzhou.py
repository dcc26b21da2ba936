"""Fuzhou: its own lists (FZ art. 16-17) are the ones synced; the red-list / three-clean-years
incentive FZ art. 16(1) applies in licensing to a subject with no adverse record, and not to
one with a current penalty; Fuzhou's accept-first blocks on any adverse record (FZ art. 16(1))."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.measures.helpers import setup, subject_with_record
from xinyong.commitments import service as commitments
from xinyong.config import reset_settings
from xinyong.law import reset_profiles
from xinyong.measures import service
from xinyong.models.measure import MeasureList


@pytest.fixture
def fuzhou(monkeypatch, db):
    monkeypatch.setenv("XINYONG_PROFILE", "fuzhou")
    reset_settings()
    reset_profiles()
    yield
    monkeypatch.delenv("XINYONG_PROFILE")
    reset_settings()
    reset_profiles()


def test_fuzhou_lists_and_the_clean_record_incentive(fuzhou, session, today):
    today("2026-06-01")
    ag, agent, staff = setup(session)
    assert service.sync(session, None) == {"added": 2, "unchanged": 0}
    for lst in session.scalars(select(MeasureList)):
        assert lst.jurisdiction == "fuzhou"
        service.publish(session, staff, lst.id, f"榕信用办〔2026〕{lst.id}号")
    clean, _ = subject_with_record(session, ag, "轻微", seed=3)
    from xinyong.models import Record
    session.execute(Record.__table__.update().where(Record.subject_id == clean.id).values(severity=None))
    found = service.joint_check(session, agent, clean.id, "licensing").findings
    assert [f.measure.code for f in found] == ["FZ-I-01"]
    assert "连续3年无不良信用记录" in found[0].matches[0].reason_zh
    penalised, _ = subject_with_record(session, ag, "一般", seed=4)
    assert service.joint_check(session, agent, penalised.id, "licensing").findings == []
    decision = commitments.accept_first(session, agent, penalised.id)
    assert not decision.allowed and "FZ art. 16(1)" in decision.citation
