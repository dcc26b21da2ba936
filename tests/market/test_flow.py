"""Issue 15 "Done when", as a new user would go: a bank registers as a provider and staff
approve it, a firm authorises it in writing, the bank uploads contract-performance rows for that
firm and another (the second comes back for review with QZ art. 12), the firm sees the labelled
market information — never among its public credit information — and objects, the objection is
routed to the bank, which answers in time, and the firm reads the written answer. Revoking the
authorisation takes the information out of view."""
from __future__ import annotations

import datetime as dt
import random

import pytest

from tests.market.support import PW, application, approved_bank, bearer, contract_row, world
from tests.support.web import page_login
from tests.support.builders import to_csv


@pytest.fixture
def w(session, today):
    today("2026-06-01")
    return world(session)


def test_done_when_a_bank_shares_contract_performance_and_answers_the_objection(client, w, today):
    tokens, firm, other = w["tokens"], w["firm"], w["other"]
    pid = approved_bank(client, w)
    published = client.get("/api/v1/market/providers/published").json()
    assert [(p["organisation"], "QZ art. 34 para. 2" in p["citation"]) for p in published] == [
        (w["bank"].name, True)]

    r = client.post("/api/v1/me/market/authorisations", headers=bearer(tokens["firm1"]), json={
        "provider_id": pid, "item": "contract_performance", "valid_from": "2026-06-01", "valid_to": "2027-05-31",
        "publication": True})
    assert r.status_code == 201, r.text
    auth = r.json()
    assert auth["in_force"] and w["bank"].name in auth["wording"] and "合同履行信息" in auth["wording"]
    assert auth["publication"] and "向社会公开" in auth["wording"]

    rows = [contract_row(firm, "QZB-2026-001"), contract_row(other, "QZB-2026-002")]
    csv = to_csv(rows, headers=tuple(rows[0]))
    r = client.post("/api/v1/market/batches/file", headers=bearer(tokens["bank1"]),
                    data={"item": "contract_performance"}, files={"file": ("contracts.csv", csv, "text/csv")})
    assert r.status_code == 201, r.text
    batch = r.json()
    assert (batch["total_rows"], batch["accepted"], batch["rejected"]) == (2, 1, 1)
    [returned] = client.get(f"/api/v1/market/batches/{batch['batch']}/rejections",
                            headers=bearer(tokens["bank1"])).json()
    assert returned["row_no"] == 3 and returned["reason_code"] == "no_market_authorisation"
    assert "QZ art. 12 para. 2" in returned["reason"] and "书面授权" in returned["reason"]
    assert "written authorisation" in returned["reason_en"]

    # labelled with its provider, in its own section, never in the public credit information
    [shown] = client.get(f"/api/v1/subjects/{firm.id}/market").json()
    assert shown["provider"] == w["bank"].name and shown["decision_no"] == "QZB-2026-001"
    assert w["bank"].name in shown["label"]["zh"] and shown["citation"].startswith("QZ art. 12 para. 3")
    assert shown["fields"]["performance"] == "逾期履行"
    public = client.get(f"/api/v1/subjects/{firm.id}").json()
    assert "QZB-2026-001" not in str(public)
    assert client.get(f"/api/v1/subjects/{other.id}/market").json() == []
    page = client.get(f"/subjects/{firm.id}").text
    assert 'id="market"' in page and "QZB-2026-001" in page and w["bank"].name in page

    mine = client.get("/api/v1/me/market", headers=bearer(tokens["firm1"])).json()
    assert [m["id"] for m in mine] == [shown["id"]]
    # the subject's own view of its credit records (basis self) holds public information only
    own = client.get(f"/api/v1/subjects/{firm.id}/profile", params={"items": "contract_performance,penalty",
                                                                     "basis": "self"}, headers=bearer(tokens["firm1"]))
    assert own.status_code == 200 and "QZB-2026-001" not in own.text, own.text
    r = client.post("/api/v1/me/objections", headers=bearer(tokens["firm1"]), data={
        "record_id": str(shown["id"]), "grounds": ["error"], "reasons": "该合同第三期已按期还款，逾期记载有误，请核查更正。"})
    assert r.status_code == 201, r.text
    objection = r.json()
    assert objection["source_agency"] == w["bank"].name and objection["status"] == "open"
    due = dt.date.fromisoformat(objection["deadline"]["due_on"])
    assert due > dt.date(2026, 6, 1)   # the working-day clock of objection.deadline, not the same day

    queue = client.get("/api/v1/objections", headers=bearer(tokens["bank1"])).json()
    assert [o["id"] for o in queue["items"]] == [objection["id"]]
    assert client.get(f"/api/v1/objections/{objection['id']}", headers=bearer(tokens["assoc1"])).status_code == 404
    fields = client.get(f"/api/v1/objections/{objection['id']}/correctable-fields", headers=bearer(tokens["bank1"]))
    assert fields.status_code == 200, fields.text
    csrf = page_login(client, "bank1", PW)
    bench = client.get("/provider/market").text
    assert f"/agency/objections/{objection['id']}" in bench and "待处理" in bench
    detail = client.get(f"/agency/objections/{objection['id']}")
    assert detail.status_code == 200 and "QZB-2026-001" in detail.text and csrf
    client.cookies.clear()
    today("2026-06-05")
    r = client.post(f"/api/v1/objections/{objection['id']}/decision", headers=bearer(tokens["bank1"]),
                    json={"outcome": "upheld", "reasons": "经核对还款流水，第三期确于到期后45日结清，维持原记录。"})
    assert r.status_code == 200, r.text
    answered = client.get(f"/api/v1/objections/{objection['id']}", headers=bearer(tokens["firm1"])).json()
    assert answered["status"] == "upheld" and "维持原记录" in answered["decision_reasons"]
    assert answered["deadline"]["state"] != "overdue" and answered["document_url"]
    assert dt.date(2026, 6, 5) <= due

    # revoking the written authorisation takes it out of view at once
    r = client.post(f"/api/v1/me/market/authorisations/{auth['id']}/revoke", headers=bearer(tokens["firm1"]))
    assert r.status_code == 200 and not r.json()["in_force"]
    assert client.get(f"/api/v1/subjects/{firm.id}/market").json() == []
    assert client.get("/api/v1/me/market", headers=bearer(tokens["firm1"])).json() == []


