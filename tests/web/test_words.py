"""Issue #13 point 3: Chinese pages speak Chinese, English pages speak English.

On the demo city, as the public and as one demo account of every role, in zh and in en, this
reads every GET page of the app's route table (those with path parameters through the links the
pages show), every PDF a page links to (decision documents) and every kind of credit report in
each language it is issued in (zh and en: an English report is read as English, so Chinese
interface words in it fail; recorded data stays as recorded), and fails on a citation in machine form, an internal code, or the other language's script (rules in
words_check.py). Each finding names the page (role, language, URL) and the string, so a new page
that speaks the wrong language is fixed where it is named. Any GET page route never reached by
the crawl fails too (teach START_PAGES a way to it).

Decision documents (文书, xinyong/documents/) are read as Chinese only: they are legal instruments
whose Chinese text is authoritative, so they are issued in Chinese alone."""
from __future__ import annotations

import os
import subprocess
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import JSON, String, Text, select

from tests.support.web import page_login
from tests.web.words_check import Data, findings, page_text
from xinyong.app import create_app
from xinyong.config import reset_settings
from xinyong.db import session_scope
from xinyong.demo import DEMO_PASSWORD, run_demo
from xinyong.kit.access import iter_routes
from xinyong.models import Document, User
from xinyong.models.base import Base
from xinyong.web.wording import known_codes

TODAY = "2026-11-23"
KNOWN = Path(__file__).with_name("words_known.txt")   # findings not fixed yet (issue #13 point 3)
KNOWN_HEAD = ("# Findings of tests/web/test_words.py not fixed yet: language, page, what, string. Fix one, then\n"
              "# delete its line (or rerun with WORDS_WRITE_KNOWN=1 to rewrite the list). A new page adds no line here.\n")
LINK = re.compile(r'href="(/[^"#]*)"')
SKIP = ("/static/", "/lang/", "/logout", "/api/", "/openapi", "/docs", "/redoc", "/login")
PER_TEMPLATE = 2          # pages read per route template, per role and language
NOT_DATA_COLUMNS = re.compile(r"(_zh|_en|citation|reason|message|title|kind|status|state|role|code|details)$")


@pytest.fixture
def demo(migrated, monkeypatch):
    """The demo city on SQLite (the words do not depend on the backend)."""
    from tests.conftest import _empty
    from xinyong.db import make_engine
    url = migrated("sqlite")
    monkeypatch.setenv("XINYONG_DATABASE_URL", url)
    monkeypatch.setenv("XINYONG_TODAY", TODAY)
    for limit in ("ANON", "USER", "LOGIN"):   # one client reading a lot
        monkeypatch.setenv(f"XINYONG_RATE_{limit}_PER_MINUTE", "0")
    reset_settings()
    engine = make_engine(url)
    _empty(engine)
    report = run_demo(subjects=24, seed=7)
    yield report
    engine.dispose()
    reset_settings()


def _data(codes: set[str]) -> Data:
    values: list[str] = []
    with session_scope() as s:
        for table in Base.metadata.sorted_tables:
            cols = [c for c in table.columns if isinstance(c.type, (String, Text, JSON))
                    and not NOT_DATA_COLUMNS.search(c.name)]
            for col in cols:
                query = select(col).where(col.is_not(None))
                # DISTINCT but over JSON: PostgreSQL's json (records.fields) has no equality operator
                for v in s.execute(query if isinstance(col.type, JSON) else query.distinct()).scalars():
                    values += _strings(v)
        names = list(s.scalars(select(User.username)))
    return Data(values, codes, names)


def _strings(v) -> list[str]:
    if isinstance(v, str):
        return [v]
    if isinstance(v, dict):
        return [s for x in v.values() for s in _strings(x)]
    if isinstance(v, list):
        return [s for x in v for s in _strings(x)]
    return []


def _page_routes() -> list[APIRoute]:
    return [r for r in iter_routes(create_app().routes) if isinstance(r, APIRoute) and "GET" in r.methods
            and not r.path.startswith(SKIP) and r.path not in ("/login", "/logout")]


