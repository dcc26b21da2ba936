"""Shared machinery of the browser tests: the real app under uvicorn on a free loopback port
against a migrated temporary SQLite database (with the platform's clock fixed), Debian's
Chromium driven by Playwright, and full-page screenshots in test-artifacts/screenshots/.

    live_app = live_app_fixture(today="2026-07-01", seed=_seed)   # in a test module

`seed(url)` runs before the server starts, writes its data directly with the services and
returns a dict merged into the fixture's value (next to "base", the app's URL)."""
from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from xinyong.devtools.ports import free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@contextlib.contextmanager
def running_app(tmp_path: Path, monkeypatch, today: str, seed: Callable[[str], dict] | None = None):
    """The real app under uvicorn on a free local port, against a migrated SQLite file, with
    XINYONG_TODAY fixed; yields {"base": url, **seed(url)}."""
    import uvicorn

    from xinyong.app import create_app
    from xinyong.config import reset_settings
    from xinyong.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'browser.db'}"
    upgrade(url)
    monkeypatch.setenv("XINYONG_DATABASE_URL", url)
    monkeypatch.setenv("XINYONG_TODAY", today)
    reset_settings()
    seeded = seed(url) if seed else {}
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield {"base": f"http://127.0.0.1:{port}", **seeded}
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        reset_settings()


def live_app_fixture(*, today: str, seed: Callable[[str], dict] | None = None, name: str = "live_app",
                     scope: str = "function", env: dict[str, str] | None = None):
    """A fixture `name` running the app as of `today` on the data `seed` writes, with the
    settings `env` (XINYONG_...) besides; scope="module" shares one server (and one database)
    between the tests of a module."""
    if scope == "function":
        @pytest.fixture(name=name)
        def _live_app(tmp_path, monkeypatch):
            for key, value in (env or {}).items():
                monkeypatch.setenv(key, value)
            with running_app(tmp_path, monkeypatch, today, seed) as app:
                yield app
        return _live_app

    @pytest.fixture(name=name, scope=scope)
    def _shared_app(tmp_path_factory):
        tmp_path = tmp_path_factory.mktemp(name)
        with pytest.MonkeyPatch.context() as monkeypatch:
            monkeypatch.setenv("XINYONG_TRANSPARENCY_ARCHIVE", str(tmp_path / "transparency-archive"))
            for key, value in (env or {}).items():
                monkeypatch.setenv(key, value)
            with running_app(tmp_path, monkeypatch, today, seed) as app:
                yield app
    return _shared_app


@contextlib.contextmanager
def chromium(accept_dialogs: bool = True):
    """Debian's Chromium, driven by Playwright. Missing, it fails the test: never a silent skip.
    Irreversible steps ask for confirmation (/static/confirm.js); a person going through a flow
    says yes, so every page accepts the question unless ``accept_dialogs`` is False (a test of
    the question itself then answers it)."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium; the setup "
                    f"script does this) to run the browser tests", pytrace=False)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        if accept_dialogs:
            _accept_dialogs(browser)
        try:
            yield browser
        finally:
            browser.close()


def _accept_dialogs(browser) -> None:
    new_context, new_page = browser.new_context, browser.new_page

    def accepting_context(*args, **kwargs):
        context = new_context(*args, **kwargs)
        context.on("dialog", lambda dialog: dialog.accept())
        return context

    def accepting_page(*args, **kwargs):
        page = new_page(*args, **kwargs)
        page.on("dialog", lambda dialog: dialog.accept())
        return page

    browser.new_context, browser.new_page = accepting_context, accepting_page


def shot(page, name: str) -> None:
    """A full-page screenshot test-artifacts/screenshots/<name>.png."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def new_page(browser, base: str):
    """A fresh browser context (zh-CN, 1280×900) on the portal's home page."""
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    page.set_default_timeout(15_000)
    page.goto(base + "/")
    return page


def signed_in(browser, base: str, username: str, password: str):
    """A new page signed in through the login form, as a user would."""
    from playwright.sync_api import expect
    page = new_page(browser, base)
    page.get_by_role("link", name="登录").click()
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("button", name="退出")).to_be_visible()
    return page


# ---- what Chromium reports against the site's content security policy ---------------------------------

# runs before any page script (and is not itself subject to the page's CSP): every violation the
# document reports, e.g. an inline style attribute refused by style-src 'self'
_CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e => window.__cspViolations.push(
  `${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile || location.href}:${e.lineNumber}`));
"""


class CspWatch:
    """Collects CSP violations of every page of a browser context: the `securitypolicyviolation`
    events of each document and Chromium's console errors about the policy."""

    def __init__(self, context):
        self.console: list[str] = []
        context.add_init_script(_CSP_LISTENER)
        context.on("console", self._on_console)

    def _on_console(self, message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            where = message.location or {}
            self.console.append(f"console: {message.text.split('. ')[0]} at {where.get('url')}:{where.get('lineNumber')}")

    def take(self, page) -> list[str]:
        """The violations reported since the last call (the page's events and the console)."""
        found = [*self.console, *page.evaluate("() => window.__cspViolations || []")]
        self.console.clear()
        page.evaluate("() => { window.__cspViolations = []; }")
        return found


# ---- axe-core (installed by scripts/setup.sh test from tests/web/axe/package-lock.json) --------------

AXE_JS = Path(__file__).resolve().parents[2] / "var" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")


def _axe_source() -> str:
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: run scripts/setup.sh test (it installs axe-core from the npm registry, "
                    f"pinned by tests/web/axe/package-lock.json)", pytrace=False)
    return AXE_JS.read_text(encoding="utf-8")


def axe_violations(page, impacts: tuple[str, ...] = SERIOUS) -> list[str]:
    """axe-core's violations of `impacts` on the page as it is now, one line each (rule, impact,
    what it asks, the first elements). Injected with evaluate, which the page's CSP does not govern."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source() + "\n;0")
    found = page.evaluate("""async impacts => {
      const r = await axe.run(document, {resultTypes: ['violations']});
      return r.violations.filter(v => impacts.includes(v.impact)).map(v =>
        `${v.id} (${v.impact}): ${v.help} -- ` + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
    }""", list(impacts))
    return list(found)

