"""The procedures core as staff meet it, in headless Chromium: credit-department staff load the
official 2026 holiday table from docs/calendar-example.yaml, see the year and a provisional 2027,
open the deadline queue with its colours (red overdue, amber due soon, green on time, a
provisional date marked), filter it, and extend one deadline with a reason (QZ art. 36); the
market-regulation agency sees only its own deadlines; the enterprise finds the notice of the
extension among its documents. Screenshots go to test-artifacts/screenshots/procedures-*.png."""
from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.builders import agency, agency_user, to_csv
from tests.web.browser_support import chromium, live_app_fixture, shot

pytestmark = pytest.mark.browser

TODAY = "2026-11-23"
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "calendar-example.yaml"
COMPANY = "泉州市鲤城区示范食品有限公司"
AGENCY = "泉州市市场监督管理局"
OTHER_AGENCY = "泉州市税务局"
USERS = {"staff": ("staff1", "staff-pass-123"), "agency": ("agency1", "agency-pass-123"),
         "subject": ("qiye1", "qiye-pass-123")}
RED, AMBER, GREEN = "rgb(248, 215, 211)", "rgb(253, 235, 200)", "rgb(228, 241, 228)"
REASON = "需赴现场核查整改情况，案情复杂"


def _seed(url: str) -> dict:
    from xinyong.accounts.service import create_user
    from xinyong.db import make_engine, session_scope
    from xinyong.deadlines import service
    from xinyong.ingest.service import ingest_file
    from xinyong.models import Subject
    from xinyong.synthetic import make_uscc, penalty_row

    engine = make_engine(url)
    rng = random.Random(423)
    uscc = make_uscc(rng)
    D = dt.date
    with session_scope(engine) as session:
        regulator = agency(session, name=AGENCY)
        tax = agency(session, seed=8, name=OTHER_AGENCY)
        agency_user(session, regulator.uscc, *USERS["agency"])
        create_user(session, username=USERS["staff"][0], password=USERS["staff"][1], role="staff",
                    display_name="信用科李四")
        row = penalty_row(rng, name=COMPANY, subject_uscc=uscc, decision_no="泉市监罚〔2026〕301号",
                          decision_date=D(2026, 9, 10), agency_uscc=regulator.uscc)
        assert ingest_file(session, data=to_csv([row]), filename="p.csv", source_uscc=regulator.uscc,
                           item_code="penalty").accepted == 1
        subject_id = session.query(Subject).filter_by(uscc=uscc).one().id
        create_user(session, username=USERS["subject"][0], password=USERS["subject"][1], role="subject",
                    subject_uscc=uscc, display_name="示范食品（企业账户）")
        ids = {
            # repair result started 20 Oct: due 3 Nov, overdue on 23 Nov
            "overdue": service.open_step(session, procedure="repair", procedure_id=31, step="result",
                                         started_on=D(2026, 10, 20), subject_id=subject_id,
                                         responsible_org_id=regulator.id).id,
            # objection verification started 16 Nov: due 23 Nov, due soon
            "due_soon": service.open_step(session, procedure="objection", procedure_id=32, step="verify",
                                          started_on=D(2026, 11, 16), subject_id=subject_id,
                                          responsible_org_id=regulator.id).id,
            # complaint handling started 20 Nov: due 11 Dec, on time (the tax bureau's)
            "on_time": service.open_step(session, procedure="complaint", procedure_id=33, step="handle",
                                         started_on=D(2026, 11, 20), responsible_org_id=tax.id).id,
            # a complaint received 14 Dec: its 15 working days run into 2027, provisional
            "provisional": service.open_step(session, procedure="complaint", procedure_id=34, step="handle",
                                             started_on=D(2026, 12, 14)).id,
        }
    engine.dispose()
    return {"ids": ids}


live_app = live_app_fixture(today=TODAY, seed=_seed)


def test_calendar_upload_deadline_queue_by_colour_and_extension(live_app):
    base, ids = live_app["base"], live_app["ids"]
    with chromium() as browser:
        staff = _signed_in(browser, base, "staff")
        _staff_loads_the_2026_table(staff)
        _staff_sees_2027_as_provisional(staff)
        _staff_reads_the_queue_by_colour(staff, ids)
        _staff_extends_with_a_reason(staff, ids)
        agency_page = _signed_in(browser, base, "agency")
        _agency_sees_only_its_own(agency_page, ids)
        subject = _signed_in(browser, base, "subject")
        _subject_finds_the_notice(subject)


def _signed_in(browser: Browser, base: str, who: str) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(base + "/login")
    username, password = USERS[who]
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("button", name="退出")).to_be_visible()
    return page