def _pages_no_link_reaches() -> list[str]:
    """Pages the demo's pages do not link yet (issue #13 point 2 links them): read by their ids."""
    from xinyong.evaluation import service as evaluation
    from xinyong.models import Record
    from xinyong.models.complaint import Complaint
    from xinyong.models.repair import RepairApplication, RepairMaterial
    with session_scope() as s:
        subject = s.scalar(select(Record.subject_id).where(Record.item_code == "penalty").order_by(Record.id))
        app = s.scalar(select(RepairApplication.id).order_by(RepairApplication.id))
        material = s.execute(select(RepairMaterial.application_id, RepairMaterial.id).order_by(RepairMaterial.id)).first()
        complaint = s.scalar(select(Complaint.id).order_by(Complaint.id))
    indicator = evaluation.model_in_force().model.indicators[0].code
    paths = [f"/evaluation/subjects/{subject}", f"/evaluation/subjects/{subject}/contributions/{indicator}",
             f"/reports/public/{subject}", "/reports/certificate", f"/repair/{app}",
             f"/complaints/{complaint}/identity-views", _mailed_reset_link()]
    return paths + ([f"/repair/{material[0]}/materials/{material[1]}"] if material else [])


def _mailed_reset_link() -> str:
    """The one-time password-reset page, as the link a mail carries (a real, unused link)."""
    from xinyong.accounts import resets
    from xinyong.history import change_context
    from xinyong.kit.access import ANONYMOUS
    from xinyong.models import User
    with session_scope() as s:
        user = s.scalar(select(User).where(User.role == "subject").order_by(User.id))
        change_context(s, user_id=None, reason="the words test reads the reset page")
        user.email = user.email or "words-test@example.invalid"
        link = resets.issue(s, user, ANONYMOUS).link
    return link[link.index(resets.RESET_PATH):]


def _template_of(routes: list[APIRoute], path: str) -> str | None:
    for r in routes:
        if r.path_regex.match(path):
            return r.path
    return None


class Crawl:
    def __init__(self, web: TestClient, data: Data, codes: set[str]) -> None:
        self.web, self.data, self.codes = web, data, codes
        self.routes = _page_routes()
        self.found: list[Finding] = []
        self.reached: set[str] = set()
        self.extra = _pages_no_link_reaches()

    def run(self, who: str, lang: str) -> None:
        per_template: Counter = Counter()
        queue = [r.path for r in self.routes if "{" not in r.path] + self.extra
        seen: set[str] = set()
        while queue:
            path = queue.pop(0)
            if path in seen:
                continue
            seen.add(path)
            template = _template_of(self.routes, urlsplit(path).path)
            if template is None or per_template[template] >= PER_TEMPLATE:
                continue
            per_template[template] += 1
            url = urlsplit(path)   # params= would replace the path's own query (a link's token)
            resp = self.web.get(url.path, params={**dict(parse_qsl(url.query)), "lang": lang})
            where = Where(who, lang, path, template)
            if resp.status_code >= 500:
                self.found.append(Finding(where, "server error", str(resp.status_code), ""))
                continue
            kind = resp.headers.get("content-type", "")
            if resp.status_code < 300:   # a page, a PDF, or a file (a certificate, a material) with no words to read
                self.reached.add(template)
            if "pdf" in kind:
                self.pdf(where, resp.content)
                continue
            if "html" not in kind:
                continue
            self.html(where, resp.text, lang)
            queue += [link for link in LINK.findall(resp.text.replace("&amp;", "&"))
                      if not link.startswith(SKIP) and link not in seen]

    def html(self, where: Where, html: str, lang: str) -> None:
        text = page_text(html, lang)
        self.found += [Finding(where, *f) for f in findings(text.chunks, text.alone, lang, self.data, self.codes)]

    def pdf(self, where: Where, content: bytes, lang: str = "zh") -> None:
        """A PDF read in the language it was issued in (documents: Chinese; reports: zh or en)."""
        # poppler, as a reader's viewer would (pypdf mis-maps some glyphs of subset CID fonts)
        text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=content, capture_output=True,
                              check=True).stdout.decode("utf-8").replace("\x00", "")
        where = Where(where.who, lang, where.path, where.template + " (PDF)")
        self.found += [Finding(where, *f) for f in findings(text.splitlines(), [], lang, self.data, self.codes)]


@dataclass(frozen=True)
class Where:
    who: str
    lang: str
    path: str
    template: str


@dataclass(frozen=True)
class Finding:
    where: Where
    kind: str
    text: str
    context: str

    @property
    def key(self) -> str:
        """One line of words_known.txt: language, page (route template), what, the string."""
        return f"{self.where.lang} {self.where.template} | {self.kind} | {self.text}"


