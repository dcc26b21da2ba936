"""Loading a year's table recounts every open deadline counted over that year, by the CLI and by
the /staff/calendar upload alike (issue #11 point 2): deadlines follow the calendar in force
when they are read; the move is audited and the subject told. The pure recount is the count
from the start over the working days and every extension granted."""
from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from typer.testing import CliRunner

from tests.deadlines.support import csrf, login
from xinyong.cli import app
from xinyong.db import session_scope
from xinyong.deadlines import rules, service
from xinyong.models import AuditEntry, Deadline, Notification
from xinyong.workdays import WorkCalendar

D = dt.date
YEAR_2027 = "year: 2027\nsource: 测试通知\ndays_off:\n  - {from: 2027-01-01, to: 2027-01-08, name: 长假}\n"
OFF = {D(2027, 1, 1) + dt.timedelta(days=i): (False, "长假") for i in range(8)}


@settings(max_examples=60, deadline=None)
@given(start=st.dates(D(2026, 11, 1), D(2027, 2, 1)), n=st.integers(0, 20), ext=st.integers(0, 2),
       ext_days=st.integers(0, 15))
def test_recount_equals_counting_the_period_then_each_extension_on_the_new_calendar(start, n, ext, ext_days):
    calendar = WorkCalendar({2027: OFF})
    due = calendar.add(start, n)
    for _ in range(ext):
        due = calendar.add(due.on, ext_days)
    assert rules.recount(calendar, start, n, ext, ext_days).on == due.on


def _open(session, city, started_on):
    return service.open_step(session, procedure="repair", procedure_id=7, step="result", started_on=started_on,
                             subject_id=city.subject_id, responsible_org_id=city.orgs["scjg"].id)


def test_the_staff_upload_recounts_open_deadlines_and_tells_the_subject(client, session, city):
    running = _open(session, city, D(2026, 12, 24))        # 10 working days: 8 Jan 2027, 元旦 and weekends off
    done = _open(session, city, D(2026, 12, 23))
    service.complete_step(session, done, "approved")       # completed steps keep their history
    done_due = done.due_on
    session.commit()
    assert running.due_on == D(2027, 1, 8) and running.provisional
    login(client, "staff")
    r = client.post("/staff/calendar", data={"csrf_token": csrf(client, "/staff/calendar")},
                    files={"file": ("2027.yaml", YEAR_2027.encode(), "application/x-yaml")}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("&moved=1")
    assert "1 个到期日随之变更" in client.get(r.headers["location"]).text
    session.expire_all()
    # 25, 28-31 Dec (5), 1-8 Jan off, 11-15 Jan (5): 15 Jan 2027, on an official table
    assert (session.get(Deadline, running.id).due_on, session.get(Deadline, running.id).provisional) == \
        (D(2027, 1, 15), False)
    assert session.get(Deadline, done.id).due_on == done_due
    note = session.scalars(select(Notification).where(Notification.recipient_subject_id == city.subject_id,
                                                      Notification.kind == "deadline_recounted")).one()
    assert "信用修复事项" in note.text_zh and "2027-01-15" in note.text_zh and "repair" not in note.text_zh


def test_cli_calendar_add_recounts_and_audits(session, city, tmp_path):
    running = _open(session, city, D(2026, 12, 24))
    session.commit()
    table = tmp_path / "2027.yaml"
    table.write_text(YEAR_2027, encoding="utf-8")
    out = CliRunner().invoke(app, ["calendar", "add", str(table)], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert "1 due date(s) moved" in out.output
    with session_scope() as fresh:
        assert fresh.get(Deadline, running.id).due_on == D(2027, 1, 15)
        entry = fresh.scalars(select(AuditEntry).where(AuditEntry.action == "deadline.recounted")).one()
        assert (entry.details["old_due_on"], entry.details["new_due_on"]) == ("2027-01-08", "2027-01-15")
    # loading the same table again moves nothing more
    again = CliRunner().invoke(app, ["calendar", "add", str(table)], env={"COLUMNS": "200"})
    assert again.exit_code == 0 and "0 due date(s) moved" in again.output
