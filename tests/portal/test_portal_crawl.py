"""Issue #13 point 2: every public page is reachable from the home page. As the public (no
sign-in), the test follows the same-site links of every page it reads, from `/`, by GET, and
checks that every anonymous GET page route of the app's route table (a new one is covered by
itself) is reached: visited, or offered as a link (files, and the language switch, which
would change the rest of the crawl's language)."""
from __future__ import annotations

import datetime as dt
import random
import re
from urllib.parse import urldefrag, urlsplit

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from tests.bulletins.support import PDF
from tests.portal.support import portal_world
from xinyong.app import create_app
from xinyong.bulletins import service as bulletins
from xinyong.config import reset_settings
from xinyong.credit_services import service as credit_services
from xinyong.evaluation import service as evaluation
from xinyong.kit.access import declared_roles, iter_routes
from xinyong.synthetic import make_uscc

LINK = re.compile(r'href="(/[^"]*)"')
NOT_FOLLOWED = ("/static/", "/lang/", "/logout")
MAX_PAGES = 400
PER_ROUTE = 12   # pages read per route (years of the calendar, subjects ...): enough to find their links
# public GET routes no page can link to, each with why
UNLINKABLE = {"/verify/{code}": "a report's own verification address, printed in its PDF and QR code",
              "/account/reset/confirm": "the one-time password-reset link, sent only by mail to the account's address"}


@pytest.fixture
def web(session, today, monkeypatch):
    monkeypatch.setenv("XINYONG_RATE_ANON_PER_MINUTE", "0")   # one client reading every page
    # reports carry the SM2 seal too, so /verify links its public key (/reports/certificate-sm2)
    monkeypatch.setenv("XINYONG_SEAL_ALGORITHMS", "pades,sm2")
    reset_settings()
    pw = portal_world(session, today)
    from xinyong.accounts.service import create_user, principal_of
    staff = principal_of(create_user(session, username="editor", password="editor-pass-123", role="staff"), "cli")
    b = bulletins.create(session, staff, {"category": "notice", "title": "关于信用修复集中服务的通知", "body": "正文",
                                          "published_on": dt.date(2026, 6, 1)}, [bulletins.Upload("安排.pdf", PDF)])
    bulletins.publish(session, staff, b.id)
    # one credit service agency on the public register, so its entry page has a link to it
    credit_services.register(session, staff, {
        "uscc": make_uscc(random.Random(4042), kind="91"), "name": "泉州诚信评估有限公司", "filing_no": "QZXY-2026-001",
        "filed_on": dt.date(2026, 3, 2), "business_scope": "企业信用评价、信用报告", "contact": "王经理 0595-22223333"})
    session.commit()
    evaluation.recompute_full(session)
    session.commit()
    with TestClient(create_app(), base_url="http://testserver") as client:
        yield client, pw


def _public_pages() -> dict[str, APIRoute]:
    return {r.path: r for r in iter_routes(create_app().routes) if isinstance(r, APIRoute) and "GET" in r.methods
            and "public" in set(declared_roles(r.dependant) or ()) and not r.path.startswith("/api/")}


def _route_of(path: str, routes: dict[str, APIRoute]) -> str | None:
    for template, route in routes.items():
        if route.path_regex.match(path):
            return template
    return None


def _crawl(client: TestClient, routes: dict[str, APIRoute]) -> tuple[set[str], set[str]]:
    """(paths visited, paths linked) from `/`."""
    queue, visited, linked, per_route = ["/"], set(), set(), {}
    while queue and len(visited) < MAX_PAGES:
        url = queue.pop(0)
        route = _route_of(urlsplit(url).path, routes)
        if url in visited or per_route.get(route, 0) >= PER_ROUTE:
            continue
        visited.add(url)
        per_route[route] = per_route.get(route, 0) + 1
        resp = client.get(url, follow_redirects=False)
        assert resp.status_code < 400 or resp.status_code == 404 and url.count("/") > 1, (url, resp.status_code)
        location = resp.headers.get("location", "")
        if resp.is_redirect and location.startswith("/") and not location.startswith("/login"):
            queue.append(location)   # e.g. /calendar -> this year's page
        if "html" not in resp.headers.get("content-type", ""):
            continue
        for href in LINK.findall(resp.text):
            href = urldefrag(href.replace("&amp;", "&"))[0]
            linked.add(urlsplit(href).path)
            if not href.startswith(NOT_FOLLOWED) and href not in visited:
                queue.append(href)
    return {urlsplit(u).path for u in visited}, linked


def test_every_public_page_is_reached_from_home(web):
    client, pw = web
    routes = _public_pages()
    assert {"/", "/publicity", "/notices", "/policies", "/calendar", "/subjects/{subject_id}",
            "/evaluation/subjects/{subject_id}", "/reports/public/{subject_id}"} <= set(routes)
    visited, linked = _crawl(client, routes)
    reached = {_route_of(p, routes) for p in visited | linked} - {None}
    missing = set(routes) - reached - set(UNLINKABLE)
    assert missing == set(), f"public pages no link leads to: {sorted(missing)}"
    # the grade, the public report and the calendar are reached by following links, not only by URL
    assert {f"/evaluation/subjects/{pw.subject_id}", f"/reports/public/{pw.subject_id}", "/calendar"} <= visited
