"""Every demo account (issue 13 point 7) exists, is listed in the README's demo section, signs in
and sees its own page; the bank, the court and the association have something to see there —
on SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.support.web import page_login
from xinyong.db import session_scope
from xinyong.demo import DEMO_PASSWORD, run_demo
from xinyong.demo.roles import COURT_BASIS, COURT_NOTICE
from xinyong.models import Authorisation, Record, Subject, User

README = Path(__file__).resolve().parents[1] / "README.md"
TODAY = dt.date(2026, 11, 23)
# the page each role works from (a role's own area, not a public page)
HOME = {"admin": "/admin/agencies", "staff": "/batches", "agency": "/batches", "auditor": "/audit",
        "subject": "/me/profile", "supervisor": "/complaints", "financial": "/agency/query",
        "judicial": "/agency/query", "association": "/feed", "credit_service": "/feed"}


@pytest.fixture
def demo(db, today, monkeypatch):
    today(TODAY.isoformat())
    report = run_demo(subjects=30, seed=7)
    from xinyong.app import create_app
    from xinyong.config import reset_settings
    monkeypatch.setenv("XINYONG_RATE_LOGIN_PER_MINUTE", "0")   # one browser signs in as every account
    reset_settings()
    with TestClient(create_app(), base_url="http://testserver") as client:
        yield report, client
    reset_settings()


def readme_accounts() -> set[str]:
    """The account names in the README's demo table (``agency-scjg``, ``-sthj`` … spelled out)."""
    section = README.read_text(encoding="utf-8").split("## Demo accounts", 1)[1].split("\n## ", 1)[0]
    names = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            first = line.split("|")[1]
            cells = re.findall(r"`([^`]+)`", first)
            names |= {cells[0]} | {f"agency{c}" for c in cells[1:] if c.startswith("-")}
    return names


def test_every_demo_account_is_in_the_readme_signs_in_and_sees_its_page(demo):
    report, client = demo
    made = {a.username: a.role for a in report.accounts}
    assert {"bank-demo", "court-demo", "association-demo", "credit-demo"} <= set(made)
    assert readme_accounts() == set(made)
    for username, role in sorted(made.items()):
        page_login(client, username, DEMO_PASSWORD)
        page = client.get(HOME[role], follow_redirects=False)
        assert page.status_code == 200, (username, HOME[role], page.status_code)


def _query(client, subject: str, basis: str, basis_id: str, reference: str = "", purpose: str = "演示查询"):
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/agency/query").text).group(1)
    return client.post("/agency/query", data={"csrf_token": csrf, "subject": subject, "items": ["penalty", "licence"],
                                              "purpose": purpose, "basis": basis, "basis_id": basis_id,
                                              "reference": reference})


def test_the_bank_reads_what_the_authorisation_covers_and_the_court_on_its_legal_basis(demo):
    _, client = demo
    with session_scope() as s:
        bank = s.scalar(select(User).where(User.username == "bank-demo"))
        firm = s.scalar(select(User).where(User.username == "firm-demo"))
        auth = s.scalar(select(Authorisation).where(Authorisation.grantee_org_id == bank.agency_id))
        assert auth.subject_id == firm.subject_id
        purpose = auth.purpose
        hidden = s.scalars(select(Record.decision_no).where(Record.subject_id == firm.subject_id,
                                                           Record.item_code == "penalty",
                                                           Record.publicity_end <= TODAY)).all()
        uscc = s.get(Subject, firm.subject_id).uscc
        listed = s.scalar(select(User).where(User.username == "list-demo"))
        listed_uscc = s.get(Subject, listed.subject_id).uscc
    assert hidden
    page_login(client, "bank-demo", DEMO_PASSWORD)
    read = _query(client, uscc, "authorisation", str(auth.id), purpose=purpose)
    assert read.status_code == 200 and all(no in read.text for no in hidden)
    page_login(client, "firm-demo", DEMO_PASSWORD)
    assert "泉州示范商业银行" in client.get("/me/access-log").text      # the demo's own query, and this one
    page_login(client, "court-demo", DEMO_PASSWORD)
    assert _query(client, listed_uscc, "legal_basis", COURT_BASIS, COURT_NOTICE).status_code == 200
    page_login(client, "association-demo", DEMO_PASSWORD)
    assert client.get("/feed").status_code == 200


def test_the_demo_writes_an_example_batch_per_item_that_uploads_cleanly(demo):
    from xinyong.catalogue import get_catalogue
    from xinyong.demo.examples import SENDER, folder
    from xinyong.ingest.service import ingest_file
    from xinyong.models import Agency

    files = sorted(p.name for p in folder().iterdir())
    assert files == sorted(f"{i.code}-example.{fmt}" for i in get_catalogue().ingestible if i.source == "public"
                           for fmt in ("csv", "xlsx"))
    with session_scope() as s:
        regulator = s.get(Agency, s.scalar(select(User.agency_id).where(User.username == SENDER)))
        for name in files:
            out = ingest_file(s, data=(folder() / name).read_bytes(), filename=name, source_uscc=regulator.uscc,
                              item_code=name.split("-example")[0])
            assert (out.status, out.total_rows, out.accepted, out.rejected) == ("completed", 3, 3, 0), name
