"""A serious-dishonesty listing as its users meet it, in headless Chromium: the market regulator
proposes one for "another case" and is refused with QZ art. 22; it proposes one on the four
categories with the legal representative marked, and sends the written notice; the enterprise
reads the notice and its rights on /me/lists and objects; the agency cannot decide while the
objection is unanswered, answers it, decides once the notice period is over (clock moved) and
publishes; an anonymous visitor finds the enterprise on the public list with the person masked;
the credit department removes it when the removal conditions are met. Screenshots go to
test-artifacts/screenshots/lists-*.png."""
from __future__ import annotations

import random
import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.builders import agency, agency_user, staff_user, to_csv
from tests.web.browser_support import chromium, live_app_fixture, shot

pytestmark = pytest.mark.browser

TODAY = "2026-06-01"           # Monday: notice period ends 2026-06-08
COMPANY = "泉州市示范化工有限公司"
SERIOUS = "泉市监罚〔2026〕501号"
USERS = {"agency": ("agency1", "agency-pass-123"), "subject": ("firm1", "firm-pass-123"),
         "staff": ("staff1", "staff-pass-123")}


def _seed(url: str) -> dict[str, str]:
    from xinyong.accounts.service import create_user
    from xinyong.db import make_engine, session_scope
    from xinyong.ingest.service import ingest_file
    from xinyong.synthetic import make_uscc, penalty_row
    import datetime as dt

    engine = make_engine(url)
    rng = random.Random(77)
    uscc = make_uscc(rng)
    with session_scope(engine) as session:
        regulator = agency(session)
        agency_user(session, regulator.uscc, *USERS["agency"])
        staff_user(session, *USERS["staff"])
        rows = [penalty_row(rng, name=COMPANY, subject_uscc=uscc, decision_no=SERIOUS, decision_date=dt.date(2026, 5, 6),
                            kind="吊销许可证件", agency_uscc=regulator.uscc, legal_rep="王大明")]
        assert ingest_file(session, data=to_csv(rows), filename="p.csv", source_uscc=regulator.uscc,
                           item_code="penalty").accepted == 1
        create_user(session, username=USERS["subject"][0], password=USERS["subject"][1], role="subject",
                    subject_uscc=uscc, display_name="示范化工（企业账户）")
    engine.dispose()
    return {"uscc": uscc}


live_app = live_app_fixture(today=TODAY, seed=_seed)


def test_serious_dishonesty_listing_through_the_pages(live_app, monkeypatch):
    base = live_app["base"]
    with chromium() as browser:
        office = _signed_in(browser, base, "agency")
        pid = _agency_proposes(office, live_app["uscc"])
        _agency_sends_the_notice(office)
        firm = _signed_in(browser, base, "subject")
        _subject_objects(firm)
        _agency_answers_and_decides(office, pid, monkeypatch)
        _public_sees_the_list(browser, base)
        staff = _signed_in(browser, base, "staff")
        _staff_removes(staff, base, pid)


def _signed_in(browser: Browser, base: str, who: str) -> Page:
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    page.set_default_timeout(15_000)
    page.goto(base + "/login")
    page.get_by_label("用户名").fill(USERS[who][0])
    page.get_by_label("密码").fill(USERS[who][1])
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("button", name="退出")).to_be_visible()
    return page


def _agency_proposes(page: Page, uscc: str) -> str:
    page.get_by_role("link", name="名单认定").click()
    page.get_by_role("link", name="提出列入").click()
    page.get_by_label("名单").select_option(label="严重失信主体名单")
    page.get_by_label("统一社会信用代码或主体编号").fill(uscc)
    page.get_by_role("button", name="下一步").click()
    expect(page.get_by_role("heading", name=re.compile("第二步"))).to_contain_text(COMPANY)
    page.get_by_label("其他情形").check()
    page.get_by_label(re.compile(re.escape(SERIOUS))).check()
    page.get_by_label("事由", exact=True).fill("在化工生产中违规储存危险化学品，严重危害人民群众生命安全")
    page.get_by_label("依据", exact=True).fill("《危险化学品安全管理条例》第八十条")
    page.get_by_label("措施", exact=True).fill("限制参与政府采购；限制申请财政性资金项目")
    shot(page, "lists-01-proposal-form")
    page.get_by_role("button", name="提交列入意见").click()
    error = page.locator("#form-error")
    expect(error).to_contain_text("不得擅自增加或者扩展")
    expect(error).to_contain_text("第二十二条")
    shot(page, "lists-02-other-case-refused")
    page.get_by_label("严重危害人民群众身体健康和生命安全").check()
    expect(page.get_by_label("姓名 1")).to_have_value("王大明")
    page.get_by_role("button", name="提交列入意见").click()
    expect(page).to_have_url(re.compile(r"/office/lists/proposals/\d+$"))
    expect(page.locator("#proposal-status")).to_have_text("已提出")
    expect(page.locator("main")).to_contain_text("法定代表人：王大明")
    return re.search(r"/proposals/(\d+)", page.url).group(1)


