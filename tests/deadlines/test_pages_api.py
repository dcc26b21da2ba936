"""The deadline queues through HTTP: who sees what, colours with words, filters, pages, the
extension action; and the overdue flag after `xinyong sweep` with a later XINYONG_TODAY."""
from __future__ import annotations

import datetime as dt

from typer.testing import CliRunner

from tests.deadlines.support import csrf, login
from xinyong.cli import app
from xinyong.law.citing import words_in_text
from xinyong.deadlines import service

D = dt.date


def open_steps(session, city):
    rows = {
        "late": service.open_step(session, procedure="repair", procedure_id=11, step="result",
                                  started_on=D(2026, 9, 1), subject_id=city.subject_id,
                                  responsible_org_id=city.orgs["scjg"].id),
        "soon": service.open_step(session, procedure="objection", procedure_id=12, step="verify",
                                  started_on=D(2026, 9, 21), responsible_org_id=city.orgs["scjg"].id),   # due 29 Sep
        "fine": service.open_step(session, procedure="listing", procedure_id=13, step="objection_reply",
                                  started_on=D(2026, 9, 28), responsible_org_id=city.orgs["swj"].id),
        "feed": service.open_step(session, procedure="feed", procedure_id=14, step="ack",
                                  started_on=D(2026, 9, 28), responsible_org_id=city.orgs["rating"].id),
    }
    session.commit()
    return rows


def test_staff_see_every_deadline_by_colour_and_in_words(client, session, city):
    rows = open_steps(session, city)
    login(client, "staff")
    page = client.get("/staff/deadlines")
    assert page.status_code == 200
    html = page.text
    for key, state in (("late", "overdue"), ("soon", "due_soon"), ("fine", "on_time"), ("feed", "on_time")):
        assert f'id="deadline-{rows[key].id}"' in html
    assert 'data-state="overdue"' in html and "deadline-overdue" in html and "已逾期" in html
    assert 'data-state="due_soon"' in html and "即将到期" in html
    assert 'data-state="on_time"' in html and "按期" in html
    assert 'href="/repair/11"' in html and 'href="/staff/objections/12"' in html and 'href="/office/lists/proposals/13"' in html
    assert words_in_text(rows["late"].citation) in html   # the citation in words (issue #13 point 3)
    # verifications may be extended once, within their period (QZ art. 36: not the late repair
    # result any more); listing objection replies may not (their rules say so)
    assert f'action="/staff/deadlines/{rows["soon"].id}/extend"' in html
    assert f'action="/staff/deadlines/{rows["late"].id}/extend"' not in html and "期限已届满" in html
    assert f'action="/staff/deadlines/{rows["fine"].id}/extend"' not in html and "依规定不可延长" in html
    overdue_only = client.get("/staff/deadlines", params={"state": "overdue"}).text
    assert f'id="deadline-{rows["late"].id}"' in overdue_only and f'id="deadline-{rows["soon"].id}"' not in overdue_only
    by_procedure = client.get("/staff/deadlines", params={"procedure": "listing"}).text
    assert f'id="deadline-{rows["fine"].id}"' in by_procedure and f'id="deadline-{rows["late"].id}"' not in by_procedure
    english = client.get("/staff/deadlines?lang=en").text
    assert "Overdue" in english and "working days" in english
    # a header, a filter value, a step: each alone, so each a capital (never "basis", "on time")
    assert '<th scope="col">Basis</th>' in english and '"on_time" >On time</option>' in english
    step = english.split(f'id="deadline-{rows["late"].id}"')[1].split("</td>")[1]
    assert step.strip().startswith("<td>") and step.strip()[4:5].isupper(), step


def test_a_procedure_without_a_page_for_the_reader_is_named_in_words(client, session, city):
    rows = open_steps(session, city)
    login(client, "admin")                                  # no objection page for an administrator: no link
    cell = client.get("/staff/deadlines").text.split(f'id="deadline-{rows["soon"].id}"')[1].split("</td>")[0]
    assert "异议 #12" in cell and "objection" not in cell and "<a " not in cell   # not the code "objection #12"


def test_an_organisation_sees_only_its_own_deadlines(client, session, city):
    rows = open_steps(session, city)
    login(client, "swj")
    html = client.get("/agency/deadlines").text
    assert f'id="deadline-{rows["fine"].id}"' in html and f'id="deadline-{rows["late"].id}"' not in html
    body = client.get("/api/v1/deadlines").json()
    assert [d["id"] for d in body["items"]] == [rows["fine"].id]
    assert client.get(f"/api/v1/deadlines/{rows['late'].id}").status_code == 404
    assert client.get("/staff/deadlines").status_code == 403
    token = csrf(client, "/agency/deadlines")
    refused = client.post(f"/agency/deadlines/{rows['late'].id}/extend", data={"reason": "x", "csrf_token": token})
    assert refused.status_code == 404