def test_a_withdrawn_record_or_provider_leaves_view(client, w, session):
    from xinyong.market import report
    tokens, firm = w["tokens"], w["firm"]
    pid = approved_bank(client, w)
    client.post("/api/v1/me/market/authorisations", headers=bearer(tokens["firm1"]), json={
        "provider_id": pid, "item": "contract_performance", "valid_from": "2026-06-01", "valid_to": "2026-12-31",
        "publication": True})
    r = client.post("/api/v1/market/batches", headers=bearer(tokens["bank1"]), json={
        "item": "contract_performance",
        "rows": [contract_row(firm, "QZB-1"), contract_row(firm, "QZB-2", status="正常履行")]})
    assert r.status_code == 201 and r.json()["accepted"] == 2, r.text
    shown = client.get(f"/api/v1/subjects/{firm.id}/market").json()
    assert sorted(m["decision_no"] for m in shown) == ["QZB-1", "QZB-2"]
    first = next(m["id"] for m in shown if m["decision_no"] == "QZB-1")
    r = client.post(f"/api/v1/market/records/{first}/withdraw", json={"reason": "记录有误，撤回"},
                    headers=bearer(tokens["bank1"]))
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    assert [m["decision_no"] for m in client.get(f"/api/v1/subjects/{firm.id}/market").json()] == ["QZB-2"]
    # another organisation cannot withdraw the bank's record
    assert client.post(f"/api/v1/market/records/{first}/withdraw", json={"reason": "x"},
                       headers=bearer(tokens["assoc1"])).status_code in (403, 404)
    section = report.section(session, firm, True)   # the report's own market section, apart
    assert [row[1] for row in section.table[1:]] == ["QZB-2", ] and w["bank"].name in section.paragraphs[0]
    r = client.post("/api/v1/market/provider/withdraw", json={"reason": "停止向平台共享"}, headers=bearer(tokens["bank1"]))
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    assert client.get(f"/api/v1/subjects/{firm.id}/market").json() == []
    assert client.get("/api/v1/market/providers/published").json() == []
    session.expire_all()
    assert report.section(session, firm, False) is None