def _agency_sends_the_notice(page: Page) -> None:
    expect(page.get_by_role("button", name="作出列入决定")).to_have_count(0)   # not before the notice
    page.get_by_role("button", name="发送书面告知").click()
    expect(page.locator("#done")).to_contain_text("书面告知已发送")
    expect(page.locator("#step-notice_period")).to_contain_text("2026-06-08")
    expect(page.get_by_role("link", name="拟列入严重失信主体名单告知书")).to_be_visible()
    shot(page, "lists-03-notice-sent")


def _subject_objects(page: Page) -> None:
    page.get_by_role("link", name="我的名单").click()
    main = page.locator("main")
    expect(main).to_contain_text("严重失信主体名单")
    expect(main).to_contain_text("三个工作日内核实并反馈结果")
    expect(main).to_contain_text("行政复议")
    page.get_by_label("异议理由和证据说明").fill("危险化学品已于五月底全部转移至合规仓库，请核实")
    shot(page, "lists-04-subject-notice")
    page.get_by_role("button", name="提出异议").click()
    expect(page.locator("#objected")).to_contain_text("三个工作日内核实答复")
    expect(page.locator("#step-objection_reply")).to_contain_text("2026-06-04")
    shot(page, "lists-05-subject-objected")


def _agency_answers_and_decides(page: Page, pid: str, monkeypatch) -> None:
    page.reload()
    expect(page.locator("#proposal-status")).to_have_text("异议待答复")
    # a decision that cannot succeed is not offered; the page says why (issue #13 point 4)
    expect(page.get_by_role("button", name="作出列入决定")).to_have_count(0)
    expect(page.locator("#decision-withheld")).to_contain_text("异议尚未核实答复")
    page.get_by_label("维持拟列入").check()
    page.get_by_label("核实情况和理由").fill("经现场核查，转移发生在处罚之后，不改变违法行为的性质")
    page.get_by_role("button", name="答复异议").click()
    expect(page.locator("#done")).to_contain_text("异议已答复")
    expect(page.get_by_role("button", name="作出列入决定")).to_have_count(0)
    expect(page.locator("#decision-withheld")).to_contain_text("告知期至 2026-06-08 届满")
    shot(page, "lists-06-decision-blocked")
    monkeypatch.setenv("XINYONG_TODAY", "2026-06-09")
    page.reload()
    page.get_by_role("button", name="作出列入决定").click()
    expect(page.locator("#done")).to_contain_text("列入决定已作出")
    page.get_by_role("button", name="公布").click()
    expect(page.locator("#entry-status")).to_contain_text("公示中")
    expect(page.locator("#entry-status")).to_contain_text("2026-06-09 — 2029-06-08")
    expect(page.get_by_role("link", name="列入严重失信主体名单决定书")).to_be_visible()
    shot(page, "lists-07-published")


def _public_sees_the_list(browser: Browser, base: str) -> None:
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    page.goto(base + "/")
    page.get_by_role("link", name="信用名单").click()
    expect(page.get_by_role("heading", name="信用名单公示")).to_be_visible()
    page.get_by_role("link", name="严重失信主体名单").first.click()
    main = page.locator("main")
    expect(main).to_contain_text(COMPANY)
    expect(main).to_contain_text("法定代表人：王**")
    expect(main).not_to_contain_text("王大明")
    shot(page, "lists-08-public-list")
    page.get_by_role("link", name=COMPANY).click()
    expect(page.locator("main")).to_contain_text("严重危害人民群众身体健康和生命安全")


def _staff_removes(page: Page, base: str, pid: str) -> None:
    page.goto(f"{base}/office/lists/proposals/{pid}")
    page.get_by_label("满足的移出条件").fill("已完成整改并经复查，满足移出条件")
    page.get_by_role("button", name="移出名单").click()
    expect(page.locator("#done")).to_contain_text("已移出名单")
    expect(page.locator("#entry-status")).to_contain_text("已移出")
    shot(page, "lists-09-removed")
    page.goto(base + "/lists/serious_dishonesty")
    expect(page.locator("main")).to_contain_text("目前没有在列的主体")
