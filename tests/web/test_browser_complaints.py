"""Complaints and the dashboard as their users meet them, in headless Chromium: an anonymous
visitor files a complaint with their name and contact and keeps the tracking code and secret;
staff assign it to a handler; the handler sees who filed it, another staff member does not; the
handler answers; the visitor reads the result with the code and secret. Staff then open the
dashboard, whose charts are inline SVG. Screenshots: test-artifacts/screenshots/complaints-*.png
and dashboards-*.png."""
from __future__ import annotations

import random
import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.builders import agency, penalty_rows, to_csv
from tests.web.browser_support import chromium, live_app_fixture, new_page, shot, signed_in

pytestmark = pytest.mark.browser

TODAY = "2026-11-23"
PW = "browser-pass-123"
NAME, CONTACT = "林保密", "13800001111"
SUMMARY = "某机构在未经授权的情况下查询并使用了我的信用信息，请依法处理。"
RESULT = "经核查，该机构查询缺乏书面授权，已责令改正并记录在案。"


def _seed(url: str) -> dict:
    from xinyong.accounts.service import create_user
    from xinyong.db import make_engine, session_scope
    from xinyong.ingest.service import ingest_file

    engine = make_engine(url)
    with session_scope(engine) as session:
        regulator = agency(session)
        rows = penalty_rows(6, regulator.uscc, seed=random.Random(5).randint(1, 99))
        ingest_file(session, data=to_csv(rows), filename="p.csv", source_uscc=regulator.uscc, item_code="penalty")
        for username, display in (("assigner", "科员甲"), ("handler", "承办人乙"), ("other", "科员丙")):
            create_user(session, username=username, password=PW, role="staff", display_name=display)
    engine.dispose()
    return {}


live_app = live_app_fixture(today=TODAY, seed=_seed)


def _signed_in(browser: Browser, base: str, username: str) -> Page:
    return signed_in(browser, base, username, PW)


def test_file_assign_handle_and_read_the_result(live_app):
    base = live_app["base"]
    with chromium() as browser:
        # 1. an anonymous visitor files, with name and contact, from the navigation
        visitor = new_page(browser, base)
        visitor.get_by_role("link", name="投诉举报").first.click()
        expect(visitor.get_by_role("heading", name="投诉举报")).to_be_visible()
        visitor.get_by_label("所涉环节").select_option("query")
        visitor.get_by_label("情况说明").fill(SUMMARY)
        visitor.get_by_label("姓名").fill(NAME)
        visitor.get_by_label("联系方式").fill(CONTACT)
        shot(visitor, "complaints-01-file")
        visitor.get_by_role("button", name="提交").click()
        expect(visitor.get_by_role("heading", name="已收到您的投诉举报")).to_be_visible()
        code = visitor.locator("#tracking-code").inner_text().strip()
        secret = visitor.locator("#tracking-secret").inner_text().strip()
        assert re.fullmatch(r"TS\d{8}-[0-9A-F]{8}", code) and len(secret) == 24
        shot(visitor, "complaints-02-filed")

        # 2. staff assign it to the handler; the assigner does not see who filed
        assigner = _signed_in(browser, base, "assigner")
        assigner.get_by_role("link", name="投诉举报办理").click()
        assigner.locator("#complaints a").first.click()
        expect(assigner.locator("#identity-hidden")).to_be_visible()
        assert NAME not in assigner.content() and CONTACT not in assigner.content()
        assigner.get_by_label("承办人", exact=True).select_option(label="承办人乙 (handler)")
        assigner.get_by_role("button", name="指派").click()
        expect(assigner.get_by_role("status")).to_contain_text("已指派承办人")
        expect(assigner.locator("#complaint-handler")).to_have_text("handler")
        assert NAME not in assigner.content()
        shot(assigner, "complaints-03-assigned")
        detail = assigner.url

        # 3. the handler sees the identity; another staff member does not
        handler = _signed_in(browser, base, "handler")
        handler.goto(detail)
        expect(handler.locator("#identity-name")).to_have_text(NAME)
        expect(handler.locator("#identity-contact")).to_have_text(CONTACT)
        shot(handler, "complaints-04-handler-sees-identity")
        other = _signed_in(browser, base, "other")
        other.goto(detail)
        expect(other.locator("#identity-hidden")).to_be_visible()
        assert NAME not in other.content() and CONTACT not in other.content()
        assert other.get_by_role("button", name="办结").count() == 0
        shot(other, "complaints-05-other-staff-does-not")

        # 4. the handler answers
        handler.get_by_label("处理结论", exact=True).select_option("substantiated")
        handler.get_by_label("处理情况", exact=True).fill("调取查询日志，核实该机构无书面授权。")
        handler.get_by_label("处理结果", exact=True).fill(RESULT)
        handler.get_by_role("button", name="办结").click()
        expect(handler.get_by_role("status")).to_contain_text("已办结")
        shot(handler, "complaints-06-handled")

        # 5. the visitor reads the result with the tracking code and secret (a wrong secret: nothing)
        visitor.goto(base + "/complaints/track")
        visitor.get_by_label("编号").fill(code)
        visitor.get_by_label("查询密码").fill("0" * 24)
        visitor.get_by_role("button", name="查询").click()
        expect(visitor.get_by_role("alert")).to_contain_text("编号或查询密码不正确")
        visitor.get_by_label("查询密码").fill(secret)
        visitor.get_by_role("button", name="查询").click()
        expect(visitor.locator(".complaint-result")).to_have_text(RESULT)
        expect(visitor.locator(".complaint-outcome")).to_have_text("情况属实")
        shot(visitor, "complaints-07-result-read-with-code")

        # 6. the dashboard renders its charts as inline SVG (nothing fetched from elsewhere)
        requests: list[str] = []
        assigner.on("request", lambda r: requests.append(r.url))
        assigner.get_by_role("link", name="统计看板").click()
        expect(assigner.get_by_role("heading", name="信用信息统计看板")).to_be_visible()
        expect(assigner.locator("svg#chart-agency")).to_be_visible()
        expect(assigner.locator("svg#chart-deadlines")).to_be_visible()
        assert assigner.locator("svg.chart").count() == 5
        assert assigner.locator("#table-volumes tbody tr").count() == 1
        assert all(u.startswith(base) for u in requests), requests
        shot(assigner, "dashboards-01-overview")
