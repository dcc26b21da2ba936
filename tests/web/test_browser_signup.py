"""A new enterprise user as a person would meet the platform, in headless Chromium (issue 13
point 5): signs up from the header, proves the company's identity at the (real, loopback) OpenID
Connect provider, lands back signed in as the company, and sees its own profile; before the proof
the profile is refused. Screenshots go to test-artifacts/screenshots/signup-*.png."""
from __future__ import annotations

import random

import pytest
from playwright.sync_api import expect

from tests.accounts.oidc_support import CALLBACK, configure, running_provider
from tests.support.builders import agency, penalty_rows, to_csv
from tests.web.browser_support import chromium, live_app_fixture, new_page, shot

pytestmark = pytest.mark.browser
PW = "Signup-browser-2026"


def _seed(url: str) -> dict[str, str]:
    from xinyong.db import make_engine, session_scope
    from xinyong.ingest.service import ingest_file
    with session_scope(make_engine(url)) as session:
        body = agency(session)
        rows = penalty_rows(1, body.uscc, seed=random.Random(13).randint(1, 10**6))
        ingest_file(session, data=to_csv(rows), filename="p.csv", source_uscc=body.uscc, item_code="penalty")
    return {"uscc": rows[0]["行政相对人代码_1(统一社会信用代码)"], "name": rows[0]["行政相对人名称"]}


live_app = live_app_fixture(today="2026-06-01", seed=_seed)


def test_an_enterprise_signs_up_and_proves_who_it_is(live_app, monkeypatch):
    base = live_app["base"]
    with running_provider(base + CALLBACK) as provider, chromium() as browser:
        configure(monkeypatch, provider.issuer, base)
        page = new_page(browser, base)
        violations = []
        page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
        page.get_by_role("link", name="注册").click()
        page.get_by_label("用户名").fill("qiye-new")
        page.get_by_label("显示名称").fill("新企业经办人")
        page.get_by_label("电子邮箱").fill("qiye-new@example.test")
        page.get_by_label("密码", exact=True).fill(PW)
        page.get_by_label("再次输入密码").fill(PW)
        shot(page, "signup-1-form")
        page.get_by_role("button", name="注册").click()
        expect(page.get_by_role("heading", name="身份核验")).to_be_visible()
        shot(page, "signup-2-identity")
        assert page.goto(base + "/me/profile").status == 403  # nothing non-public before the proof
        page.goto(base + "/account/identity")
        page.get_by_role("button", name="前往身份认证服务").click()
        page.locator("input[name=login]").fill("uscc:" + live_app["uscc"])
        page.locator("input[name=password]").fill("any-password")
        page.locator("button[type=submit], input[type=submit]").first.click()
        page.wait_for_url(base + "/")
        shot(page, "signup-3-home-signed-in")
        page.goto(base + "/me/profile")
        expect(page.get_by_text(live_app["name"]).first).to_be_visible()
        shot(page, "signup-4-own-profile")
        assert violations == []
