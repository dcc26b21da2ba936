"""QZ art. 36 para. 1: a step that "cannot be decided within the prescribed period" may be
extended once, for a reason, and the extension is granted within the period, never after it.
Every extension path (deadlines queue, repair, objections) goes through deadlines.rules."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from xinyong.deadlines import rules, service, sweep
from xinyong.kit.access import Principal
from xinyong.kit.errors import Conflict
from xinyong.models import AuditEntry, Document

D = dt.date
days = st.dates(min_value=D(2020, 1, 1), max_value=D(2030, 12, 31))


@given(due_on=days, today=days, used=st.integers(0, 3), allowed=st.integers(0, 3), ext_days=st.integers(0, 15),
       reason=st.sampled_from(["", "  ", "案情复杂", None]), completed=st.booleans())
def test_qz_art_36_extension_is_refused_after_the_due_date_whatever_else_holds(due_on, today, used, allowed,
                                                                                ext_days, reason, completed):
    refusal = rules.extension_refusal(used, allowed, ext_days, reason, due_on=due_on, today=today,
                                      completed=completed)
    if today > due_on:
        assert refusal is not None
    if refusal is None:
        assert today <= due_on and not completed and used < allowed and ext_days > 0
        assert reason is None or reason.strip()
    elif not completed and ext_days > 0 and allowed > 0 and today > due_on:
        assert refusal == "period_passed"


def test_qz_art_36_extension_on_the_last_day_of_the_period_is_granted():
    assert rules.extension_refusal(0, 1, 10, "需要核查", due_on=D(2026, 10, 16), today=D(2026, 10, 16)) is None
    assert rules.extension_refusal(0, 1, 10, "需要核查", due_on=D(2026, 10, 16),
                                   today=D(2026, 10, 19)) == "period_passed"


def _principal(user) -> Principal:
    return Principal(user_id=user.id, username=user.username, role=user.role, agency_id=user.agency_id,
                     subject_id=user.subject_id)


def test_qz_art_36_a_missed_deadline_keeps_its_history_when_an_extension_is_asked(session, city, today):
    d = service.open_step(session, procedure="repair", procedure_id=7, step="result", started_on=D(2026, 9, 28),
                          subject_id=city.subject_id, responsible_org_id=city.orgs["scjg"].id)   # due 16 Oct
    today("2026-10-19")
    assert sweep.run_sweep(session, D(2026, 10, 19))["deadlines_marked_overdue"] == 1
    session.refresh(d)
    with pytest.raises(Conflict) as refused:
        service.extend(session, _principal(city.users["scjg"]), d.id, "案情复杂")
    assert refused.value.code == "extension_period_passed" and "QZ art. 36" in refused.value.message
    session.refresh(d)
    assert (d.due_on, d.extensions, d.extension_reason, d.overdue_marked_on) == (D(2026, 10, 16), 0, None,
                                                                                 D(2026, 10, 19))
    assert service.state_of(session, d) == rules.OVERDUE
    assert session.scalars(select(AuditEntry).where(AuditEntry.action == "deadline.extended")).first() is None
    assert session.scalars(select(Document).where(Document.kind == "deadline_extension")).first() is None


def test_qz_art_36_the_queue_page_offers_no_extension_once_the_period_has_run(client, session, city, today):
    from tests.deadlines.support import login
    d = service.open_step(session, procedure="repair", procedure_id=7, step="result", started_on=D(2026, 9, 1),
                          subject_id=city.subject_id, responsible_org_id=city.orgs["scjg"].id)   # due 15 Sep
    session.commit()
    login(client, "staff")
    html = client.get("/staff/deadlines").text
    assert f'id="deadline-{d.id}"' in html and f'action="/staff/deadlines/{d.id}/extend"' not in html
    assert "期限已届满，不能再延长" in html


def test_the_extension_notice_names_the_procedure_and_step_not_their_codes(session, city):
    """A written notice names the matter as the subject knows it (issue #11 point 9)."""
    import io
    import re

    from pypdf import PdfReader
    d = service.open_step(session, procedure="repair", procedure_id=7, step="result", started_on=D(2026, 9, 28),
                          subject_id=city.subject_id, responsible_org_id=city.orgs["scjg"].id)
    service.extend(session, _principal(city.users["scjg"]), d.id, "案情复杂，需要现场核查")
    doc = session.scalars(select(Document).where(Document.kind == "deadline_extension")).one()
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(doc.content)).pages).replace("\x00", "")
    assert "信用修复事项（编号 7）“修复结果”步骤" in text, text
    assert not re.search(r"\brepair\b|\bresult\b", text)
