"""The complaint staff pages under issue #10 point 1 (QZ art. 37), on both backends: the
self-assignment attempt through the form fails; a change of handler is asked with a reason on
the complaint's page and approved on the supervisor's; the identity then shows to the new
handler only; the auditor's page lists who opened it and why."""
from __future__ import annotations

import re

from tests.complaints.support import NAME, RESIDENT_ID, bearer, leaks, page_login, world
from xinyong.models import User

REASON = "原承办人长期病假，申请改由其他承办人办理。"


def _id(session, username):
    return session.query(User).filter(User.username == username).one().id


def _filed_and_assigned(client, session, tok) -> int:
    r = client.post("/api/v1/complaints", json={"stage": "query", "summary": "某机构未经授权查询了我的信用信息。",
                                                "name": NAME, "contact": "13700000000", "id_number": RESIDENT_ID})
    cid = r.json()["id"]
    ok = client.post(f"/api/v1/complaints/{cid}/assign", json={"handler_user_id": _id(session, "handler")},
                     headers=bearer(tok["assigner"]))
    assert ok.status_code == 200
    return cid


def test_self_assignment_through_the_form_is_refused(client, session, today):
    today("2026-11-23")
    world(session)
    r = client.post("/api/v1/complaints", json={"stage": "use", "summary": "信用信息被用于与法定用途无关的场合。",
                                                "name": NAME, "contact": "13700000000"})
    cid = r.json()["id"]
    csrf = page_login(client, "other")
    page = client.get(f"/complaints/{cid}")
    assert f'value="{_id(session, "other")}"' not in page.text      # oneself is not offered ...
    forced = client.post(f"/complaints/{cid}/assign", data={"csrf_token": csrf, "handler_user_id": _id(session, "other")})
    assert forced.status_code == 409 and "不能指派给本人" in forced.text and leaks(forced.text) == []   # ... nor taken
    assert NAME not in client.get(f"/complaints/{cid}").text


def test_change_of_handler_asked_on_the_page_and_approved_by_the_supervisor(client, session, today):
    today("2026-11-23")
    w = world(session)
    cid = _filed_and_assigned(client, session, w["tokens"])
    # the assigner sees the request form (reason and new handler), not the identity
    csrf = page_login(client, "assigner")
    page = client.get(f"/complaints/{cid}")
    assert 'id="reassign-form"' in page.text and 'name="reason"' in page.text and leaks(page.text) == []
    short = client.post(f"/complaints/{cid}/reassignments", data={"csrf_token": csrf, "reason": "换",
                                                                   "to_user_id": _id(session, "handler2")})
    assert short.status_code == 422 and "改派理由" in short.text
    asked = client.post(f"/complaints/{cid}/reassignments", data={
        "csrf_token": csrf, "reason": REASON, "to_user_id": _id(session, "handler2")}, follow_redirects=False)
    assert asked.status_code == 303 and asked.headers["location"].endswith("done=requested")
    after = client.get(f"/complaints/{cid}")
    assert "待审批" in after.text and 'id="reassign-form"' not in after.text and "批准改派" not in after.text
    # the supervisor: queue, then the complaint page with approve / refuse; no identity anywhere
    csrf = page_login(client, "chief")
    queue = client.get("/complaints/reassignments")
    assert f"/complaints/{cid}#reassignments" in queue.text and REASON in queue.text and leaks(queue.text) == []
    page = client.get(f"/complaints/{cid}")
    assert "批准改派" in page.text and "不予批准" in page.text and leaks(page.text) == []
    rid = re.search(rf"/complaints/{cid}/reassignments/(\d+)/approve", page.text).group(1)
    done = client.post(f"/complaints/{cid}/reassignments/{rid}/approve", data={"csrf_token": csrf, "note": "同意"},
                       follow_redirects=False)
    assert done.status_code == 303
    assert leaks(client.get(f"/complaints/{cid}").text) == []
    assert "暂无待审批的改派申请" in client.get("/complaints/reassignments").text
    # the new handler sees the complainant, the displaced one no longer does
    page_login(client, "handler2")
    assert NAME in client.get(f"/complaints/{cid}").text
    page_login(client, "handler")
    displaced = client.get(f"/complaints/{cid}")
    assert displaced.status_code == 200 and leaks(displaced.text) == [] and 'id="identity-hidden"' in displaced.text


def test_the_auditor_lists_the_openings_on_a_page(client, session, today):
    today("2026-11-23")
    w = world(session)
    cid = _filed_and_assigned(client, session, w["tokens"])
    page_login(client, "handler")
    assert NAME in client.get(f"/complaints/{cid}").text       # one opening, audited
    page_login(client, "auditor1")
    page = client.get(f"/complaints/{cid}/identity-views")
    assert page.status_code == 200 and leaks(page.text) == []
    rows = re.findall(r"<tr><td class=\"nowrap\">[^<]+</td><td>([^<]+)</td>\s*<td>([^<]+)</td>", page.text)
    assert rows == [("handler", "承办查看")]
    client.get("/lang/en")
    assert "Handling" in client.get(f"/complaints/{cid}/identity-views").text
    page_login(client, "other")
    assert client.get(f"/complaints/{cid}/identity-views").status_code == 403