def _known() -> set[str]:
    lines = KNOWN.read_text(encoding="utf-8").splitlines() if KNOWN.exists() else []
    return {line for line in lines if line.strip() and not line.startswith("#")}


def _accounts(demo) -> dict[str, str]:
    """One demo account per role (the first the demo lists)."""
    first: dict[str, str] = {}
    for a in demo.accounts:
        first.setdefault(a.role, a.username)
    return first


def test_every_page_and_pdf_speaks_the_language_of_its_reader(demo):
    codes = known_codes()
    data = _data(codes)
    accounts = _accounts(demo)
    assert {"admin", "staff", "agency", "subject", "auditor"} <= set(accounts), accounts
    with TestClient(create_app(), base_url="http://testserver") as web:
        crawl = Crawl(web, data, codes)
        for lang in ("zh", "en"):
            web.cookies.clear()
            crawl.run("public", lang)
            for role, username in sorted(accounts.items()):
                page_login(web, username, DEMO_PASSWORD)
                crawl.run(f"{role} {username}", lang)
        _reports(web, crawl, accounts)
        _documents(web, crawl, accounts)
    crawl.found += [Finding(Where("anyone", "zh", path, path), "page never reached by the crawl (link it)", path, "")
                    for path in sorted({r.path for r in crawl.routes} - crawl.reached)]
    if os.environ.get("WORDS_WRITE_KNOWN"):   # only to shrink the list after fixes: never to add to it
        KNOWN.write_text(KNOWN_HEAD + "".join(sorted({f.key + "\n" for f in crawl.found})), encoding="utf-8")
    new = [f for f in crawl.found if f.key not in _known()]
    assert not new, (f"{len(new)} strings in the wrong words (page: what 'string' in context; read as whom):\n"
                     + "\n".join(_grouped(new)))


def _reports(web: TestClient, crawl: Crawl, accounts: dict[str, str]) -> None:
    """Every kind of credit report (full, public, special) as its subject obtains it from the
    Chinese and from the English pages (the form's language defaults to the page's)."""
    page_login(web, accounts["subject"], DEMO_PASSWORD)
    for lang in ("zh", "en"):
        web.cookies.set("lang", lang)
        page = web.get("/me/reports").text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        field = re.search(r'name="field".*?<option value="([^"]+)"', page, re.S).group(1)
        chosen = re.search(r'name="lang".*?<option value="([^"]+)" selected', page, re.S).group(1)
        assert chosen == lang, (lang, chosen)
        for kind in ("full", "public", "special"):
            form = {"csrf_token": csrf, "kind": kind, "field": field, "date_from": "2024-01-01", "date_to": TODAY,
                    "lang": chosen}
            r = web.post("/me/reports", data=form, follow_redirects=False)
            assert r.status_code == 303, (kind, re.findall(r'class="(?:error|form-error)[^>]*>(.*?)</', r.text, re.S))
            report_id = r.headers["location"].split("issued=")[1]
            resp = web.get(f"/reports/issued/{report_id}/pdf")
            assert "pdf" in resp.headers.get("content-type", ""), (kind, resp.status_code)
            crawl.pdf(Where("subject", lang, f"/reports/issued/{report_id}/pdf", f"credit report {kind}"), resp.content,
                      lang)
    web.cookies.set("lang", "zh")


def _documents(web: TestClient, crawl: Crawl, accounts: dict[str, str]) -> None:
    """One decision document of every kind the demo issued, read by the credit department."""
    page_login(web, accounts["staff"], DEMO_PASSWORD)
    with session_scope() as s:
        first = dict(s.execute(select(Document.kind, Document.id).order_by(Document.id.desc())).all())
    assert first, "the demo issued no decision document"
    for kind, doc_id in sorted(first.items()):
        resp = web.get(f"/documents/{doc_id}")
        assert "pdf" in resp.headers.get("content-type", ""), (kind, resp.status_code)
        crawl.pdf(Where("staff", "zh", f"/documents/{doc_id}", f"decision document {kind}"), resp.content)


def _grouped(found: list[Finding]) -> list[str]:
    """One line per page and string, with its context and who read it (at most 3 named)."""
    by_key: dict[str, list[Finding]] = defaultdict(list)
    for f in found:
        by_key[f.key].append(f)
    return [f"{key}\n    e.g. {fs[0].context} at GET {fs[0].where.path} as "
            + ", ".join(sorted({x.where.who for x in fs})[:3]) for key, fs in sorted(by_key.items())]
