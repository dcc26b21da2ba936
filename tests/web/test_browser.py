"""A new user's path through the real pages in headless Chromium: the portal in Chinese and
English, an agency signing in and uploading a 双公示 penalty file with two bad rows, the
return-for-review report, and the public search showing the accepted company's record
while a record past its publicity period stays hidden. Screenshots of every step go to
test-artifacts/screenshots/."""
from __future__ import annotations

import datetime as dt
import random
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.support.builders import agency, agency_user, staff_user, to_csv
from tests.web.browser_support import chromium, live_app_fixture
from tests.web.browser_support import shot as _shot
from xinyong.synthetic import make_uscc, penalty_row

pytestmark = pytest.mark.browser

TODAY = "2026-07-01"  # the platform's clock for this scenario
COMPANY = "泉州市鲤城区示范食品有限公司"
OLD_DECISION = "泉市监罚〔2021〕88号"  # general penalty of 2021: its publicity ended in 2024
NEW_DECISION = "泉市监罚〔2026〕101号"


def _seed(url: str) -> dict[str, str]:
    """An agency with a user, a staff user, and an old penalty of COMPANY."""
    from xinyong.db import make_engine, session_scope
    from xinyong.ingest.service import ingest_file

    engine = make_engine(url)
    rng = random.Random(2026)
    company_uscc = make_uscc(rng)
    with session_scope(engine) as session:
        a = agency(session)
        agency_user(session, a.uscc)
        staff_user(session)
        old = penalty_row(rng, name=COMPANY, subject_uscc=company_uscc, decision_no=OLD_DECISION,
                          decision_date=dt.date(2021, 3, 15), agency_uscc=a.uscc)
        out = ingest_file(session, data=to_csv([old]), filename="2021.csv", source_uscc=a.uscc, item_code="penalty")
        assert out.accepted == 1, out
        agency_uscc = a.uscc
    engine.dispose()
    return {"agency_uscc": agency_uscc, "company_uscc": company_uscc}


live_app = live_app_fixture(today=TODAY, seed=_seed)


def _penalty_file(tmp_path: Path, agency_uscc: str, company_uscc: str) -> Path:
    """A 双公示 penalty CSV as agencies export it (UTF-8 with BOM): two good rows, one with an
    invalid USCC, one without its mandatory 违法事实."""
    rng = random.Random(7)
    names = [COMPANY, "泉州市丰泽区海丝贸易有限公司", "泉州市洛江区错码建材有限公司", "泉州市泉港区缺项化工有限公司"]
    rows = [penalty_row(rng, name=name, subject_uscc=make_uscc(rng), decision_no=f"泉市监罚〔2026〕{101 + i}号",
                        decision_date=dt.date(2026, 6, 2 + i), agency_uscc=agency_uscc) for i, name in enumerate(names)]
    rows[0]["行政相对人代码_1(统一社会信用代码)"] = company_uscc
    rows[2]["行政相对人代码_1(统一社会信用代码)"] = "913505001234567890"  # wrong check character
    rows[3]["违法事实"] = ""
    path = tmp_path / "行政处罚_2026年6月.csv"
    path.write_bytes(to_csv(rows, bom=True))
    return path


def test_a_new_user_walks_through_the_portal_and_an_upload(live_app, tmp_path):
    upload = _penalty_file(tmp_path, live_app["agency_uscc"], live_app["company_uscc"])
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        page.set_default_timeout(15_000)
        page.goto(live_app["base"] + "/")
        _read_the_portal_in_both_languages(page)
        _sign_in_as_the_agency(page)
        _upload_and_read_the_returns(page, upload)
        page.get_by_role("button", name="退出").click()
        expect(page.get_by_role("link", name="登录")).to_be_visible()
        _find_the_company_and_its_record(page)


def _read_the_portal_in_both_languages(page: Page) -> None:
    expect(page.get_by_role("heading", name="公共信用信息查询")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    _shot(page, "01-home-zh")
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", name="Public credit information search")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    _shot(page, "02-home-en")
    page.get_by_role("link", name="中文").click()
    expect(page.get_by_role("heading", name="公共信用信息查询")).to_be_visible()
    page.get_by_role("link", name="信息目录").first.click()   # the header link (the home page offers it too)
    expect(page.get_by_role("heading", name="“行政处罚”文件列")).to_be_visible()
    _shot(page, "02b-catalogue")


def _sign_in_as_the_agency(page: Page) -> None:
    page.get_by_role("link", name="登录").click()
    page.get_by_label("用户名").fill("agency1")
    page.get_by_label("密码").fill("agency-pass-123")
    _shot(page, "03-login")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("button", name="退出")).to_be_visible()


def _upload_and_read_the_returns(page: Page, upload: Path) -> None:
    page.get_by_role("link", name="归集批次").click()
    expect(page.get_by_role("heading", name="上传批次文件")).to_be_visible()
    page.get_by_label("信息项").select_option(label="行政处罚")
    page.get_by_label("文件（CSV 或 XLSX）").set_input_files(str(upload))
    _shot(page, "04-upload-form")
    page.get_by_role("button", name="上传并归集").click()
    expect(page).to_have_url(re.compile(r"/batches/\d+$"))
    expect(page.get_by_role("heading", name="退回复核")).to_be_visible()
    returned = page.locator("table.returns tbody tr")
    expect(returned).to_have_count(2)
    expect(returned.nth(0)).to_contain_text("913505001234567890")
    expect(returned.nth(0)).to_contain_text("统一社会信用代码无效")
    expect(returned.nth(1)).to_contain_text("违法事实")
    expect(returned.nth(1)).to_contain_text("必填项为空")
    _shot(page, "05-batch-returns")
    page.get_by_role("link", name="English").click()
    expect(page.locator("table.returns")).to_contain_text("mandatory value is empty")
    _shot(page, "05b-batch-returns-en")
    page.get_by_role("link", name="中文").click()
    expect(page.get_by_role("heading", name="退回复核")).to_be_visible()


def _find_the_company_and_its_record(page: Page) -> None:
    page.get_by_label("主体名称或统一社会信用代码").fill("示范食品")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_role("link", name=COMPANY)).to_be_visible()
    _shot(page, "06-search")
    page.get_by_role("link", name=COMPANY).click()
    expect(page.get_by_role("heading", name=COMPANY)).to_be_visible()
    records = page.locator("article.record")
    expect(records).to_have_count(1)
    expect(records.first).to_contain_text(NEW_DECISION)
    expect(records.first).to_contain_text("一般")
    expect(page.locator("main")).not_to_contain_text(OLD_DECISION)  # its publicity ended 2024-03-15
    _shot(page, "07-subject")
    page.set_viewport_size({"width": 390, "height": 844})
    _shot(page, "08-subject-phone")
