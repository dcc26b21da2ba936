"""The change feed end to end through the API with the clock moved (QZ art. 36 para. 2): a credit
service agency follows published changes, is overdue after 3 working days, and acknowledging
clears it; the staff list shows who is overdue; an unregistered bank gets 404 until registered."""
from __future__ import annotations

import re

from tests.feed.support import PW, ingest, world
from xinyong.accounts.tokens import issue_token


def _h(token):
    return {"Authorization": f"Bearer {token}"}


def test_follow_be_overdue_acknowledge(client, session, today):
    today("2026-11-20")   # Friday
    regulator, cs, bank = world(session)
    tok = {u: issue_token(session, u) for u in ("cs1", "bank1", "staff1")}
    session.commit()
    # the credit service agency's first call registers it; the bank is not a receiver
    first = client.get("/api/v1/feed", headers=_h(tok["cs1"]))
    assert first.status_code == 200 and first.json()["events"] == []
    assert client.get("/api/v1/feed", headers=_h(tok["bank1"])).json()["error"]["code"] == "not_a_receiver"
    reg = client.post("/api/v1/feed/receivers", json={"org_id": bank.id}, headers=_h(tok["staff1"]))
    assert reg.status_code == 201 and reg.json()["org_name"] == bank.name
    again = client.post("/api/v1/feed/receivers", json={"org_id": bank.id}, headers=_h(tok["staff1"]))
    assert again.status_code == 409
    refused = client.post("/api/v1/feed/receivers", json={"org_id": regulator.id + 0}, headers=_h(tok["staff1"]))
    assert refused.status_code == 201   # public bodies may receive too (profile receiver_kinds)
    ingest(session, regulator, 6)
    session.commit()
    page = client.get("/api/v1/feed?limit=2", headers=_h(tok["cs1"])).json()
    assert len(page["events"]) == 2 and page["next_after"] == page["events"][-1]["id"]
    assert page["events"][0]["ack_due_on"] == "2026-11-25" and not page["events"][0]["overdue"]
    assert "QZ art. 36" in page["citation"]
    rest = client.get(f"/api/v1/feed?after={page['next_after']}&limit=100", headers=_h(tok["cs1"])).json()
    every = page["events"] + rest["events"]
    assert rest["next_after"] is None and {e["kind"] for e in every} == {"published"}
    # Wednesday: still on time; Thursday: overdue for both receivers
    today("2026-11-25")
    assert client.get("/api/v1/feed/status", headers=_h(tok["cs1"])).json()["overdue"] == 0
    today("2026-11-26")
    status = client.get("/api/v1/feed/status", headers=_h(tok["cs1"])).json()
    assert status["overdue"] == len(every) == status["unacknowledged"]
    listing = {r["org_name"]: r for r in client.get("/api/v1/feed/receivers", headers=_h(tok["staff1"])).json()}
    assert listing[cs.name]["overdue"] == len(every) and listing[bank.name]["overdue"] == len(every)
    # acknowledging some ids, then everything up to the last: overdue clears for that receiver only
    ids = [e["id"] for e in every]
    part = client.post("/api/v1/feed/ack", json={"ids": ids[:3]}, headers=_h(tok["cs1"])).json()
    assert part["overdue"] == len(every) - 3 and part["acknowledged_through"] == ids[2]
    done = client.post("/api/v1/feed/ack", json={"up_to": ids[-1]}, headers=_h(tok["cs1"])).json()
    assert (done["overdue"], done["unacknowledged"], done["acknowledged_through"]) == (0, 0, ids[-1])
    assert client.get("/api/v1/feed?unacknowledged=true", headers=_h(tok["cs1"])).json()["events"] == []
    listing = {r["org_name"]: r for r in client.get("/api/v1/feed/receivers", headers=_h(tok["staff1"])).json()}
    assert listing[cs.name]["overdue"] == 0 and listing[bank.name]["overdue"] == len(every)
    empty = client.post("/api/v1/feed/ack", json={}, headers=_h(tok["cs1"]))
    assert empty.status_code == 422
    huge = client.post("/api/v1/feed/ack", json={"ids": [2**70]}, headers=_h(tok["cs1"]))
    assert huge.status_code == 422


def test_pages_show_overdue_in_red(client, session, today):
    today("2026-11-20")
    regulator, cs, bank = world(session)
    from xinyong.feed import service
    from xinyong.kit.access import Principal
    service.register_receiver(session, Principal(user_id=None, username="t", role="staff"), cs.id)
    ingest(session, regulator, 4)
    session.commit()
    today("2026-11-30")

    def login(user):
        client.cookies.clear()
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
        client.post("/login", data={"username": user, "password": PW, "csrf_token": csrf, "next": "/"})
        return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text).group(1)

    login("staff1")
    html = client.get("/feed/receivers").text
    assert cs.name in html and 'class="badge serious"' in html
    csrf = login("cs1")
    mine = client.get("/feed").text
    assert "已逾期" in mine
    last = max(int(i) for i in re.findall(r'name="up_to" value="(\d+)"', mine))
    r = client.post("/feed/ack", data={"csrf_token": csrf, "up_to": str(last)}, follow_redirects=True)
    assert r.status_code == 200 and 'id="feed-empty"' in r.text
    login("bank1")
    assert "尚未登记" in client.get("/feed").text
