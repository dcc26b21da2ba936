"""The query gate's pages through the real app (forms with CSRF), on SQLite and PostgreSQL,
ending with the scenario the feature is done by: refused, authorised on the portal, allowed,
and both attempts in the subject's log."""
from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.access.conftest import PASSWORD
from tests.access.support import csrf_from, login, read
from xinyong.app import create_app


@pytest.fixture
def browser(db):
    """A second browser, for a second person signed in at the same time."""
    def open_one(username: str) -> TestClient:
        c = TestClient(create_app(), base_url="http://testserver")
        c.__enter__()
        opened.append(c)
        login(c, username, PASSWORD)
        return c
    opened: list[TestClient] = []
    yield open_one
    for c in opened:
        c.__exit__(None, None, None)


def _query(c, world, basis_id="", **kw):
    token = csrf_from(c, "/agency/query")
    data = {"subject": world.enterprise_uscc, "items": ["penalty"], "purpose": "信贷审查", "basis": "authorisation",
            "basis_id": str(basis_id), "reference": "", "csrf_token": token, **kw}
    return c.post("/agency/query", data=data)


def test_done_when_refused_then_authorised_on_the_portal_then_allowed_and_both_in_the_log(world, browser):
    bank = browser("bank")
    refused = _query(bank, world)
    assert refused.status_code == 403 and "查询被拒绝" in refused.text and "泉市监罚〔2022〕17号" not in refused.text

    firm = browser("firm")
    token = csrf_from(firm, "/me/authorisations")
    form = {"grantee_uscc": world.orgs["bank"].uscc, "items": ["penalty"], "purpose": "信贷审查",
            "valid_to": "2026-12-31", "document_ref": "", "csrf_token": token,
            "signatory_name": "林代理", "signatory_capacity": "agent"}
    assert firm.post("/me/authorisations", data={**form, "csrf_token": "forged"}).status_code == 403
    unsigned = firm.post("/me/authorisations", data={**form, "signatory_name": ""})
    assert unsigned.status_code == 422 and "签署书面授权的人" in unsigned.text
    no_poa = firm.post("/me/authorisations", data=form)
    assert no_poa.status_code == 422 and "授权委托书" in no_poa.text
    granted = firm.post("/me/authorisations", data=form, follow_redirects=False,
                        files={"power_of_attorney": ("委托书.pdf", b"%PDF-1.4 poa", "application/pdf")})
    assert granted.status_code == 303, granted.text
    auth_id = int(re.search(r"granted=(\d+)", granted.headers["location"]).group(1))
    page = firm.get(granted.headers["location"])
    assert "泉州银行" in page.text and f"（编号 {auth_id}）" in page.text

    allowed = _query(bank, world, basis_id=auth_id)
    assert allowed.status_code == 200, allowed.text
    assert "泉市监罚〔2022〕17号" in allowed.text and "公示期已于 2025-01-10 届满" in allowed.text   # non-public, marked
    assert read(bank, {}, world.enterprise_id, basis_id=auth_id).status_code == 200       # and the same through the API

    log = firm.get("/me/access-log")
    assert log.status_code == 200
    assert log.text.count("泉州银行") == 3 and "拒绝查询" in log.text and "准予查询" in log.text
    api = firm.get("/api/v1/me/access-log").json()
    assert [(e["allowed"], e["channel"]) for e in api] == [(True, "api"), (True, "web"), (False, "web")]
    # FZ art. 13, QZ art. 33: the log shows who signed the authorisation each allowed query rested on
    assert [e["signatory"] for e in api] == ["林代理（委托代理人）", "林代理（委托代理人）", None]
    assert "授权签署人：林代理（委托代理人）" in log.text


def test_restricted_classes_show_the_notice_and_need_the_box_ticked(world, browser):
    chen = browser("chen")
    page = chen.get("/me/authorisations")
    assert "可能产生的不利后果" in page.text and "受限信息：收入" in page.text
    form = {"grantee_uscc": world.orgs["bank"].uscc, "items": ["restricted:income"], "purpose": "信贷审查",
            "valid_to": "2026-12-31", "document_ref": "", "csrf_token": csrf_from(chen, "/me/authorisations"),
            "signatory_name": "陈美玲", "signatory_capacity": "self"}
    missing = chen.post("/me/authorisations", data=form)
    assert missing.status_code == 422 and "勾选同意" in missing.text
    assert chen.post("/me/authorisations", data={**form, "restricted_consent": "yes"},
                     follow_redirects=False).status_code == 303
    revoke = chen.get("/me/authorisations")
    auth_id = re.search(r'action="/me/authorisations/(\d+)/revoke"', revoke.text).group(1)
    out = chen.post(f"/me/authorisations/{auth_id}/revoke", data={"csrf_token": csrf_from(chen, "/me/authorisations")})
    assert out.status_code == 200 and "已撤销" in out.text


