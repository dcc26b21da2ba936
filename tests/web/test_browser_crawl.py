"""Issue #13, "done when" (points 1 and 9): the public and every demo role, signed in through the
login form as a person would, crawl in Chromium every page they are shown and every same-site
link on those pages (GET only; no form is submitted). A link that answers 400 or more, or that
sends a signed-in user back to the login form, fails; so does any violation of the site's own
content security policy that Chromium reports, and any serious or critical axe-core finding,
at 1366 and at 390 pixels wide, in Chinese and in English.

Bounded so that it runs in minutes: one server and one browser for the module, and per role one
rendered page per route template (every distinct link is still requested). The role's pages are
checked in full at the first viewport; at the three others each route template is checked once
over all roles (the role's home page always), since the page body of one template is the same
markup for every role and the header is covered on each home page. Screenshots of each role's
home and of each public page are kept in test-artifacts/screenshots/crawl-*.png."""
from __future__ import annotations

import functools
import re
import tempfile
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import httpx
import pytest

from tests.web.browser_support import SHOTS, CspWatch, axe_violations, chromium, live_app_fixture, shot

pytestmark = pytest.mark.browser

TODAY = "2026-11-23"
VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
LANGS = ("zh", "en")
FIRST = ("zh", "desktop")
# the crawl exercises pages, not the rate limits (tests/kit/test_route_ratelimits.py does)
# (the report font, ~20 s to build, is cached across runs as the report tests do)
SETTINGS = {"XINYONG_RATE_ANON_PER_MINUTE": "0", "XINYONG_RATE_USER_PER_MINUTE": "0",
            "XINYONG_RATE_LOGIN_PER_MINUTE": "0",
            "XINYONG_FONT_CACHE_DIR": str(Path(tempfile.gettempdir()) / "xinyong-test-font-cache")}


def _seed(url: str) -> dict:
    """The demo city, as `xinyong demo` loads it (small), and one account per role: the demo's
    first account of the role, or (for a role the demo has no account of) one made here."""
    from argon2 import PasswordHasher

    from xinyong.accounts import service
    from xinyong.demo import DEMO_PASSWORD, run_demo

    hasher = service._hasher
    service._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # sign-in still verifies
    try:
        report = run_demo(subjects=30, seed=7)
        accounts: dict[str, str] = {}
        for account in report.accounts:
            accounts.setdefault(account.role, account.username)
        accounts.update(_missing_roles(url, set(accounts), DEMO_PASSWORD))
    finally:
        service._hasher = hasher
    return {"accounts": accounts, "password": DEMO_PASSWORD}


def _missing_roles(url: str, present: set[str], password: str) -> dict[str, str]:
    import random

    from xinyong.accounts.service import create_user
    from xinyong.agencies.service import register
    from xinyong.db import make_engine, session_scope
    from xinyong.models.account import ROLE_ORG_KINDS, ROLES
    from xinyong.synthetic import make_uscc

    made, rng, engine = {}, random.Random(13), make_engine(url)
    with session_scope(engine) as session:
        for role in (r for r in ROLES if r not in present):
            link = {}
            if role in ROLE_ORG_KINDS:
                org = register(session, uscc=make_uscc(rng, kind="11"), name=f"{role} 演示机构",
                               kind=ROLE_ORG_KINDS[role][0])
                link = {"agency_uscc": org.uscc}
            create_user(session, username=f"crawl-{role}", password=password, role=role,
                        display_name=f"{role} 演示账户", **link)
            made[role] = f"crawl-{role}"
    engine.dispose()
    return made


live_app = live_app_fixture(today=TODAY, seed=_seed, scope="module", env=SETTINGS)
# (lang, viewport, route template) checked by some role already: see the module's docstring
COVERED: set[tuple[str, str, str]] = set()


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@functools.cache
def _page_routes() -> tuple[tuple[re.Pattern, str], ...]:
    from fastapi.routing import APIRoute

    from xinyong.app import create_app
    from xinyong.kit.access import iter_routes
    return tuple((r.path_regex, r.path) for r in iter_routes(create_app().routes)
                 if isinstance(r, APIRoute) and "GET" in r.methods)


