"""Issue #13 point 8 in Chromium: on /verify, a valid report, a copy altered after issue and a PDF
this platform never issued (one that even shows a real report's code) each get their own
colour, heading and words — not a glyph alone — in Chinese and in English, with no CSP
violation and no serious axe finding. Screenshots: test-artifacts/screenshots/verify-*.png."""
from __future__ import annotations

import datetime as dt
import random
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.reports.test_verification_outcomes import foreign_pdf
from tests.support.builders import agency, to_csv
from tests.web.browser_support import CspWatch, axe_violations, chromium, live_app_fixture, shot

pytestmark = pytest.mark.browser

TODAY = "2026-11-23"
HEADINGS = {"valid": ("真实有效", "Authentic"), "tampered": ("已被改动，不可采信", "Altered: do not rely on it"),
            "foreign": ("非本平台签发", "Not issued by this platform")}


def _seed(url: str) -> dict:
    """A company with a public penalty, and its public credit report issued and signed."""
    from xinyong.accounts.service import create_user, principal_of
    from xinyong.db import make_engine, session_scope
    from xinyong.ingest.service import ingest_file
    from xinyong.reports import service
    from xinyong.synthetic import make_uscc, penalty_row

    engine, rng = make_engine(url), random.Random(1308)
    uscc = make_uscc(rng)
    with session_scope(engine) as session:
        regulator = agency(session, name="泉州市市场监督管理局")
        rows = [penalty_row(rng, name="泉州市验证示范有限公司", subject_uscc=uscc, decision_no="泉市监罚〔2026〕131号",
                            decision_date=dt.date(2026, 9, 1),
                            agency_uscc=regulator.uscc)]
        assert ingest_file(session, data=to_csv(rows), filename="p.csv", source_uscc=regulator.uscc,
                           item_code="penalty").accepted == 1
        user = create_user(session, username="verify-firm", password="verify-pass-123", role="subject",
                           subject_uscc=uscc)
        report = service.issue(session, principal_of(user, "session"), "public", user.subject_id, channel="web").report
        pdf, code = report.content, report.code
    engine.dispose()
    return {"pdf": pdf, "code": code}


live_app = live_app_fixture(today=TODAY, seed=_seed, scope="module", env={
    "XINYONG_FONT_CACHE_DIR": str(Path(tempfile.gettempdir()) / "xinyong-test-font-cache")})


def _files(live_app, tmp_path) -> dict[str, Path]:
    pdf = live_app["pdf"]
    altered = bytearray(pdf)
    altered[len(pdf) // 3] ^= 0x01
    files = {"valid": pdf, "tampered": bytes(altered), "foreign": foreign_pdf(f"XYRPT-{live_app['code']}")}
    for name, data in files.items():
        (tmp_path / f"{name}.pdf").write_bytes(data)
    return {name: tmp_path / f"{name}.pdf" for name in files}


def test_valid_altered_and_foreign_reports_look_different(live_app, tmp_path):
    base, files = live_app["base"], _files(live_app, tmp_path)
    with chromium() as browser:
        for lang, index in (("zh", 0), ("en", 1)):
            context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
            context.add_cookies([{"name": "lang", "value": lang, "url": base}])
            csp, page = CspWatch(context), context.new_page()
            looks = {}
            for verdict, path in files.items():
                page.goto(base + "/verify")
                page.locator("#file").set_input_files(str(path))
                page.locator("#verify-form button[type=submit]").click()
                result = page.locator("#verification")
                expect(result).to_have_attribute("data-verdict", verdict)
                expect(result.get_by_role("heading", level=2)).to_contain_text(HEADINGS[verdict][index])
                looks[verdict] = result.evaluate("""e => { const s = getComputedStyle(e), h = getComputedStyle(e.querySelector('h2'));
                    return [s.backgroundColor, s.borderLeftColor, h.color, e.querySelector('h2').innerText]; }""")
                assert csp.take(page) == [], verdict
                assert axe_violations(page) == [], verdict
                shot(page, f"verify-{verdict}-{lang}")
            for part in range(4):   # background, border, heading colour and heading words: all three differ
                assert len({look[part] for look in looks.values()}) == 3, (part, looks)
            context.close()


def test_a_foreign_file_is_not_told_its_hash_changed(live_app, tmp_path):
    base, files = live_app["base"], _files(live_app, tmp_path)
    with chromium() as browser:
        page = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN").new_page()
        page.goto(base + "/verify")
        page.locator("#code").fill(live_app["code"])      # given with the code of a real report, too
        page.locator("#file").set_input_files(str(files["foreign"]))
        page.locator("#verify-form button[type=submit]").click()
        result = page.locator("#verification")
        expect(result).to_have_attribute("data-verdict", "foreign")
        expect(result).to_contain_text("不是本平台签发的报告")
        expect(result).not_to_contain_text("改动")
        expect(page.locator("#hash-result")).to_have_text("—")
        expect(page.locator("#signature-result")).to_have_text("没有本平台的签名")
        shot(page, "verify-foreign-with-code-phone")