def test_a_subject_sees_its_own_information_and_never_anothers_log(world, browser):
    chen = browser("chen")
    mine = chen.get("/me/profile")
    assert mine.status_code == 200 and "陈美玲" in mine.text and "公示期已于" in mine.text
    (entry,) = chen.get("/api/v1/me/access-log").json()       # reading oneself is logged too
    assert (entry["basis_kind"], entry["organisation"], entry["allowed"]) == ("self", "本人", True)
    assert "信用主体查询本人信息" in chen.get(f"/me/access-log/{entry['id']}").text
    link = re.search(rf'href="(/me/access-log/{entry["id"]}\?on=[0-9-]+)"', chen.get("/me/access-log").text).group(1)
    assert link.endswith(entry["at"][:10]) and "信用主体查询本人信息" in chen.get(link).text   # the list's link: its day
    assert "信用主体查询本人信息" in chen.get(f"/me/access-log/{entry['id']}?on=2001-01-01").text   # a wrong day: found
    firm = browser("firm")
    assert firm.get(f"/me/access-log/{entry['id']}").status_code == 404
    assert firm.get(f"/api/v1/me/access-log/{entry['id']}").status_code == 404
    assert chen.get("/agency/query").status_code == 403 and chen.get("/audit/access-log").status_code == 403


def test_agencies_manage_query_items_and_the_portal_lists_the_published(world, browser, client):
    scjg = browser("scjg")
    token = csrf_from(scjg, "/agency/query-items")
    data = {"matter": "食品经营许可审查", "items": ["penalty", "licence"], "legal_basis": "《食品安全法》第三十五条",
            "csrf_token": token}
    assert scjg.post("/agency/query-items", data=data, follow_redirects=False).status_code == 303
    page = scjg.get("/agency/query-items")
    item_id = re.search(r'action="/agency/query-items/(\d+)/publish"', page.text).group(1)
    assert "食品经营许可审查" not in client.get("/query-items").text
    scjg.post(f"/agency/query-items/{item_id}/publish", data={"csrf_token": token})
    public = client.get("/query-items")
    assert "食品经营许可审查" in public.text and "泉州市市场监督管理局" in public.text and "协助查询通知书" in public.text
    # a legal basis is named by its name; its id (what an API caller sends) only beside it
    assert '<td class="code">civil_court_inquiry</td>' not in public.text
    assert "人民法院调查取证（民事诉讼）" in public.text and "依据代码" in public.text
    allowed = _query(scjg, world, basis="query_item", basis_id=item_id, purpose="食品经营许可审查")
    assert allowed.status_code == 200 and "泉市监罚〔2022〕17号" in allowed.text
    scjg.post(f"/agency/query-items/{item_id}/withdraw", data={"csrf_token": token})
    assert "食品经营许可审查" not in client.get("/query-items").text
    assert _query(scjg, world, basis="query_item", basis_id=item_id, purpose="食品经营许可审查").status_code == 403
    bad = scjg.post("/agency/query-items", data={**data, "items": []})
    assert bad.status_code == 422


def test_staff_record_paper_authorisations_at_the_window(world, browser):
    staff = browser("staff")
    token = csrf_from(staff, "/window/authorisations")
    data = {"subject": world.person_resident_id, "grantee_uscc": world.orgs["rating"].uscc, "items": ["penalty"],
            "purpose": "信用报告", "valid_to": "2026-10-31", "document_ref": "", "csrf_token": token,
            "signatory_name": "陈美玲", "signatory_capacity": "self"}
    assert staff.post("/window/authorisations", data=data).status_code == 422          # the paper's number
    done = staff.post("/window/authorisations", data={**data, "document_ref": "纸质-0901-1"})
    assert done.status_code == 200 and "纸质-0901-1" in done.text and "泉州信用评级有限公司" in done.text
    assert "subject_id=" in str(done.url) and world.person_resident_id not in str(done.url)
    auth_id = re.search(r'action="/window/authorisations/(\d+)/revoke"', done.text).group(1)
    rating = browser("rating")
    query = {"subject": world.person_resident_id, "purpose": "信用报告", "basis_id": auth_id}
    assert _query(rating, world, **query).status_code == 200
    back = staff.post(f"/window/authorisations/{auth_id}/revoke", data={"csrf_token": token, "subject_id": "1"},
                      follow_redirects=False)
    assert back.headers["location"] == "/window/authorisations?subject_id=1"
    assert _query(rating, world, **query).status_code == 403


def test_auditors_search_the_access_log_page(world, browser):
    bank = browser("bank")
    _query(bank, world, basis_id=77)
    auditor = browser("auditor")
    page = auditor.get("/audit/access-log")
    assert page.status_code == 200 and "<td>泉州银行</td>" in page.text and "<td>bank</td>" in page.text
    assert "暂无查询记录" in auditor.get("/audit/access-log", params={"allowed": "true"}).text
    assert "<td>泉州银行</td>" in auditor.get("/audit/access-log", params={"subject_id": world.enterprise_id}).text
    assert "暂无查询记录" in auditor.get("/audit/access-log", params={"subject_id": world.person_id}).text
    english = auditor.get("/audit/access-log?lang=en")
    assert "Access log" in english.text and "Refused" in english.text


def test_pages_need_a_signed_in_user_of_the_right_role(world, client):
    for path in ("/me/authorisations", "/me/access-log", "/agency/query", "/agency/query-items",
                 "/window/authorisations", "/audit/access-log"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), path
    assert client.get("/query-items").status_code == 200
