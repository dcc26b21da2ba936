"""Credit repair as its users meet it, in headless Chromium: the enterprise sees each record's
eligibility — an ineligible one with its reason and article — applies for an eligible one with a
commitment letter; the market regulator accepts and approves from its queue; the record is gone
from the public subject page. Screenshots go to test-artifacts/screenshots/repair-*.png."""
from __future__ import annotations

import datetime as dt
import random
import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.builders import agency, agency_user
from tests.web.browser_support import chromium, live_app_fixture, shot, signed_in

pytestmark = pytest.mark.browser

TODAY = "2026-09-01"
COMPANY = "泉州市修复示范贸易有限公司"
AGENCY = "泉州市市场监督管理局"
ELIGIBLE = "泉市监罚〔2026〕120号"    # general penalty of 2026-04-10: Order 36, minimum ended 2026-07-10
TOO_EARLY = "泉市监罚〔2026〕300号"   # general penalty of 2026-08-03: minimum ends 2026-11-03
USERS = {"subject": ("qiye1", "qiye-pass-123"), "agency": ("agency1", "agency-pass-123")}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _seed(url: str) -> dict:
    from xinyong.accounts.service import create_user
    from xinyong.db import make_engine, session_scope
    from xinyong.ingest.service import ingest_file
    from xinyong.models import Subject
    from xinyong.synthetic import make_uscc, penalty_row, to_csv

    engine = make_engine(url)
    rng = random.Random(3536)
    uscc = make_uscc(rng)
    with session_scope(engine) as session:
        regulator = agency(session, name=AGENCY)
        agency_user(session, regulator.uscc, *USERS["agency"])
        rows = [penalty_row(rng, name=COMPANY, subject_uscc=uscc, decision_no=no, decision_date=day,
                            agency_name=AGENCY, agency_uscc=regulator.uscc)
                for no, day in ((ELIGIBLE, dt.date(2026, 4, 10)), (TOO_EARLY, dt.date(2026, 8, 3)))]
        out = ingest_file(session, data=to_csv(rows), filename="p.csv", source_uscc=regulator.uscc, item_code="penalty")
        assert out.accepted == 2, out
        create_user(session, username=USERS["subject"][0], password=USERS["subject"][1], role="subject",
                    subject_uscc=uscc, display_name="修复示范（企业账户）")
        subject_id = session.query(Subject).filter_by(uscc=uscc).one().id
    engine.dispose()
    return {"subject_id": subject_id}


live_app = live_app_fixture(today=TODAY, seed=_seed)


def _signed_in(browser: Browser, base: str, who: str) -> Page:
    return signed_in(browser, base, *USERS[who])


def test_apply_accept_approve_and_the_record_leaves_the_portal(live_app, tmp_path):
    base, subject_id = live_app["base"], live_app["subject_id"]
    letter = tmp_path / "信用修复承诺书.pdf"
    letter.write_bytes(PDF)
    receipt = tmp_path / "罚款缴款凭证.pdf"
    receipt.write_bytes(PDF)
    with chromium() as browser:
        public = browser.new_context(locale="zh-CN").new_page()
        public.goto(f"{base}/subjects/{subject_id}")
        expect(public.locator("main")).to_contain_text(ELIGIBLE)

        firm = _signed_in(browser, base, "subject")
        firm.get_by_role("link", name="信用修复", exact=True).click()
        expect(firm).to_have_url(re.compile(r"/me/repair$"))
        early = firm.locator("tr[id^=record-]", has_text=TOO_EARLY)
        expect(early).to_contain_text("暂不能申请")
        expect(early).to_contain_text("最短公示期至 2026-11-03 届满")
        expect(early).to_contain_text("《信用修复管理办法》（国家发展改革委令第36号）")
        expect(early.get_by_role("link", name="申请修复")).to_have_count(0)
        row = firm.locator("tr[id^=record-]", has_text=ELIGIBLE)
        expect(row).to_contain_text("可以申请")
        shot(firm, "repair-01-eligibility")
        row.get_by_role("link", name="申请修复").click()
        form = firm.locator("section.repair-apply", has_text=ELIGIBLE)
        form.get_by_label("信用修复承诺书（必交）").set_input_files(str(letter))
        form.get_by_label("履行义务证明材料（如罚款缴款凭证）（必交）").set_input_files(str(receipt))
        form.get_by_label("情况说明").fill("罚款已于2026年5月缴清，已完成整改")
        shot(firm, "repair-02-apply-form")
        form.get_by_role("button", name="提交申请").click()
        expect(firm.locator("#app-status")).to_have_text("待受理")
        expect(firm.locator("main")).to_contain_text("受理决定")
        expect(firm.locator("main")).to_contain_text("2026-09-04")
        shot(firm, "repair-03-filed")
        detail = firm.url.split("?")[0]

        regulator = _signed_in(browser, base, "agency")
        regulator.get_by_role("link", name="信用修复办理").click()
        expect(regulator.locator("main")).to_contain_text(ELIGIBLE)
        shot(regulator, "repair-04-queue")
        regulator.locator("tr", has_text=ELIGIBLE).get_by_role("link").first.click()
        regulator.get_by_role("button", name="予以受理").click()
        expect(regulator.locator("#app-status")).to_have_text("已受理")
        # FZ art. 21 para. 2 / QZ art. 35: the approver ticks each condition the rule in force names
        boxes = regulator.locator("#approve-conditions input[type=checkbox]")
        for i in range(boxes.count()):
            expect(boxes.nth(i)).not_to_be_checked()
            boxes.nth(i).check()
        regulator.get_by_role("button", name="准予修复").click()
        expect(regulator.locator("#app-status")).to_have_text("准予修复")
        expect(regulator.locator("#conditions-confirmed")).to_be_visible()
        expect(regulator.locator("main")).to_contain_text("信用修复结果告知书")
        shot(regulator, "repair-05-approved")

        firm.goto(detail)
        expect(firm.locator("#app-status")).to_have_text("准予修复")
        firm.goto(f"{base}/me/repair")
        expect(firm.locator("tr[id^=record-]", has_text=ELIGIBLE)).to_contain_text("该记录已完成信用修复")
        shot(firm, "repair-06-subject-after")

        public.goto(f"{base}/subjects/{subject_id}")
        expect(public.locator("main")).not_to_contain_text(ELIGIBLE)
        expect(public.locator("main")).to_contain_text(TOO_EARLY)
        shot(public, "repair-07-public-page-after")