def test_shared_market_information_is_the_subject_s_own_until_it_authorises_publication(client, w, session):
    """QZ art. 15 item 3 with art. 12 para. 2: an authorisation to share with the platform does not
    authorise publication. The shared row is the firm's own (its page, its API, its full report)
    and nobody else's, until it also authorises publication; revoking that takes it out of public
    view again while the sharing authorisation keeps it in the firm's own."""
    from xinyong.market import report
    tokens, firm = w["tokens"], w["firm"]
    pid = approved_bank(client, w)
    grant = {"provider_id": pid, "item": "contract_performance", "valid_from": "2026-06-01", "valid_to": "2027-05-31"}
    r = client.post("/api/v1/me/market/authorisations", headers=bearer(tokens["firm1"]), json=grant)
    assert r.status_code == 201 and r.json()["publication"] is False, r.text
    assert "向社会公开" not in r.json()["wording"]
    r = client.post("/api/v1/market/batches", headers=bearer(tokens["bank1"]), json={
        "item": "contract_performance", "rows": [contract_row(firm, "QZB-S-1")]})
    assert r.status_code == 201 and r.json()["accepted"] == 1, r.text

    assert client.get(f"/api/v1/subjects/{firm.id}/market").json() == []
    assert "QZB-S-1" not in client.get(f"/subjects/{firm.id}").text
    assert report.section(session, firm, True) is None
    assert [m["decision_no"] for m in client.get("/api/v1/me/market", headers=bearer(tokens["firm1"])).json()] == [
        "QZB-S-1"]
    assert [row[1] for row in report.section(session, firm, False).table[1:]] == ["QZB-S-1"]
    page_login(client, "firm1", PW)
    mine = client.get("/me/market").text
    assert "QZB-S-1" in mine and "仅本主体可见" in mine and 'name="publication"' in mine
    client.cookies.clear()

    r = client.post("/api/v1/me/market/authorisations", headers=bearer(tokens["firm1"]),
                    json={**grant, "publication": True})
    assert r.status_code == 201 and r.json()["publication"] and "向社会公开" in r.json()["wording"], r.text
    published = r.json()["id"]
    assert [m["decision_no"] for m in client.get(f"/api/v1/subjects/{firm.id}/market").json()] == ["QZB-S-1"]
    assert "QZB-S-1" in client.get(f"/subjects/{firm.id}").text
    session.expire_all()
    assert [row[1] for row in report.section(session, firm, True).table[1:]] == ["QZB-S-1"]

    r = client.post(f"/api/v1/me/market/authorisations/{published}/revoke", headers=bearer(tokens["firm1"]))
    assert r.status_code == 200, r.text
    assert client.get(f"/api/v1/subjects/{firm.id}/market").json() == []
    assert [m["decision_no"] for m in client.get("/api/v1/me/market", headers=bearer(tokens["firm1"])).json()] == [
        "QZB-S-1"]


def test_a_natural_person_cannot_authorise_the_publication_of_its_market_information(client, w, session):
    from xinyong.kit.access import Principal
    from xinyong.kit.errors import InvalidInput
    from xinyong.market import service
    from xinyong.models import Subject
    pid = approved_bank(client, w)
    person = Subject(kind="natural_person", name="陈某某")
    session.add(person)
    session.flush()
    me = Principal(user_id=None, username="person1", role="subject", subject_id=person.id)
    grant = dict(provider_id=pid, item_code="contract_performance", valid_from=dt.date(2026, 6, 1),
                 valid_to=dt.date(2027, 5, 31))
    with pytest.raises(InvalidInput) as refused:
        service.grant(session, me, publication=True, **grant)
    assert refused.value.code == "publication_of_person"
    assert service.grant(session, me, **grant).publication is False
    assert not service.may_publish(session, person.id) and service.may_publish(session, w["firm"].id)