def test_the_api_gives_state_days_left_provisional_and_citation(client, session, city):
    rows = open_steps(session, city)
    late_2027 = service.open_step(session, procedure="complaint", procedure_id=15, step="handle",
                                  started_on=D(2026, 12, 20))
    session.commit()
    login(client, "staff")
    items = {d["id"]: d for d in client.get("/api/v1/deadlines").json()["items"]}
    late = items[rows["late"].id]
    assert late["state"] == "overdue" and late["working_days_left"] < 0 and late["link"] == "/repair/11"
    assert late["citation"] == rows["late"].citation and late["responsible_org"] == "泉州市市场监督管理局"
    assert items[late_2027.id]["provisional"] is True and items[rows["fine"].id]["provisional"] is False
    assert [d["id"] for d in client.get("/api/v1/deadlines", params={"state": "due_soon"}).json()["items"]] == \
        [rows["soon"].id]
    assert client.get("/api/v1/deadlines", params={"state": "bogus"}).status_code == 422


def test_the_queue_is_paginated(client, session, city):
    for i in range(55):
        service.open_step(session, procedure="complaint", procedure_id=100 + i, step="handle",
                          started_on=D(2026, 9, 28))
    session.commit()
    login(client, "staff")
    first, second = client.get("/api/v1/deadlines").json(), client.get("/api/v1/deadlines?page=2").json()
    assert len(first["items"]) == 50 and first["has_next"] and len(second["items"]) == 5 and not second["has_next"]
    assert 'class="pager"' in client.get("/staff/deadlines").text


def test_extension_on_the_page_needs_a_reason_and_issues_a_notice(client, session, city):
    rows = open_steps(session, city)
    rows["late"] = service.open_step(session, procedure="repair", procedure_id=11, step="result",   # due 16 Oct
                                     started_on=D(2026, 9, 28), subject_id=city.subject_id,
                                     responsible_org_id=city.orgs["scjg"].id)
    session.commit()
    login(client, "staff")
    token = csrf(client, "/staff/deadlines")
    empty = client.post(f"/staff/deadlines/{rows['late'].id}/extend", data={"reason": " ", "csrf_token": token})
    assert empty.status_code == 422 and "理由" in empty.text
    done = client.post(f"/staff/deadlines/{rows['late'].id}/extend",
                       data={"reason": "需要补充现场核查", "csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303
    page = client.get(done.headers["location"]).text
    assert "需要补充现场核查" in page
    again = client.post(f"/staff/deadlines/{rows['late'].id}/extend", data={"reason": "再延", "csrf_token": token})
    assert again.status_code == 409
    no_csrf = client.post(f"/staff/deadlines/{rows['late'].id}/extend", data={"reason": "x"})
    assert no_csrf.status_code == 403
    # the subject can download the notice of extension
    client.post("/logout", data={"csrf_token": token})
    login(client, "firm")
    mine = client.get("/me/documents").text
    assert "延长办理期限告知书" in mine


def test_api_extension(client, session, city):
    rows = open_steps(session, city)
    login(client, "scjg")
    token = csrf(client, "/agency/deadlines")
    r = client.post(f"/api/v1/deadlines/{rows['soon'].id}/extend", json={"reason": "待补充证据"},
                    headers={"x-csrf-token": token})
    assert r.status_code == 200, r.text
    assert r.json()["extensions"] == 1 and r.json()["extension_reason"] == "待补充证据"
    assert client.post(f"/api/v1/deadlines/{rows['soon'].id}/extend", json={"reason": ""},
                       headers={"x-csrf-token": token}).status_code == 422


def test_cli_sweep_with_a_later_today_flags_the_step_and_tells_the_organisation(client, session, city, today,
                                                                               monkeypatch):
    step = service.open_step(session, procedure="objection", procedure_id=21, step="verify",
                             started_on=D(2026, 9, 28), responsible_org_id=city.orgs["scjg"].id)
    session.commit()
    runner = CliRunner()
    listed = runner.invoke(app, ["deadlines", "list"], env={"COLUMNS": "250"})
    assert listed.exit_code == 0 and "objection #21" in listed.output and "OVERDUE" not in listed.output
    today("2026-10-20")
    out = runner.invoke(app, ["sweep"], env={"COLUMNS": "250"})
    assert out.exit_code == 0, out.output
    assert "deadlines_marked_overdue: 1" in out.output
    overdue = runner.invoke(app, ["deadlines", "list", "--overdue"], env={"COLUMNS": "250"})
    assert "objection #21" in overdue.output and "OVERDUE" in overdue.output
    session.expire_all()
    session.refresh(step)
    assert step.overdue_marked_on == D(2026, 10, 20)
    login(client, "scjg")
    inbox = client.get("/me/notifications").text
    assert "办理期限已过" in inbox and 'href="/agency/objections/21"' in inbox
    login_other = client.post("/logout", data={"csrf_token": csrf(client, "/me/notifications")})
    assert login_other.status_code in (200, 303)
    login(client, "swj")
    assert "办理期限已过" not in client.get("/me/notifications").text
