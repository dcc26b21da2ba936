"""Objections as their users meet them, in headless Chromium: the enterprise objects to its
public penalty on the portal with a PDF of evidence; the public subject page shows the record
marked 异议处理中; the market regulator finds it in its queue with the deadline, corrects the
decision date; the enterprise sees the outcome with old and new values and the written result,
and the public page no longer shows the mark. Screenshots go to
test-artifacts/screenshots/objections-*.png."""
from __future__ import annotations

import datetime as dt
import random

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.builders import agency, agency_user, to_csv
from tests.web.browser_support import chromium, live_app_fixture, shot, signed_in

pytestmark = pytest.mark.browser

TODAY = "2026-11-23"
COMPANY = "泉州市丰泽区示范茶业有限公司"
AGENCY = "泉州市市场监督管理局"
DECISION = "泉市监罚〔2026〕318号"     # general penalty of 2026-09-10, in public view
USERS = {"subject": ("chaye1", "chaye-pass-123"), "agency": ("agency1", "agency-pass-123")}
EVIDENCE = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _seed(url: str) -> dict:
    from xinyong.accounts.service import create_user
    from xinyong.db import make_engine, session_scope
    from xinyong.ingest.service import ingest_file
    from xinyong.models import Subject
    from xinyong.synthetic import make_uscc, penalty_row

    engine = make_engine(url)
    rng = random.Random(3425)
    uscc = make_uscc(rng)
    with session_scope(engine) as session:
        regulator = agency(session, name=AGENCY)
        agency_user(session, regulator.uscc, *USERS["agency"])
        row = penalty_row(rng, name=COMPANY, subject_uscc=uscc, decision_no=DECISION,
                          decision_date=dt.date(2026, 9, 10), agency_uscc=regulator.uscc)
        out = ingest_file(session, data=to_csv([row]), filename="p.csv", source_uscc=regulator.uscc,
                          item_code="penalty")
        assert out.accepted == 1, out
        create_user(session, username=USERS["subject"][0], password=USERS["subject"][1], role="subject",
                    subject_uscc=uscc, display_name="示范茶业（企业账户）")
        subject_id = session.query(Subject).filter_by(uscc=uscc).one().id
    engine.dispose()
    return {"subject_id": subject_id}


live_app = live_app_fixture(today=TODAY, seed=_seed)


def _signed_in(browser: Browser, base: str, who: str) -> Page:
    return signed_in(browser, base, *USERS[who])


def test_object_mark_correct_and_see_the_outcome(live_app, tmp_path):
    base, subject_page = live_app["base"], f"{live_app['base']}/subjects/{live_app['subject_id']}"
    evidence = tmp_path / "处罚决定书原件.pdf"
    evidence.write_bytes(EVIDENCE)
    with chromium() as browser:
        firm = _signed_in(browser, base, "subject")
        firm.get_by_role("link", name="我的异议").click()
        expect(firm.get_by_role("heading", name="我的异议")).to_be_visible()
        firm.get_by_label("信用记录").select_option(label=f"{DECISION} · 2026-09-10 · {AGENCY}")
        firm.get_by_label("信息存在错误").check()
        firm.get_by_label("异议理由").fill("决定书原件载明的决定日期为2026年9月9日，系统公示为9月10日。")
        firm.get_by_label("证明材料").set_input_files(str(evidence))
        shot(firm, "objections-01-subject-form")
        firm.get_by_role("button", name="提交异议").click()
        expect(firm.get_by_role("status")).to_contain_text("异议已提交")
        expect(firm.get_by_role("link", name="处罚决定书原件.pdf")).to_be_visible()
        shot(firm, "objections-02-filed")

        firm.goto(subject_page)
        expect(firm.locator("[data-under-objection]")).to_have_text("⚑ 异议处理中")
        shot(firm, "objections-03-portal-marked")

        office = _signed_in(browser, base, "agency")
        office.get_by_role("link", name="异议核查").click()
        row = office.locator("tr[data-objection]")
        expect(row).to_have_count(1)
        expect(row.locator(".deadline-badge")).to_be_visible()
        shot(office, "objections-04-agency-queue")
        row.get_by_role("link").click()
        office.get_by_label("已更正").check()
        office.get_by_label("更正 处罚决定日期").check()
        office.get_by_label("处罚决定日期", exact=True).fill("2026-09-09")
        office.get_by_label("处理理由").fill("核对决定书原件，决定日期录入有误，予以更正。")
        shot(office, "objections-05-agency-correct")
        office.get_by_role("button", name="提交处理结果").click()
        expect(office.get_by_role("status")).to_contain_text("处理结果已告知")

        firm.goto(base + "/me/objections")
        expect(firm.locator("tr[data-objection] .objection-corrected")).to_have_text("已更正")
        firm.locator("tr[data-objection]").get_by_role("link").click()
        changes = firm.locator("table.changes")
        expect(changes).to_contain_text("2026-09-10")
        expect(changes).to_contain_text("2026-09-09")
        expect(firm.locator("a.document-link")).to_be_visible()
        shot(firm, "objections-06-subject-outcome")

        firm.goto(subject_page)
        expect(firm.locator("[data-under-objection]")).to_have_count(0)
        expect(firm.get_by_text("2026-09-09")).to_be_visible()
        shot(firm, "objections-07-portal-unmarked")