def route_of(path: str) -> str:
    """The route template a path is served by (e.g. /subjects/{subject_id}), or the path itself."""
    return next((template for regex, template in _page_routes() if regex.match(path)), path)


@dataclass
class Crawl:
    base: str
    role: str
    page: object
    csp: CspWatch
    problems: list[tuple[str, str]] = field(default_factory=list)   # (what, where)
    pages: dict[str, str] = field(default_factory=dict)        # route template -> the URL rendered for it
    answers: dict[str, str | None] = field(default_factory=dict)   # URL -> content type when it opened

    def opens(self, url: str, source: str) -> str | None:
        """Request a link as this user (same cookies); its content type, or None when it failed."""
        if url not in self.answers:
            self.answers[url] = self._request(url, source)
        return self.answers[url]

    def _request(self, url: str, source: str) -> str | None:
        if urlsplit(url).path.startswith("/lang/"):   # cookie-less: the switch would change the crawl's language
            response = httpx.get(url, follow_redirects=True, timeout=30)
            status, final = response.status_code, str(response.url)
            kind = response.headers.get("content-type", "")
        else:
            response = self.page.request.get(url, timeout=60_000)
            status, final, kind = response.status, response.url, response.headers.get("content-type", "")
            response.dispose()
        if status >= 400:
            self.problems.append((f"link answered {status}", f"{_short(url)} on {_short(source)}"))
            return None
        if self.role != "public" and urlsplit(final).path == "/login":
            self.problems.append(("link asks to sign in again", f"{_short(url)} on {_short(source)}"))
            return None
        return kind

    def check(self, url: str, lang: str, viewport: str) -> list[str]:
        """Open the page in the browser: CSP violations and serious axe findings; its links."""
        response = self.page.goto(url, wait_until="load")
        where = f"{_short(url)} ({lang}, {viewport})"
        if response is None or response.status >= 400:
            self.problems.append((f"page answered {response.status if response else 'nothing'}", where))
        self.problems += [(f"CSP: {v}", where) for v in self.csp.take(self.page)]
        self.problems += [(f"axe: {v}", where) for v in axe_violations(self.page)]
        hrefs = self.page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
        return sorted({urldefrag(h)[0] for h in hrefs if h.startswith(self.base)})

    def crawl(self, starts: list[str]) -> None:
        """Breadth first from `starts`, one rendered page per route template, every link requested."""
        queue = deque((url, url) for url in starts)
        while queue:
            url, source = queue.popleft()
            template = route_of(urlsplit(url).path)
            if template in self.pages or "text/html" not in (self.opens(url, source) or ""):
                continue
            self.pages[template] = url
            for link in self.check(url, *FIRST):
                path = urlsplit(link).path
                if path == "/logout":
                    continue
                kind = self.opens(link, url)
                if kind and "text/html" in kind and not path.startswith("/lang/"):
                    queue.append((link, url))
            COVERED.add((*FIRST, template))