def test_market_rows_only_from_an_approved_provider_and_public_items_never_from_one(client, w, session):
    tokens, firm = w["tokens"], w["firm"]
    r = client.post("/api/v1/market/batches", headers=bearer(tokens["bank1"]), json={
        "item": "contract_performance", "rows": [contract_row(firm, "QZB-9")]})
    assert r.status_code == 422 and r.json()["error_code"] == "not_a_provider", r.text
    approved_bank(client, w)
    r = client.post("/api/v1/market/batches", headers=bearer(tokens["bank1"]), json={
        "item": "penalty", "rows": [{"行政相对人名称": firm.name}]})
    assert r.status_code == 422 and r.json()["error_code"] == "public_item_from_provider", r.text


def test_an_enterprise_registers_as_a_provider_and_shares_utility_payments_it_records(client, w, session):
    """QZ art. 12 para. 1: 其他企业事业单位 record the market credit information of their own
    business too — a water company registers, is approved, and shares a customer's payment record
    under that customer's authorisation; it answers the objection on its own record."""
    from xinyong.accounts.service import create_user
    from xinyong.accounts.tokens import issue_token
    from xinyong.agencies.service import register
    from xinyong.synthetic import make_uscc
    water = register(session, uscc=make_uscc(random.Random(12), kind="91"), name="泉州市自来水有限公司", kind="enterprise")
    create_user(session, username="water1", password=PW, role="enterprise", agency_uscc=water.uscc)
    token = issue_token(session, "water1")
    session.commit()
    r = client.post("/api/v1/market/provider", json=application(scope=["utility_billing"]), headers=bearer(token))
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    r = client.post(f"/api/v1/market/providers/{pid}/decision", json={"approve": True},
                    headers=bearer(w["tokens"]["staff1"]))
    assert r.status_code == 200 and r.json()["status"] == "approved", r.text
    firm = w["firm"]
    r = client.post("/api/v1/me/market/authorisations", headers=bearer(w["tokens"]["firm1"]), json={
        "provider_id": pid, "item": "utility_payment", "valid_from": "2026-06-01", "valid_to": "2027-05-31",
        "publication": True})
    assert r.status_code == 201, r.text
    row = {"户名": firm.name, "主体类别": "法人及非法人组织", "统一社会信用代码": firm.uscc, "缴费户号及账期": "QZW-0001-202605",
           "账单日期": "2026-05-31", "缴费类别": "水费", "缴费状态": "逾期未缴", "欠费金额(元)": "860"}
    r = client.post("/api/v1/market/batches", headers=bearer(token), json={"item": "utility_payment", "rows": [row]})
    assert r.status_code == 201 and r.json()["accepted"] == 1, r.text
    [shown] = client.get(f"/api/v1/subjects/{firm.id}/market").json()
    assert shown["provider"] == water.name and shown["decision_no"] == "QZW-0001-202605"
    r = client.post("/api/v1/me/objections", headers=bearer(w["tokens"]["firm1"]), data={
        "record_id": str(shown["id"]), "grounds": ["error"], "reasons": "五月水费已于6月1日缴清，请核查更正。"})
    assert r.status_code == 201, r.text
    queue = client.get("/api/v1/objections", headers=bearer(token)).json()
    assert [o["id"] for o in queue["items"]] == [r.json()["id"]]
    assert client.get("/api/v1/deadlines", headers=bearer(token)).status_code == 200


def test_a_token_needs_the_authorisations_scope_to_grant_or_revoke(client, w, session):
    """As the access authorisations: a read-only token of the subject grants nothing."""
    from xinyong.accounts.tokens import issue_token
    pid = approved_bank(client, w)
    read_only = issue_token(session, "firm1", scopes=["profiles:read"])
    writer = issue_token(session, "firm1", scopes=["authorisations:write"])
    session.commit()
    grant = {"provider_id": pid, "item": "contract_performance", "valid_from": "2026-06-01", "valid_to": "2027-05-31"}
    assert client.post("/api/v1/me/market/authorisations", headers=bearer(read_only), json=grant).status_code == 403
    r = client.post("/api/v1/me/market/authorisations", headers=bearer(writer), json=grant)
    assert r.status_code == 201, r.text
    path = f"/api/v1/me/market/authorisations/{r.json()['id']}/revoke"
    assert client.post(path, headers=bearer(read_only)).status_code == 403
    assert client.post(path, headers=bearer(writer)).status_code == 200
