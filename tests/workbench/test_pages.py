"""The workbench pages: sign-in lands on /workbench; the agency's to-do list shows its listing
steps (soonest first, with deadline and state) and the rows returned from its batch; every
link on a workbench opens for the user it is shown to; the subject's own home shows its
procedures in progress and its documents; the unread count is shown; both languages."""
from __future__ import annotations

import datetime as dt
import random
import re

from tests.lists.support import build, proposal
from tests.support.builders import to_csv
from tests.support.web import CSRF
from xinyong.ingest.service import ingest_file
from xinyong.lists import service as lists
from xinyong.notifications.service import notify, unread_count
from xinyong.synthetic import make_uscc, penalty_row

PASSWORDS = {"agency1": "agency-pass-123", "agency2": "agency-pass-123", "staff1": "staff-pass-123",
             "firm1": "firm-pass-123"}
TODO_LINK = re.compile(r'<tr class="todo todo-(\w+)" data-state="\w+" data-kind="(\w+)">\s*<td>\s*<a href="([^"]+)"')


def sign_in(client, username: str):
    client.cookies.clear()
    csrf = CSRF.search(client.get("/login").text).group(1)
    r = client.post("/login", data={"username": username, "password": PASSWORDS[username], "csrf_token": csrf,
                                     "next": "/"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/workbench"
    page = client.get("/workbench")
    assert page.status_code == 200
    return page


def _world(session, today, notice: bool = True):
    today("2026-06-01")
    w = build(session)
    told = lists.propose(session, w.agency, proposal(w))
    if notice:
        lists.send_notice(session, w.staff, told.id)
        today("2026-06-03")
        lists.object_to(session, w.subject, told.id, "违法行为已整改")
    rng = random.Random(9)
    bad = penalty_row(rng, name="某公司", subject_uscc="NOT-A-USCC", decision_no="泉市监罚〔2026〕900号", decision_date=dt.date(2026, 5, 20),
                      agency_uscc=w.agency_uscc)
    good = penalty_row(rng, name="泉州市好公司", subject_uscc=make_uscc(rng), decision_no="泉市监罚〔2026〕901号", decision_date=dt.date(2026, 5, 20),
                       agency_uscc=w.agency_uscc)
    batch = ingest_file(session, data=to_csv([good, bad]), filename="b.csv", source_uscc=w.agency_uscc,
                        item_code="penalty")
    notify(session, kind="test", text_zh="请办理", text_en="act", org_id=w.agency_id)
    session.commit()
    return w, told, batch


def test_the_agency_lands_on_its_work_and_every_link_opens(client, session, today):
    w, told, batch = _world(session, today)
    page = sign_in(client, "agency1")
    rows = TODO_LINK.findall(page.text)
    kinds = [kind for _, kind, _ in rows]
    assert kinds == ["listing_objection_reply", "batch_returned"]      # the deadline first, then the rest
    assert rows[0][0] == "on_time" and rows[1][0] == "no_deadline"
    assert f"/office/lists/proposals/{told.id}" in page.text and f"/batches/{batch.batch_id}" in page.text
    unread = unread_count(session, w.agency)
    assert unread == 2                  # the objection's and the test's
    assert "2026-06-08" in page.text and f"未读通知 {unread} 条" in page.text and "核实答复名单异议" in page.text
    for _, _, href in rows:
        assert client.get(href).status_code == 200, href
    english = client.get("/workbench?lang=en")
    assert f"{unread} unread notifications" in english.text and "Verify and answer the objection" in english.text

    other = sign_in(client, "agency2")
    assert TODO_LINK.findall(other.text) == [] and 'id="nothing-waits"' in other.text


def test_staff_and_the_subject_land_on_their_own_homes(client, session, today):
    w, told, _ = _world(session, today)
    home = sign_in(client, "firm1")
    assert "我的主页" in home.text and 'href="/me/profile"' in home.text
    rows = TODO_LINK.findall(home.text)
    assert sorted((kind, href) for _, kind, href in rows) == [("listing_notice_period", "/me/lists"),
                                                              ("listing_objection_reply", "/me/lists")]
    assert "2026-06-08" in home.text                                # both end on 8 June
    docs = re.findall(r'href="(/documents/\d+)"', home.text)
    assert docs and all(client.get(d).status_code == 200 for d in docs)
    for href in {href for _, _, href in rows} | {"/me/profile", "/me/documents", "/me/notifications"}:
        assert client.get(href).status_code == 200, href


def test_a_proposal_waiting_for_its_notice_is_on_the_agencys_and_the_staffs_workbench(client, session, today):
    w, waiting, _ = _world(session, today, notice=False)
    for who in ("staff1", "agency1"):
        rows = TODO_LINK.findall(sign_in(client, who).text)
        assert ("no_deadline", "listing_notice", f"/office/lists/proposals/{waiting.id}") in rows, who
        for _, _, href in rows:
            assert client.get(href).status_code == 200, href
    assert TODO_LINK.findall(sign_in(client, "agency2").text) == []


def test_a_page_asked_for_before_sign_in_is_still_where_sign_in_leads(client, session, today):
    _world(session, today)
    client.cookies.clear()
    csrf = CSRF.search(client.get("/login").text).group(1)
    r = client.post("/login", data={"username": "agency1", "password": "agency-pass-123", "csrf_token": csrf,
                                     "next": "/office/lists"}, follow_redirects=False)
    assert r.headers["location"] == "/office/lists"
    assert client.get("/workbench").status_code == 200
    client.cookies.clear()
    assert client.get("/workbench", follow_redirects=False).status_code in (303, 401)
