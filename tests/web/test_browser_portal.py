"""The portal as people meet it, in headless Chromium (issue #13 point 2): staff publish a notice
with a PDF attachment from 公告发布; on a phone-wide screen the public finds it from the services
on the home page, opens it and its attachment link, browses 双公示 by type, and no page reports a
CSP violation. Screenshots go to test-artifacts/screenshots/portal-*.png."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.web.browser_support import chromium, live_app_fixture, shot, signed_in

pytestmark = pytest.mark.browser

TODAY = "2026-06-01"
PW = "portal-pass-2026"
TITLE = "关于开展信用修复集中服务月活动的通知"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _seed(url: str) -> dict:
    from tests.support.builders import agency, penalty_rows, to_csv
    from xinyong.accounts.service import create_user
    from xinyong.db import make_engine, session_scope
    from xinyong.ingest.service import ingest_file

    engine = make_engine(url)
    with session_scope(engine) as session:
        regulator = agency(session)
        rows = penalty_rows(3, regulator.uscc, persons=1)
        ingest_file(session, data=to_csv(rows), filename="p.csv", source_uscc=regulator.uscc, item_code="penalty")
        create_user(session, username="staff1", password=PW, role="staff", display_name="信用科员")
    engine.dispose()
    return {}


live_app = live_app_fixture(today=TODAY, seed=_seed)


def test_staff_publish_and_the_public_find_it_from_the_home_page(live_app, tmp_path):
    base, violations = live_app["base"], []
    attachment = tmp_path / "活动安排.pdf"
    attachment.write_bytes(PDF)
    with chromium() as browser:
        staff = signed_in(browser, base, "staff1", PW)
        staff.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
        staff.goto(f"{base}/staff/bulletins")
        staff.get_by_label("栏目").select_option(label="通知公告")
        staff.get_by_label("标题").fill(TITLE)
        staff.get_by_label("发布日期").fill(TODAY)
        staff.get_by_label("正文").fill("各有关单位：\n\n现开展信用修复集中服务月活动。")
        staff.get_by_label("附件").set_input_files(str(attachment))
        staff.get_by_role("button", name="保存草稿").click()
        expect(staff.get_by_role("status")).to_contain_text("已保存为草稿")
        staff.get_by_role("button", name="发布", exact=True).click()
        expect(staff.get_by_role("status")).to_contain_text("已发布")
        shot(staff, "portal-01-staff-published")

        phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN").new_page()
        phone.set_default_timeout(15_000)
        phone.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
        phone.goto(base + "/")
        services = phone.get_by_role("navigation", name="信用服务")
        for word in ("信用查询", "双公示", "信用修复", "信用报告", "名单", "信用承诺", "通知公告", "政策法规"):
            expect(services.get_by_role("link", name=re.compile(word))).to_be_visible()
        expect(phone.locator("main")).to_contain_text("泉市监罚〔2026〕3号")
        shot(phone, "portal-02-home-phone")
        services.get_by_role("link", name=re.compile("通知公告")).click()
        phone.get_by_role("link", name=TITLE).click()
        expect(phone.get_by_role("heading", name=TITLE)).to_be_visible()
        expect(phone.get_by_role("link", name="活动安排.pdf")).to_have_attribute("href", re.compile(r"/attachments/\d+$"))
        shot(phone, "portal-03-notice")
        phone.goto(base + "/")
        phone.get_by_role("navigation", name="信用服务").get_by_role("link", name=re.compile("双公示")).click()
        phone.get_by_label("类别").select_option(label="行政处罚")
        phone.get_by_role("button", name="筛选").click()
        expect(phone).to_have_url(re.compile(r"item=penalty"))
        expect(phone.locator("tbody tr")).to_have_count(3)
        expect(phone.locator("main")).not_to_contain_text("李四0")          # the person is masked
        shot(phone, "portal-04-publicity-phone")
    assert violations == []
