"""Pages of self-declared information: the form posts with CSRF and the pledge; the public
subject page lists published declarations under their own heading, each with its label."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.declarations.support import page_login, world
from xinyong.models.declaration import Declaration

LABEL = "信息主体自主申报，平台未核实，由申报主体对其合法性、真实性、准确性负责"
HEADING = "自主申报信息（未经核实）"
FORM = {"form": "self_report", "category": "social_responsibility", "title": "2025年度公益捐赠",
        "content": "2025年向泉州市慈善总会捐赠助学款50万元。"}


@pytest.fixture
def w(session, today):
    today("2026-06-01")
    return world(session)


def test_the_form_needs_csrf_and_the_pledge_and_the_public_page_shows_the_label(client, session, w):
    csrf = page_login(client, "firm1")
    page = client.get("/me/declarations")
    assert page.status_code == 200 and 'name="pledge_accepted"' in page.text
    assert "本主体承诺所申报的信用信息合法、真实、准确" in page.text and LABEL in page.text
    assert client.post("/me/declarations", data={**FORM, "pledge_accepted": "1"},
                       follow_redirects=False).status_code == 403                      # no CSRF token
    refused = client.post("/me/declarations", data={**FORM, "csrf_token": csrf}, follow_redirects=False)
    assert refused.status_code == 422 and "请勾选承诺" in refused.text
    assert FORM["title"] in refused.text                                               # what was typed is kept
    assert session.scalars(select(Declaration)).all() == []
    done = client.post("/me/declarations", data={**FORM, "pledge_accepted": "1", "csrf_token": csrf},
                       follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/me/declarations?done=declared"
    client.cookies.clear()
    public = client.get(f"/subjects/{w['firm'].id}").text
    section = public[public.index(HEADING):]
    assert FORM["title"] in section
    items = re.findall(r'<article class="card declaration">(.*?)</article>', section, re.S)
    assert len(items) == 1 and all(LABEL in item for item in items)


def test_a_withdrawal_from_the_subject_page_and_from_staff_removes_it_from_the_portal(client, session, w):
    csrf = page_login(client, "firm1")
    for title in ("第一项申报", "第二项申报"):
        client.post("/me/declarations", data={**FORM, "title": title, "pledge_accepted": "1", "csrf_token": csrf})
    first, second = session.scalars(select(Declaration).order_by(Declaration.id)).all()
    r = client.post(f"/me/declarations/{first.id}/withdraw", data={"reason": "填写有误", "csrf_token": csrf},
                    follow_redirects=False)
    assert r.status_code == 303
    assert "本主体撤回，理由：填写有误" in client.get("/me/declarations").text
    staff_csrf = page_login(client, "staff1")
    desk = client.get("/staff/declarations").text
    assert "第二项申报" in desk and f"#{second.id}" not in desk            # no internal id beside the subject
    r = client.post(f"/staff/declarations/{second.id}/withdraw", data={"reason": "内容违法", "csrf_token": staff_csrf},
                    follow_redirects=False)
    assert r.status_code == 303
    client.cookies.clear()
    public = client.get(f"/subjects/{w['firm'].id}").text
    assert HEADING not in public and "第一项申报" not in public and "第二项申报" not in public


def test_a_natural_persons_declaration_is_not_on_the_portal(client, w):
    csrf = page_login(client, "person1")
    r = client.post("/me/declarations", data={**FORM, "title": "个人荣誉", "pledge_accepted": "1", "csrf_token": csrf},
                    follow_redirects=False)
    assert r.status_code == 303 and "个人荣誉" in client.get("/me/declarations").text
    client.cookies.clear()
    public = client.get(f"/subjects/{w['person'].id}")   # nothing of theirs in public view: no page at all
    assert public.status_code == 404 and "个人荣誉" not in public.text and HEADING not in public.text


def test_english_pages(client, w):
    page_login(client, "firm1")
    page = client.get("/me/declarations?lang=en").text
    assert "Declare your credit information" in page and "not verified by the platform" in page


def test_a_natural_person_is_not_told_their_declaration_is_public(client, w):
    """The portal never shows a natural person's declaration (rules.shown_publicly): their own
    page and the staff page say 不公开, not 公开中, and the confirmation does not claim it was published."""
    csrf = page_login(client, "person1")
    page = client.post("/me/declarations", data={**FORM, "title": "个人荣誉", "pledge_accepted": "1",
                                                 "csrf_token": csrf}).text
    assert "您的申报信息不公开，仅您和信用主管部门可见" in page and "申报信息已公开" not in page
    assert '<span class="badge published">不公开</span>' in page and "公开中" not in page
    csrf = page_login(client, "firm1")
    page = client.post("/me/declarations", data={**FORM, "pledge_accepted": "1", "csrf_token": csrf}).text
    assert "已提交，申报信息已公开并标注为自主申报" in page and '<span class="badge published">公开中</span>' in page
    page_login(client, "staff1")
    staff = client.get("/staff/declarations").text
    cards = {title: card for card in staff.split('<article class="card declaration"')[1:]
             for title in ("个人荣誉", FORM["title"]) if title in card}
    person_card, firm_card = cards["个人荣誉"], cards[FORM["title"]]
    assert ">不公开</span>" in person_card and ">公开中</span>" in firm_card
