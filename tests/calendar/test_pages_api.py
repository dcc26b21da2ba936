"""The working-day calendar through HTTP and the CLI: upload, replace, audit, provisional years."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner

from tests.deadlines.support import csrf, login
from xinyong.cli import app
from xinyong.models import AuditEntry, CalendarDay, CalendarYear

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "calendar-example.yaml"
YEAR_2027 = "year: 2027\nsource: 测试通知\ndays_off:\n  - {from: 2027-01-01, to: 2027-01-01, name: 元旦}\n" \
            "makeup_workdays:\n  - {date: 2027-01-02, name: 调休}\n"


def test_public_api_and_page_for_a_package_year_and_a_provisional_year(client, city):
    body = client.get("/api/v1/calendar/2026").json()
    assert body["source"] == "chinese_calendar" and not body["provisional"] and len(body["days"]) == 365
    day = {d["day"]: d for d in body["days"]}
    assert day["2026-10-10"]["working"] and not day["2026-10-01"]["working"]
    later = client.get("/api/v1/calendar/2027").json()
    assert later["provisional"] and later["source"] == "weekend_rule"
    assert all(d["provisional"] and d["source"] == "weekend_rule" for d in later["days"])
    page = client.get("/calendar/2027")
    assert page.status_code == 200 and "暂定" in page.text and 'class="cal-provisional"' in page.text
    assert 'class="cal-provisional"' not in client.get("/calendar/2026").text
    assert client.get("/api/v1/calendar/1800").status_code == 422


def test_staff_upload_replaces_the_year_and_is_audited(client, session, city):
    login(client, "staff")
    token = csrf(client, "/staff/calendar")
    r = client.post("/staff/calendar", data={"csrf_token": token},
                    files={"file": ("2027.yaml", YEAR_2027.encode(), "application/x-yaml")}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/staff/calendar?year=2027&loaded=2027&moved=0"
    page = client.get(r.headers["location"]).text
    assert "测试通知" in page and 'class="cal-provisional"' not in page
    body = client.get("/api/v1/calendar/2027").json()
    day = {d["day"]: d for d in body["days"]}
    assert body["source"] == "table" and body["loaded_from"] == "测试通知"
    assert not day["2027-01-01"]["working"] and day["2027-01-02"]["working"] and not day["2027-01-02"]["provisional"]
    # replacing the year: the old make-up day is gone
    r = client.post("/api/v1/calendar", headers={"x-csrf-token": token},
                    files={"file": ("2027.yaml", YEAR_2027.split("makeup_workdays")[0].encode(), "text/yaml")})
    assert r.status_code == 201, r.text
    day = {d["day"]: d for d in r.json()["days"]}
    assert not day["2027-01-02"]["working"]
    session.expire_all()
    assert session.scalar(select(func.count(CalendarDay.day))) == 1
    assert session.scalar(select(func.count(CalendarYear.year))) == 1
    events = session.scalars(select(AuditEntry).where(AuditEntry.action == "calendar.year_loaded")).all()
    assert [e.details["replaced"] for e in events] == [False, True]


def test_an_invalid_upload_names_the_line_and_changes_nothing(client, session, city):
    login(client, "admin")
    token = csrf(client, "/staff/calendar")
    bad = YEAR_2027 + "  - {date: 2027-01-05, name: 周二}\n"
    r = client.post("/staff/calendar", data={"csrf_token": token}, files={"file": ("bad.yaml", bad.encode(), "text/yaml")})
    assert r.status_code == 422 and "第7行" in r.text
    api = client.post("/api/v1/calendar", headers={"x-csrf-token": token},
                      files={"file": ("bad.yaml", bad.encode(), "text/yaml")})
    assert api.status_code == 422 and api.json()["error"]["details"]["line"] == 7
    session.expire_all()
    assert session.scalar(select(func.count(CalendarYear.year))) == 0


def test_others_may_not_upload(client, city):
    login(client, "scjg")
    assert client.get("/staff/calendar").status_code == 403
    token = csrf(client, "/me/notifications")
    assert client.post("/api/v1/calendar", headers={"x-csrf-token": token},
                       files={"file": ("x.yaml", YEAR_2027.encode(), "text/yaml")}).status_code == 403


def test_cli_add_and_show(db, tmp_path):
    runner = CliRunner()
    out = runner.invoke(app, ["calendar", "add", str(EXAMPLE)], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert "loaded 2026" in out.output and "19 weekdays off" in out.output and "6 make-up" in out.output
    shown = runner.invoke(app, ["calendar", "show", "2026"], env={"COLUMNS": "200"})
    assert "loaded table" in shown.output and "*10" in shown.output and "[ 1]" in shown.output
    listed = runner.invoke(app, ["calendar", "show", "2027", "--list"], env={"COLUMNS": "200"})
    assert "PROVISIONAL" in listed.output
    bad = tmp_path / "bad.csv"
    bad.write_text("# year: 2027\n# source: s\ndate,to,kind,name,reason\n2027-01-04,,work,x,\n", encoding="utf-8")
    failed = runner.invoke(app, ["calendar", "add", str(bad)], env={"COLUMNS": "200"})
    assert failed.exit_code == 1 and "line 4" in failed.output


def test_an_upload_with_yaml_aliases_is_refused_and_changes_nothing(client, session, city):
    login(client, "admin")
    token = csrf(client, "/staff/calendar")
    laughs = "year: 2027\nsource: &s 测试\nnote: [*s, *s, *s]\ndays_off:\n  - {date: 2027-01-01, name: 元旦}\n"
    api = client.post("/api/v1/calendar", headers={"x-csrf-token": token},
                      files={"file": ("laughs.yaml", laughs.encode(), "text/yaml")})
    assert api.status_code == 422 and api.json()["error"]["details"]["line"] == 2
    assert "aliases" in api.json()["error"]["message_en"]
    page = client.post("/staff/calendar", data={"csrf_token": token},
                       files={"file": ("laughs.yaml", laughs.encode(), "text/yaml")})
    assert page.status_code == 422 and "别名" in page.text
    session.expire_all()
    assert session.scalar(select(func.count(CalendarYear.year))) == 0
