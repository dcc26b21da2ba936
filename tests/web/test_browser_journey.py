"""Issue 13 "done when", tried as a new user would, in headless Chromium: an enterprise registers,
proves who it is at the (real, loopback) OpenID Connect provider, finds the company's record from
the home page's search box, opens its subject page, applies for credit repair of an eligible record
from its profile, and downloads the public credit report from the subject page. At every step:
no CSP violation and no response >= 400 from the platform. Screenshots: journey-*.png."""
from __future__ import annotations

import datetime as dt
import random
import re
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.accounts.oidc_support import CALLBACK, configure, running_provider
from tests.support.builders import agency
from tests.web.browser_support import SHOTS, CspWatch, chromium, live_app_fixture, shot

pytestmark = pytest.mark.browser

TODAY = "2026-09-01"
COMPANY = "泉州市旅程示范贸易有限公司"
AGENCY = "泉州市市场监督管理局"
ELIGIBLE = "泉市监罚〔2026〕121号"   # general penalty of 2026-04-10: Order 36's minimum ended 2026-07-10
PW = "Journey-browser-2026"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def report_dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("XINYONG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("XINYONG_FONT_CACHE_DIR", str(Path(tempfile.gettempdir()) / "xinyong-test-font-cache"))


def _seed(url: str) -> dict:
    """The market regulator publishes one general penalty of the company (an agency's batch)."""
    from xinyong.db import make_engine, session_scope
    from xinyong.ingest.service import ingest_file
    from xinyong.synthetic import make_uscc, penalty_row, to_csv

    engine = make_engine(url)
    rng = random.Random(1313)
    uscc = make_uscc(rng)
    with session_scope(engine) as session:
        regulator = agency(session, name=AGENCY)
        row = penalty_row(rng, name=COMPANY, subject_uscc=uscc, decision_no=ELIGIBLE,
                          decision_date=dt.date(2026, 4, 10), agency_name=AGENCY, agency_uscc=regulator.uscc)
        out = ingest_file(session, data=to_csv([row]), filename="p.csv", source_uscc=regulator.uscc,
                          item_code="penalty")
        assert out.accepted == 1, out
    engine.dispose()
    return {"uscc": uscc}


live_app = live_app_fixture(today=TODAY, seed=_seed)


class Step:
    """Checks after each step: no CSP violation, no response >= 400 (the platform's or the identity
provider's, pages and what they load); then a screenshot."""

    def __init__(self, page, watch: CspWatch, base: str):
        self.page, self.watch, self.base, self.n = page, watch, base, 0
        self.failed: list[str] = []
        page.on("response", lambda r: self.failed.append(f"{r.status} {r.request.method} {r.url}")
                if r.status >= 400 else None)

    def done(self, name: str) -> None:
        self.n += 1
        self.page.wait_for_load_state("load")
        assert self.watch.take(self.page) == [], name
        assert self.failed == [], name
        shot(self.page, f"journey-{self.n:02d}-{name}")


def test_a_new_enterprise_registers_finds_repairs_and_downloads_its_report(live_app, monkeypatch, tmp_path):
    started = time.monotonic()
    base, uscc = live_app["base"], live_app["uscc"]
    letter, receipt = tmp_path / "信用修复承诺书.pdf", tmp_path / "罚款缴款凭证.pdf"
    letter.write_bytes(PDF)
    receipt.write_bytes(PDF)
    with running_provider(base + CALLBACK) as provider, chromium() as browser:
        configure(monkeypatch, provider.issuer, base)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        watch = CspWatch(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        step = Step(page, watch, base)
        page.goto(base + "/")
        step.done("home")

        # 1. register, then prove the company's identity at the provider
        page.get_by_role("link", name="注册").click()
        page.get_by_label("用户名").fill("qiye-journey")
        page.get_by_label("显示名称").fill("旅程示范经办人")
        page.get_by_label("电子邮箱").fill("qiye-journey@example.test")
        page.get_by_label("密码", exact=True).fill(PW)
        page.get_by_label("再次输入密码").fill(PW)
        step.done("register")
        page.get_by_role("button", name="注册").click()
        expect(page.get_by_role("heading", name="身份核验")).to_be_visible()
        step.done("identity")
        page.get_by_role("button", name="前往身份认证服务").click()
        page.locator("input[name=login]").fill("uscc:" + uscc)
        page.locator("input[name=password]").fill("any-password")
        page.locator("button[type=submit], input[type=submit]").first.click()
        page.wait_for_url(base + "/")
        expect(page.get_by_role("button", name="退出")).to_be_visible()
        step.done("home-signed-in")

        # 2. find the company's record from the home page's search box, by its code
        page.get_by_label("主体名称或统一社会信用代码").fill(uscc)
        page.get_by_role("button", name="查询", exact=True).click()
        hit = page.locator("tbody tr", has_text=uscc)
        expect(hit).to_contain_text(COMPANY)
        step.done("search")
        hit.get_by_role("link", name=COMPANY).click()
        expect(page.get_by_role("heading", name=COMPANY)).to_be_visible()
        expect(page.locator("main")).to_contain_text(ELIGIBLE)
        subject_page = page.url
        step.done("subject")

        # 3. from the profile, apply for repair of the eligible record
        page.get_by_role("link", name="我的信用信息").click()
        expect(page).to_have_url(re.compile(r"/me/profile$"))
        record = page.locator("article.record", has_text=ELIGIBLE)
        expect(record).to_be_visible()
        step.done("profile")
        record.get_by_role("link", name="申请信用修复").click()
        row = page.locator("tr[id^=record-]", has_text=ELIGIBLE)
        expect(row).to_contain_text("可以申请")
        step.done("repair-eligibility")
        row.get_by_role("link", name="申请修复").click()
        form = page.locator("section.repair-apply", has_text=ELIGIBLE)
        form.get_by_label("信用修复承诺书（必交）").set_input_files(str(letter))
        form.get_by_label("履行义务证明材料（如罚款缴款凭证）（必交）").set_input_files(str(receipt))
        form.get_by_label("情况说明").fill("罚款已缴清，已完成整改")
        step.done("repair-form")
        form.get_by_role("button", name="提交申请").click()
        expect(page.locator("#app-status")).to_have_text("待受理")
        step.done("repair-filed")

        # 4. back home, find the company again by its name, download the public report from its page
        page.get_by_role("link", name="首页", exact=True).click()
        page.get_by_label("主体名称或统一社会信用代码").fill(COMPANY)
        page.get_by_role("button", name="查询", exact=True).click()
        page.locator("tbody tr", has_text=uscc).get_by_role("link", name=COMPANY).click()
        assert page.url == subject_page
        step.done("subject-again")
        page.get_by_role("link", name="下载公开信用报告").click()
        expect(page.locator("main")).to_contain_text(COMPANY)
        step.done("public-report")
        with page.expect_download() as download:
            page.locator("main form button[type=submit]").click()
        pdf_path = tmp_path / "public-report.pdf"
        download.value.save_as(pdf_path)
        assert pdf_path.read_bytes()[:5] == b"%PDF-"
        text = subprocess.run(["pdftotext", "-layout", str(pdf_path), "-"], check=True,
                              capture_output=True, text=True).stdout
        assert COMPANY in text and uscc in text and ELIGIBLE in text
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf_path),
                        str(SHOTS / "journey-13-public-report-pdf")], check=True)
        assert watch.take(page) == [] and step.failed == []
        assert download.value.suggested_filename.endswith(".pdf")
    print(f"\njourney took {time.monotonic() - started:.1f} s")