def _short(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _sign_in(page, base: str, username: str, password: str) -> str:
    """Through the login form, as a person would; the URL the user lands on."""
    page.goto(base + "/login")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_load_state("load")
    assert urlsplit(page.url).path != "/login", f"{username} could not sign in"
    return page.url


def _roles() -> list[str]:
    from xinyong.models.account import ROLES
    return ["public", *ROLES]


@pytest.mark.parametrize("role", _roles())
def test_every_page_and_link_a_role_is_shown(live_app, browser, role):
    base = live_app["base"]
    context = browser.new_context(viewport=VIEWPORTS["desktop"], locale="zh-CN")
    context.set_default_timeout(30_000)
    csp = CspWatch(context)
    page = context.new_page()
    try:
        home = base + "/" if role == "public" else _sign_in(page, base, live_app["accounts"][role],
                                                              live_app["password"])
        crawl = Crawl(base, role, page, csp)
        crawl.crawl(list(dict.fromkeys([home, base + "/"])))
        assert len(crawl.pages) > 1, f"{role}: nothing was crawled from {home}"
        _shots(crawl, home, "desktop")
        for lang in LANGS:
            context.add_cookies([{"name": "lang", "value": lang, "url": base}])
            for viewport in VIEWPORTS:
                if (lang, viewport) == FIRST:
                    continue
                page.set_viewport_size(VIEWPORTS[viewport])
                for template, url in crawl.pages.items():
                    if url == home or (lang, viewport, template) not in COVERED:
                        crawl.check(url, lang, viewport)
                        COVERED.add((lang, viewport, template))
                if (lang, viewport) == ("zh", "phone"):
                    _shots(crawl, home, "phone")
    finally:
        context.close()
    assert not crawl.problems, _report(role, crawl.problems)


def _report(role: str, problems: list[tuple[str, str]]) -> str:
    """Each distinct problem once, with the first pages it was seen on; the whole list is kept
    in test-artifacts/crawl-problems-<role>.txt."""
    by_what: dict[str, list[str]] = {}
    for what, where in problems:
        by_what.setdefault(what, []).append(where)
    SHOTS.parent.mkdir(parents=True, exist_ok=True)
    (SHOTS.parent / f"crawl-problems-{role}.txt").write_text(
        "\n".join(f"{what}\n  " + "\n  ".join(wheres) for what, wheres in by_what.items()) + "\n", encoding="utf-8")
    lines = [f"{role}: {len(by_what)} distinct problem(s) on {len(problems)} occasion(s):"]
    for what, wheres in by_what.items():
        more = f" and {len(wheres) - 4} more" if len(wheres) > 4 else ""
        lines.append(f"- {what}\n    on {', '.join(wheres[:4])}{more}")
    return "\n".join(lines)


def _shots(crawl: Crawl, home: str, viewport: str) -> None:
    """The role's home page; for the public, every page it was shown."""
    targets = crawl.pages.items() if crawl.role == "public" else [("home", home)]
    for template, url in targets:
        crawl.page.goto(url, wait_until="load")
        slug = re.sub(r"[^a-z0-9]+", "-", template.lower()).strip("-") or "home"
        shot(crawl.page, f"crawl-{crawl.role}-{slug}-{viewport}")


@pytest.mark.parametrize("role", ["public", "staff"])
def test_keyboard_focus_is_visible_on_the_red_header(live_app, browser, role):
    """Tabbing through the header, every link and button shows an outline of at least 2 px whose
    colour stands out 3:1 from the red (WCAG 2.4.7, 1.4.11)."""
    base = live_app["base"]
    context = browser.new_context(viewport=VIEWPORTS["desktop"], locale="zh-CN")
    page = context.new_page()
    if role != "public":
        _sign_in(page, base, live_app["accounts"][role], live_app["password"])
    page.goto(base + "/")
    red = page.locator(".site-header").evaluate("e => getComputedStyle(e).backgroundColor")
    stops = page.locator(".site-header a, .site-header button").count()
    seen = []
    for _ in range(stops + 3):
        page.keyboard.press("Tab")
        inside, style, width, colour, name = page.evaluate("""() => { const e = document.activeElement,
            s = getComputedStyle(e); return [!!e.closest('.site-header'), s.outlineStyle, parseFloat(s.outlineWidth),
            s.outlineColor, e.textContent.trim()]; }""")
        if inside:
            seen.append(name)
            assert style not in ("none", "hidden") and width >= 2, (name, style, width)
            assert contrast(colour, red) >= 3, (name, colour, red)
    context.close()
    assert len(seen) >= min(stops, 5), seen


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two CSS rgb()/rgba() colours (alpha ignored)."""
    def luminance(css: str) -> float:
        r, g, b = (int(float(v)) / 255 for v in re.findall(r"[\d.]+", css)[:3])
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_contrast_ratio():
    assert round(contrast("rgb(255, 255, 255)", "rgb(0, 0, 0)"), 1) == 21.0
    assert contrast("rgb(26, 79, 139)", "rgb(184, 40, 30)") < 3 <= contrast("rgb(255, 255, 255)", "rgb(184, 40, 30)")