def _staff_loads_the_2026_table(page: Page) -> None:
    page.get_by_role("link", name="工作日历").click()
    expect(page.get_by_role("heading", name="2026年工作日历")).to_be_visible()
    expect(page.locator("#calendar-source")).to_contain_text("开源节假日数据包")   # the source in words (issue #13 point 3)
    page.get_by_label("文件").set_input_files(str(EXAMPLE))
    page.get_by_role("button", name="载入", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("已载入2026年节假日安排")
    expect(page.locator("#calendar-source")).to_contain_text("国务院办公厅关于2026年部分节假日安排的通知")
    # 10 Oct 2026 is a make-up Saturday, 1 Oct a holiday
    expect(page.locator('td[data-day="2026-10-10"]')).to_have_attribute("data-working", "yes")
    expect(page.locator('td[data-day="2026-10-01"]')).to_have_attribute("data-working", "no")
    expect(page.locator("#calendar-source")).to_contain_text("调休上班 6 天")
    shot(page, "procedures-01-calendar-2026-loaded")


def _staff_sees_2027_as_provisional(page: Page) -> None:
    page.get_by_role("link", name="2027 »").click()
    expect(page.get_by_role("heading", name="2027年工作日历")).to_be_visible()
    expect(page.locator(".cal-provisional")).to_contain_text("暂定")
    shot(page, "procedures-02-calendar-2027-provisional")


def _staff_reads_the_queue_by_colour(page: Page, ids: dict) -> None:
    page.get_by_role("link", name="办理期限").click()
    expect(page.get_by_role("heading", name="办理期限")).to_be_visible()
    for key, colour, words in (("overdue", RED, "已逾期"), ("due_soon", AMBER, "即将到期"),
                               ("on_time", GREEN, "按期"), ("provisional", GREEN, "按期")):
        badge = page.locator(f"#deadline-{ids[key]} .deadline-badge")
        expect(badge).to_contain_text(words)
        expect(badge).to_have_css("background-color", colour)
    expect(page.locator(f"#deadline-{ids['provisional']} .deadline-badge")).to_contain_text("暂定")
    expect(page.locator(f"#deadline-{ids['overdue']} .deadline-badge")).not_to_contain_text("暂定")
    expect(page.locator(f"#deadline-{ids['overdue']}")).to_contain_text("第三十六条")
    expect(page.locator(f"#deadline-{ids['overdue']} a")).to_have_attribute("href", "/repair/31")
    shot(page, "procedures-03-deadline-queue")
    page.get_by_label("状态").select_option("overdue")
    page.get_by_role("button", name="筛选").click()
    expect(page.locator(".deadline-row")).to_have_count(1)
    expect(page.locator(f"#deadline-{ids['overdue']}")).to_be_visible()
    shot(page, "procedures-04-deadline-queue-overdue")


def _staff_extends_with_a_reason(page: Page, ids: dict) -> None:
    # QZ art. 36: the overdue step is past its period and offers no extension
    expect(page.locator(f"#deadline-{ids['overdue']}")).to_contain_text("期限已届满")
    expect(page.locator(f"#deadline-{ids['overdue']} form")).to_have_count(0)
    page.get_by_role("link", name="办理期限").click()
    row = page.locator(f"#deadline-{ids['due_soon']}")
    row.get_by_label("延长理由").fill(REASON)
    row.get_by_role("button", name="延长期限").click()
    expect(page.get_by_role("status")).to_contain_text("已延长")
    extended = page.locator(f"#deadline-{ids['due_soon']}")
    expect(extended).to_contain_text(REASON)
    # due 23 Nov, extended on its last day by 5 working days: 30 Nov
    expect(extended.locator(".deadline-badge")).to_contain_text("2026-11-30")
    shot(page, "procedures-05-deadline-extended")


def _agency_sees_only_its_own(page: Page, ids: dict) -> None:
    page.get_by_role("link", name="办理期限").click()
    expect(page.locator(f"#deadline-{ids['overdue']}")).to_be_visible()
    expect(page.locator(f"#deadline-{ids['due_soon']}")).to_be_visible()
    expect(page.locator(f"#deadline-{ids['on_time']}")).to_have_count(0)
    expect(page.locator(f"#deadline-{ids['provisional']}")).to_have_count(0)
    shot(page, "procedures-06-agency-queue")


def _subject_finds_the_notice(page: Page) -> None:
    page.get_by_role("link", name="文书").click()
    expect(page.get_by_role("heading", name="我的文书")).to_be_visible()
    expect(page.get_by_role("cell", name="延长办理期限告知书")).to_be_visible()
    shot(page, "procedures-07-subject-documents")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载 PDF").click()
    assert download.value.suggested_filename.endswith(".pdf")
