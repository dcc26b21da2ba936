"""Credit reports as their users meet them, in headless Chromium (issue 5, "done when"): an
enterprise signs in, requests a special credit report (market regulation, three years) on "my
credit reports", downloads the signed PDF; an anonymous visitor opens the public /verify page,
confirms the report by its code and by uploading the downloaded file; a copy with one byte
changed is rejected. Screenshots go to test-artifacts/screenshots/reports-*.png."""
from __future__ import annotations

import datetime as dt
import random
import re
import subprocess
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.support.builders import agency, to_csv
from tests.web.browser_support import SHOTS, chromium, live_app_fixture, shot

pytestmark = pytest.mark.browser

TODAY = "2026-11-23"
COMPANY = "泉州市鲤城区示范食品有限公司"
DECISION = "泉市监罚〔2026〕230号"
USER = ("qiye1", "qiye-pass-123")


@pytest.fixture(autouse=True)
def report_dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("XINYONG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("XINYONG_FONT_CACHE_DIR", str(Path(tempfile.gettempdir()) / "xinyong-test-font-cache"))


def _seed(url: str) -> dict[str, str]:
    from xinyong.accounts.service import create_user
    from xinyong.db import make_engine, session_scope
    from xinyong.ingest.service import ingest_file
    from xinyong.synthetic import make_uscc, penalty_row

    engine = make_engine(url)
    rng = random.Random(2611)
    uscc = make_uscc(rng)
    with session_scope(engine) as session:
        regulator = agency(session, name="泉州市市场监督管理局")
        rows = [penalty_row(rng, name=COMPANY, subject_uscc=uscc, decision_no=DECISION,
                            decision_date=dt.date(2026, 9, 10), agency_uscc=regulator.uscc)]
        assert ingest_file(session, data=to_csv(rows), filename="p.csv", source_uscc=regulator.uscc,
                           item_code="penalty").accepted == 1
        create_user(session, username=USER[0], password=USER[1], role="subject", subject_uscc=uscc,
                    display_name="示范食品（企业账户）")
    engine.dispose()
    return {"uscc": uscc}


live_app = live_app_fixture(today=TODAY, seed=_seed)


def test_request_download_and_verify_a_special_report(live_app, tmp_path):
    base = live_app["base"]
    with chromium() as browser:
        page = _signed_in(browser, base)
        page.get_by_role("link", name="我的信用报告").click()
        expect(page.get_by_role("heading", name="我的信用报告")).to_be_visible()
        page.get_by_label("专项信用报告").check()
        page.get_by_label("领域").select_option("market")
        page.get_by_label("起始日期").fill("2023-11-23")
        page.get_by_label("截止日期").fill(TODAY)
        shot(page, "reports-1-request")
        page.get_by_role("button", name="出具报告").click()
        expect(page.locator("#issued-notice")).to_be_visible()
        row = page.locator("tbody tr.notice")
        expect(row).to_contain_text("专项信用报告")
        expect(row).to_contain_text("有违法违规记录")
        code = row.locator(".code").inner_text().strip()
        assert re.fullmatch(r"[A-Z2-7]{20}", code), code
        shot(page, "reports-2-issued")
        with page.expect_download() as download:
            row.get_by_role("link", name="下载 PDF").click()
        pdf_path = tmp_path / "report.pdf"
        download.value.save_as(pdf_path)
        pdf = pdf_path.read_bytes()
        assert pdf[:5] == b"%PDF-" and code.encode() in pdf
        _first_page_png(pdf_path)

        visitor = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
        visitor.goto(base + "/")
        visitor.get_by_role("link", name="报告验证").click()
        visitor.get_by_label("验证码").fill(code.lower())
        visitor.get_by_role("button", name="验证").click()
        result = visitor.locator("#verification")
        expect(result).to_have_attribute("data-outcome", "authentic")
        expect(result).to_contain_text("专项信用报告")
        expect(result).to_contain_text("泉州")
        assert COMPANY not in visitor.content() and DECISION not in visitor.content()
        shot(visitor, "reports-3-verify-code")

        visitor.goto(base + "/verify")
        visitor.get_by_label("或上传报告 PDF").set_input_files(str(pdf_path))
        visitor.get_by_role("button", name="验证").click()
        expect(visitor.locator("#verification")).to_have_attribute("data-outcome", "authentic")
        expect(visitor.locator("#hash-result")).to_have_text("与签发时一致")
        shot(visitor, "reports-4-verify-file")

        altered = bytearray(pdf)
        altered[len(pdf) // 3] ^= 0x01
        bad_path = tmp_path / "report-modified.pdf"
        bad_path.write_bytes(bytes(altered))
        visitor.goto(base + "/verify")
        visitor.get_by_label("或上传报告 PDF").set_input_files(str(bad_path))
        visitor.get_by_role("button", name="验证").click()
        expect(visitor.locator("#verification")).to_have_attribute("data-outcome", "tampered")
        expect(visitor.locator("#signature-result")).to_have_text("无效")
        expect(visitor.locator("#hash-result")).to_have_text("与签发时不一致")
        shot(visitor, "reports-5-modified-rejected")

        visitor.goto(base + f"/verify/{code}")
        expect(visitor.locator("#verification")).to_have_attribute("data-outcome", "authentic")
        cert = visitor.request.get(base + "/reports/certificate")
        assert cert.ok and cert.text().startswith("-----BEGIN CERTIFICATE-----")


def _signed_in(browser: Browser, base: str):
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    page.set_default_timeout(20_000)
    page.goto(base + "/")
    page.get_by_role("link", name="登录").click()
    page.get_by_label("用户名").fill(USER[0])
    page.get_by_label("密码").fill(USER[1])
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("button", name="退出")).to_be_visible()
    return page


def _first_page_png(pdf_path: Path) -> None:
    """The PDF's first page as an image beside the screenshots (pdftoppm, poppler-utils)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf_path),
                    str(SHOTS / "reports-pdf-page1")], check=True)
