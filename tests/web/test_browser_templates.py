"""A first upload as a new agency user meets it, in headless Chromium: on /batches the agency
downloads the example batch of an item (XLSX) and the template from the catalogue page (CSV),
uploads each through the form unchanged, and every row is taken in — nothing is returned.
Screenshots: test-artifacts/screenshots/templates-*.png."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.support.builders import agency, agency_user
from tests.web.browser_support import chromium, live_app_fixture, shot, signed_in

pytestmark = pytest.mark.browser
USER = ("agency1", "agency-pass-123")


def _seed(url: str) -> dict:
    from xinyong.db import make_engine, session_scope
    engine = make_engine(url)
    with session_scope(engine) as session:
        agency_user(session, agency(session).uscc, *USER)
    engine.dispose()
    return {}


live_app = live_app_fixture(today="2026-09-01", seed=_seed)


def _upload(page: Page, item: str, path: str, rows: int) -> None:
    page.get_by_role("link", name="归集批次").click()
    page.get_by_label("信息项").select_option(label=item)
    page.get_by_label("文件（CSV 或 XLSX）").set_input_files(path)
    page.get_by_role("button", name="上传并归集").click()
    expect(page).to_have_url(re.compile(r"/batches/\d+$"))
    expect(page.locator("main")).to_contain_text("已完成")
    expect(page.locator("table.returns")).to_have_count(0)
    counts = page.locator("dl.counts")
    for label, value in (("总行数", rows), ("接收行数", rows), ("退回行数", 0)):
        expect(counts.locator("div", has_text=label).locator("dd")).to_have_text(str(value))


def test_the_example_batch_and_the_template_upload_as_downloaded(live_app, tmp_path):
    base = live_app["base"]
    with chromium() as browser:
        page = signed_in(browser, base, *USER)
        page.get_by_role("link", name="归集批次").click()
        shot(page, "templates-01-upload-page")
        with page.expect_download() as got:
            page.get_by_role("link", name="行政处罚 示例批次 XLSX").click()
        example = tmp_path / got.value.suggested_filename
        got.value.save_as(example)
        assert example.name == "penalty-example.xlsx"
        _upload(page, "行政处罚", str(example), 3)
        shot(page, "templates-02-example-batch")

        page.goto(base + "/catalogue")
        with page.expect_download() as got:
            page.get_by_role("link", name="行政许可 CSV 模板").click()
        template = tmp_path / got.value.suggested_filename
        got.value.save_as(template)
        _upload(page, "行政许可", str(template), 1)
        shot(page, "templates-03-template")
