"""The public credit evaluation as its readers meet it, in headless Chromium: an anonymous
visitor opens an enterprise's published result, follows each contribution to the records
behind it and finds the decision numbers, without the score (the public explanation counts only
public records); a public body's government-integrity records are published by their severity;
staff see the distribution and recompute; the enterprise reads its own explanation, whose
contributions sum to its score (also in English). Screenshots go to
test-artifacts/screenshots/evaluation-*.png."""
from __future__ import annotations

import datetime as dt
import random
import re

import pytest
from playwright.sync_api import expect

from tests.support.builders import agency, to_csv
from tests.web.browser_support import chromium, live_app_fixture, shot

pytestmark = pytest.mark.browser

TODAY = "2026-09-01"
COMPANY = "泉州市评价演示有限公司"
BODY = "泉州市某区住房和城乡建设局"
DECISIONS = {"泉评罚〔2026〕11号": "penalty_serious", "泉评罚〔2026〕12号": "penalty_general",
             "泉评罚〔2026〕13号": "penalty_general"}
USERS = {"staff": ("staff1", "Staff-pass-2026"), "subject": ("qiye1", "Qiye-pass-2026")}


def _seed(url: str) -> dict:
    from xinyong.accounts.service import create_user
    from xinyong.db import make_engine, session_scope
    from xinyong.evaluation import service
    from xinyong.ingest.service import ingest_file, ingest_rows
    from xinyong.models import Subject
    from xinyong.synthetic import make_uscc, penalty_row
    from tests.evaluation.conftest import breach_row

    engine = make_engine(url)
    rng = random.Random(77)
    uscc, body_uscc = make_uscc(rng), make_uscc(rng, kind="11")
    with session_scope(engine) as session:
        a = agency(session)
        kinds = {"penalty_serious": ("吊销许可证件", ""), "penalty_general": ("罚款", "2.5")}
        rows = [penalty_row(rng, name=COMPANY, subject_uscc=uscc, decision_no=no, decision_date=dt.date(2026, 5, 10 + n),
                            kind=kinds[ind][0], fine_wan=kinds[ind][1], agency_uscc=a.uscc)
                for n, (no, ind) in enumerate(DECISIONS.items())]
        ingest_file(session, data=to_csv(rows), filename="p.csv", source_uscc=a.uscc, item_code="penalty")
        ingest_rows(session, rows=[breach_row(BODY, body_uscc, "政信〔2026〕9号", dt.date(2026, 4, 1), "严重")],
                    source_uscc=a.uscc, item_code="government_breach")
        create_user(session, username=USERS["staff"][0], password=USERS["staff"][1], role="staff")
        create_user(session, username=USERS["subject"][0], password=USERS["subject"][1], role="subject",
                    subject_uscc=uscc)
        service.recompute_full(session)
        firm = session.query(Subject.id).filter(Subject.uscc == uscc).scalar()
        body = session.query(Subject.id).filter(Subject.uscc == body_uscc).scalar()
    engine.dispose()
    return {"firm": firm, "body": body}


live_app = live_app_fixture(today=TODAY, seed=_seed)


def _sign_in(page, base, user):
    page.goto(f"{base}/login")
    page.get_by_label("用户名").fill(USERS[user][0])
    page.get_by_label("密码").fill(USERS[user][1])
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("button", name="退出")).to_be_visible()


def test_a_grade_followed_contribution_by_contribution_to_its_records(live_app):
    base = live_app["base"]
    with chromium() as browser:
        page = browser.new_context(locale="zh-CN").new_page()
        page.goto(f"{base}/evaluation/subjects/{live_app['firm']}")
        grade = page.locator("#grade")
        expect(grade).to_have_text("C")   # 90 - 20 (one serious) - 2 × 5 (two general) = 60
        expect(page.locator("#score")).to_have_count(0)
        expect(page.locator("#public-view")).to_be_visible()
        shot(page, "evaluation-1-public-result")
        rows = page.locator("#contributions tbody tr")
        indicators = [rows.nth(i).get_attribute("data-indicator") for i in range(rows.count())]
        assert sorted(indicators) == ["penalty_general", "penalty_serious"]
        points = [int(rows.nth(i).locator("td.pts").inner_text()) for i in range(rows.count())]
        assert 90 + sum(points) == 60   # every record of this company is in public view
        found: dict[str, str] = {}
        for n, indicator in enumerate(indicators):
            page.locator(f'#contributions tr[data-indicator="{indicator}"] a').click()
            expect(page.locator("h1")).to_be_visible()
            text = page.locator("#behind").inner_text()
            for decision in DECISIONS:
                if decision in text:
                    found[decision] = indicator
            shot(page, f"evaluation-2-contribution-{n + 1}")
            page.get_by_role("link", name=re.compile("返回评价结果")).click()
        assert found == DECISIONS, found

        page.goto(f"{base}/evaluation/subjects/{live_app['body']}")
        # government breaches are published by their stated severity (QZ art. 26 para. 2, 公示披露):
        # the public sees the grade explained by the breach, and the breach behind it
        expect(page.locator("#grade")).to_be_visible()
        expect(page.locator('#contributions tr[data-indicator="gov_breach_serious"]')).to_have_count(1)
        page.goto(f"{base}/evaluation/subjects/{live_app['body']}/contributions/gov_breach_serious")
        expect(page.locator("#behind")).to_contain_text("政信〔2026〕9号")
        shot(page, "evaluation-3-government-integrity-public")

        staff = browser.new_context(locale="zh-CN").new_page()
        _sign_in(staff, base, "staff")
        staff.goto(f"{base}/evaluation/subjects/{live_app['body']}/contributions/gov_breach_serious")
        expect(staff.locator("#behind")).to_contain_text("政信〔2026〕9号")
        expect(staff.locator("#behind")).to_contain_text("合同违约")
        shot(staff, "evaluation-3-government-integrity-staff")
        staff.goto(f"{base}/evaluation")
        expect(staff.locator("#distribution")).to_be_visible()
        staff.locator("#recompute").click()
        expect(staff.locator("#recomputed")).to_be_visible()
        shot(staff, "evaluation-4-staff-overview")

        own = browser.new_context(locale="zh-CN").new_page()
        _sign_in(own, base, "subject")
        own.goto(f"{base}/me/evaluation?lang=en")
        expect(own.locator("h1")).to_have_text("My public credit evaluation")
        expect(own.locator("#grade")).to_have_text("C")
        own_rows = own.locator("#contributions tbody tr")
        own_points = [int(own_rows.nth(i).locator("td.pts").inner_text()) for i in range(own_rows.count())]
        assert 90 + sum(own_points) == int(own.locator("#score").inner_text())
        shot(own, "evaluation-5-own-english")
