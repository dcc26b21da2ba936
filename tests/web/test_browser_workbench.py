"""Each role's home and the header as people meet them, in headless Chromium (issue #13 point 4):
signing in lands the agency on its workbench with its listing step, soonest first, the subject
on its own home; at 390 pixels wide the staff header is folded into a menu (under 120 pixels
tall closed) and every navigation entry of the role is reachable once it is opened; an
irreversible step asks first: dismissed, nothing happens; confirmed, the step is taken. No page
reports a CSP violation. Screenshots: test-artifacts/screenshots/workbench-*.png."""
from __future__ import annotations

import random

import pytest
from playwright.sync_api import expect

from tests.support.builders import agency, agency_user, staff_user, to_csv
from tests.web.browser_support import chromium, live_app_fixture, shot
from xinyong.web.i18n import translate
from xinyong.web.nav import links_for

pytestmark = pytest.mark.browser

TODAY = "2026-06-01"
USERS = {"agency": ("agency1", "agency-pass-123"), "staff": ("staff1", "staff-pass-123"),
         "subject": ("firm1", "firm-pass-123")}
PHONE = {"width": 390, "height": 844}


def _seed(url: str) -> dict:
    import datetime as dt

    from sqlalchemy import select

    from xinyong.accounts.service import create_user, principal_of
    from xinyong.db import make_engine, session_scope
    from xinyong.ingest.service import ingest_file
    from xinyong.lists import service as lists
    from xinyong.lists.schemas import ProposalIn
    from xinyong.models import Record
    from xinyong.synthetic import make_uscc, penalty_row

    engine = make_engine(url)
    rng = random.Random(31)
    uscc = make_uscc(rng)
    with session_scope(engine) as session:
        regulator = agency(session)
        user = agency_user(session, regulator.uscc, *USERS["agency"])
        staff_user(session, *USERS["staff"])
        row = penalty_row(rng, name="泉州市示范化工有限公司", subject_uscc=uscc, decision_no="泉市监罚〔2026〕501号",
                          decision_date=dt.date(2026, 5, 6), kind="吊销许可证件", agency_uscc=regulator.uscc,
                          legal_rep="王大明")
        assert ingest_file(session, data=to_csv([row]), filename="p.csv", source_uscc=regulator.uscc,
                           item_code="penalty").accepted == 1
        subject = create_user(session, username=USERS["subject"][0], password=USERS["subject"][1], role="subject",
                              subject_uscc=uscc, display_name="示范化工（企业账户）")
        record = session.scalar(select(Record).where(Record.subject_id == subject.subject_id))
        proposal = lists.propose(session, principal_of(user, "session"), ProposalIn(
            kind="serious_dishonesty", subject_id=subject.subject_id, category="health_safety",
            basis_record_ids=[record.id], reasons="生产经营中严重危害人民群众身体健康",
            legal_basis="《中华人民共和国安全生产法》", measures="限制参与政府采购",
            responsible_persons=[{"role": "legal_representative", "name": "王大明"}]))
        pid = proposal.id
    engine.dispose()
    return {"pid": pid}


live_app = live_app_fixture(today=TODAY, seed=_seed)


def _csp_watch(page, seen: list) -> None:
    page.on("console", lambda m: seen.append(m.text) if "Content Security Policy" in m.text else None)


def _sign_in(browser, base: str, who: str, seen: list, **context):
    page = browser.new_context(locale="zh-CN", **({"viewport": {"width": 1366, "height": 900}} | context)).new_page()
    page.set_default_timeout(15_000)
    _csp_watch(page, seen)
    page.goto(base + "/login")
    page.get_by_label("用户名").fill(USERS[who][0])
    page.get_by_label("密码").fill(USERS[who][1])
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(base + "/workbench")
    return page


def test_homes_the_phone_menu_and_the_question_before_an_irreversible_step(live_app):
    base, pid, csp = live_app["base"], live_app["pid"], []
    with chromium(accept_dialogs=False) as browser:
        office = _sign_in(browser, base, "agency", csp)
        expect(office.get_by_role("heading", name="工作台")).to_be_visible()
        first = office.locator("tr.todo").first
        expect(first).to_have_attribute("data-kind", "listing_notice")
        first.get_by_role("link").click()
        office.wait_for_url(f"{base}/office/lists/proposals/{pid}")
        shot(office, "workbench-agency-case")

        asked: list[str] = []
        office.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
        office.get_by_role("button", name=translate("lists.send_notice")).click()
        expect(office.locator("#proposal-status")).to_have_text(translate("lists.status.proposed"))   # dismissed: nothing sent
        assert asked == [translate("confirm.send_notice")]
        office.once("dialog", lambda d: (asked.append(d.message), d.accept()))
        office.get_by_role("button", name=translate("lists.send_notice")).click()
        expect(office.locator("#done")).to_be_visible()
        assert len(asked) == 2

        home = _sign_in(browser, base, "subject", csp)
        expect(home.get_by_role("heading", name="我的主页")).to_be_visible()
        expect(home.locator("tr.todo[data-kind=listing_notice_period]")).to_have_count(1)
        shot(home, "workbench-subject-home")

        staff = _sign_in(browser, base, "staff", csp, viewport=PHONE, is_mobile=True, has_touch=True)
        header = staff.locator("header.site-header")
        closed = header.bounding_box()["height"]
        assert closed < 120, closed
        hrefs = [link["href"] for link in links_for("staff")]
        assert len(hrefs) > 15
        nav_links = staff.locator("#main-nav a")
        assert all(not nav_links.nth(i).is_visible() for i in range(nav_links.count()))
        shot(staff, "workbench-staff-phone-closed")
        staff.get_by_text(translate("nav.menu")).click()
        for href in hrefs:
            expect(staff.locator(f'#main-nav a[href="{href}"]').first).to_be_visible()
        expect(staff.get_by_role("button", name="退出")).to_be_visible()
        opened = header.bounding_box()["height"]
        assert opened > closed
        shot(staff, "workbench-staff-phone-open")
        staff.locator('#main-nav a[href="/staff/deadlines"]').first.click()
        staff.wait_for_url(base + "/staff/deadlines")
        assert header.bounding_box()["height"] < 120               # folded again on the next page
    assert csp == []
