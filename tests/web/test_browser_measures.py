"""Joint incentive and punishment as its users meet it, in headless Chromium: a visitor reads
the published measure lists; a market-regulation agency runs the joint check for an enterprise
on the serious-dishonesty list in government procurement (政府采购), sees the restriction with
its legal basis and reason, applies it with a case reference, finds it recorded and gives its
feedback; the enterprise reads the measure applied to it with basis and reason. Screenshots go
to test-artifacts/screenshots/measures-*.png."""
from __future__ import annotations

import datetime as dt
import os
import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.browser_support import chromium, live_app_fixture, shot

pytestmark = pytest.mark.browser

TODAY = "2026-07-01"
USERS = {"agency": ("agency1", "agency-pass-123"), "subject": ("firm1", "firm-pass-123")}


def _seed(url: str) -> dict:
    """The lists domain's own procedure puts the enterprise on the serious-dishonesty list (the
    clock moved through its notice period); then the city's measure lists are synced and published."""
    from sqlalchemy import select

    from tests.lists.support import build, proposal
    from tests.measures.helpers import published_lists
    from xinyong.db import make_engine, session_scope
    from xinyong.lists import service as lists
    from xinyong.models import Deadline

    engine = make_engine(url)
    kept = os.environ.get("XINYONG_TODAY")
    try:
        os.environ["XINYONG_TODAY"] = "2026-06-01"
        with session_scope(engine) as session:
            world = build(session)
            p = lists.propose(session, world.agency, proposal(world))
            lists.send_notice(session, world.staff, p.id)
            due = session.scalar(select(Deadline.due_on).where(Deadline.procedure_id == p.id))
        os.environ["XINYONG_TODAY"] = (due + dt.timedelta(days=1)).isoformat()
        with session_scope(engine) as session:
            lists.decide(session, world.agency, p.id)
            lists.publish(session, world.agency, p.id)
            published_lists(session, world.staff)
    finally:
        os.environ["XINYONG_TODAY"] = kept or TODAY
    engine.dispose()
    return {"uscc": world.uscc}


live_app = live_app_fixture(today=TODAY, seed=_seed)


def _page(browser: Browser, base: str) -> Page:
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    page.set_default_timeout(15_000)
    page.goto(base + "/")
    return page


def _sign_in(browser: Browser, base: str, who: str) -> Page:
    page = _page(browser, base)
    page.get_by_role("link", name="登录").click()
    page.get_by_label("用户名").fill(USERS[who][0])
    page.get_by_label("密码").fill(USERS[who][1])
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("button", name="退出")).to_be_visible()
    return page


def test_joint_check_apply_and_the_public_lists(live_app):
    base = live_app["base"]
    with chromium() as browser:
        visitor = _page(browser, base)
        visitor.get_by_role("link", name="奖惩措施清单").first.click()
        expect(visitor).to_have_url(re.compile(r"/measures$"))
        expect(visitor.get_by_role("heading", name="泉州市失信惩戒措施清单")).to_be_visible()
        row = visitor.locator("#measure-QZ-P-01")
        expect(row).to_contain_text("限制参加政府采购活动")
        expect(row).to_contain_text("《中华人民共和国政府采购法》第二十二条")
        expect(visitor.get_by_role("heading", name="泉州市守信激励措施清单")).to_be_visible()
        shot(visitor, "measures-01-public-lists")

        agency = _sign_in(browser, base, "agency")
        agency.get_by_role("link", name="联合奖惩核查").click()
        expect(agency).to_have_url(re.compile(r"/agency/joint-check$"))
        agency.get_by_label("主体（统一社会信用代码或主体编号）").fill(live_app["uscc"])
        agency.get_by_label("所办事项").select_option(label="政府采购")
        agency.get_by_role("button", name="核查").click()
        finding = agency.locator("#finding-QZ-P-01")
        expect(finding).to_contain_text("限制参加政府采购活动")
        expect(finding.locator(".basis")).to_contain_text("政府采购法》第二十二条")
        expect(finding.locator(".reason")).to_contain_text("主体现列入严重失信主体名单")
        expect(agency.locator("#check-result")).to_contain_text("第二十四条")   # the citation in words (issue #13 point 3)
        shot(agency, "measures-02-joint-check")

        finding.get_by_label("办件编号").fill("CG-2026-0701")
        finding.get_by_role("button", name="实施该措施").click()
        expect(agency).to_have_url(re.compile(r"/agency/measure-applications\?applied=\d+$"))
        expect(agency.locator("#applied-notice")).to_be_visible()
        recorded = agency.locator("tr[id^=application-]").first
        expect(recorded).to_contain_text("QZ-P-01")
        expect(recorded).to_contain_text("CG-2026-0701")
        expect(recorded).to_contain_text("实施中")
        recorded.get_by_label("实施效果").select_option(label="有效")
        recorded.get_by_label("反馈说明").fill("资格审查未通过")
        recorded.get_by_role("button", name="提交反馈").click()
        expect(agency.locator("tr[id^=application-]").first).to_contain_text("有效：资格审查未通过")
        shot(agency, "measures-03-applied-with-feedback")

        firm = _sign_in(browser, base, "subject")
        firm.get_by_role("link", name="对我实施的措施").click()
        mine = firm.locator("tr[id^=application-]").first
        expect(mine).to_contain_text("限制参加政府采购活动")
        expect(mine).to_contain_text("政府采购法")
        expect(mine).to_contain_text("严重失信主体名单")
        shot(firm, "measures-04-subject-view")
