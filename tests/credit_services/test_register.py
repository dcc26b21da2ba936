"""Issue 15 point 3 (QZ art. 40-42; FZ art. 27), on both backends: the credit department keeps
the register of credit service agencies (filing, published rules, supervisions, rectification)
and the public reads its public fields; a complaint in a QZ art. 42 category names an agency in
the register and shows, whole, on the staff entry and, as counts and outcomes only, publicly."""
from __future__ import annotations

import random
import re

from sqlalchemy import select

from tests.complaints.support import NAME, bearer, leaks, page_login, world
from xinyong.models import AuditEntry, User
from xinyong.synthetic import make_uscc

CONTACT = "联系人李四 0595-22223333"


def _id(session, username):
    return session.query(User).filter(User.username == username).one().id


def _filing(**kw):
    return {"uscc": make_uscc(random.Random(42), kind="91"), "name": "泉州诚信评估有限公司",
            "filing_no": "QZXY-2026-001", "filed_on": "2026-03-02",
            "business_scope": "企业信用评价、信用报告、信用管理咨询", "contact": CONTACT, **kw}


def test_register_kept_by_staff_and_read_by_the_public(client, session, today):
    today("2026-11-23")
    tok = world(session)["tokens"]
    staff = bearer(tok["assigner"])
    assert client.post("/api/v1/credit-services", json=_filing(), headers=bearer(tok["subject1"])).status_code == 403
    created = client.post("/api/v1/credit-services", json=_filing(filing_no=" qzxy-2026-001 "), headers=staff)
    assert created.status_code == 201, created.text
    aid = created.json()["id"]
    assert created.json()["filing_no"] == "QZXY-2026-001"       # compared as written: one entry per number
    again = client.post("/api/v1/credit-services", json=_filing(uscc=make_uscc(random.Random(7), kind="91")),
                        headers=staff)
    assert again.status_code == 409
    future = client.post("/api/v1/credit-services", json=_filing(filed_on="2026-11-24"), headers=staff)
    assert future.status_code == 422 and future.json()["error"]["field"] == "filed_on"
    # the agency's rules: an objection rule names its channel
    no_channel = client.post(f"/api/v1/credit-services/{aid}/rules", headers=staff,
                             json={"kind": "objection", "title": "异议处理规则", "body": "收到异议后五个工作日内答复。"})
    assert no_channel.status_code == 422 and no_channel.json()["error"]["field"] == "channel"
    rule = client.post(f"/api/v1/credit-services/{aid}/rules", headers=staff,
                       json={"kind": "objection", "title": "异议处理规则", "body": "收到异议后五个工作日内答复。",
                             "channel": "泉州市丰泽区某路1号；0595-12345678"})
    assert rule.status_code == 201
    withdrawn = client.post(f"/api/v1/credit-services/{aid}/rules", headers=staff,
                            json={"kind": "service", "title": "旧服务规则", "body": "已废止的服务规则内容。"}).json()
    client.post(f"/api/v1/credit-services/{aid}/rules/{withdrawn['id']}/withdraw", headers=staff)
    # supervision: an order to rectify needs its deadline; then the rectification is recorded
    sup = {"kind": "routine", "inspected_on": "2026-10-10", "department": "泉州市发展和改革委员会",
           "findings": "宣传材料称可保证评价等级为AAA", "outcome": "rectification_ordered", "basis": "QZ art. 42"}
    assert client.post(f"/api/v1/credit-services/{aid}/supervisions", json=sup, headers=staff).status_code == 422
    s = client.post(f"/api/v1/credit-services/{aid}/supervisions", headers=staff,
                    json={**sup, "rectification_due": "2026-11-10"}).json()
    early = client.post(f"/api/v1/credit-services/{aid}/supervisions/{s['id']}/rectification", headers=staff,
                        json={"rectified_on": "2026-10-01", "rectification": "已撤回宣传材料"})
    assert early.status_code == 422
    done = client.post(f"/api/v1/credit-services/{aid}/supervisions/{s['id']}/rectification", headers=staff,
                       json={"rectified_on": "2026-11-01", "rectification": "已撤回宣传材料"})
    assert done.status_code == 200 and done.json()["rectified_on"] == "2026-11-01"
    # the public register: public fields only
    listing = client.get("/api/v1/credit-services").json()
    assert [e["filing_no"] for e in listing] == ["QZXY-2026-001"] and "contact" not in listing[0]
    entry = client.get(f"/api/v1/credit-services/{aid}").json()
    assert CONTACT not in str(entry) and "宣传材料称" not in str(entry)     # findings stay with staff
    assert [r["title"] for r in entry["rules"]] == ["异议处理规则"]
    assert entry["supervisions"][0]["outcome"] == "rectification_ordered"
    assert entry["supervisions"][0]["rectified_on"] == "2026-11-01"
    assert "第四十条" in entry["citation"]
    page = client.get(f"/credit-services/{aid}")
    assert page.status_code == 200 and "QZXY-2026-001" in page.text and CONTACT not in page.text
    assert client.get("/credit-services/999999").status_code == 404
    staff_entry = client.get(f"/api/v1/staff/credit-services/{aid}", headers=staff).json()
    assert staff_entry["contact"] == CONTACT and len(staff_entry["rules"]) == 2
    assert client.get(f"/api/v1/staff/credit-services/{aid}", headers=bearer(tok["subject1"])).status_code == 403
    # every change is audit-logged
    actions = set(session.scalars(select(AuditEntry.action).where(AuditEntry.target_type == "credit_service_agency")))
    assert {"credit_service.registered", "credit_service.rule_published", "credit_service.rule_withdrawn",
            "credit_service.supervised", "credit_service.rectified"} <= actions


def test_a_correction_keeps_the_version_replaced_and_a_cancellation_is_marked(client, session, today):
    today("2026-11-23")
    tok = world(session)["tokens"]
    staff = bearer(tok["assigner"])
    aid = client.post("/api/v1/credit-services", json=_filing(), headers=staff).json()["id"]
    patch = {k: v for k, v in _filing().items() if k != "uscc"}
    assert client.post(f"/api/v1/credit-services/{aid}", headers=staff,
                       json={**patch, "business_scope": "信用报告", "reason": ""}).status_code == 422
    ok = client.post(f"/api/v1/credit-services/{aid}", headers=staff,
                     json={**patch, "business_scope": "信用报告", "reason": "按备案变更通知更正业务范围"})
    assert ok.status_code == 200 and ok.json()["business_scope"] == "信用报告"
    from xinyong.history import versions
    history = versions(session, "credit_service_agency", aid)
    assert len(history) == 1 and "企业信用评价" in history[0].snapshot["business_scope"]
    cancelled = client.post(f"/api/v1/credit-services/{aid}/cancel", json={"reason": "机构申请注销备案"}, headers=staff)
    assert cancelled.json()["status"] == "cancelled"
    assert client.get(f"/api/v1/credit-services/{aid}").json()["status"] == "cancelled"


def test_a_category_complaint_names_a_registered_agency_and_shows_on_its_entry(client, session, today):
    today("2026-11-23")
    tok = world(session)["tokens"]
    staff = bearer(tok["assigner"])
    aid = client.post("/api/v1/credit-services", json=_filing(), headers=staff).json()["id"]
    body = {"category": "promised_rating", "summary": "该机构承诺付费即可获得AAA信用等级。", "name": NAME,
            "contact": "13700000000"}
    missing = client.post("/api/v1/complaints", json=body)
    assert missing.status_code == 422 and missing.json()["error"]["field"] == "credit_service_id"
    assert client.post("/api/v1/complaints", json={**body, "credit_service_id": 999999}).status_code == 404
    unknown = client.post("/api/v1/complaints", json={**body, "category": "bundled_collection",
                                                      "credit_service_id": aid})
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "unknown_category"   # a Fuzhou category
    filed = client.post("/api/v1/complaints", json={**body, "credit_service_id": aid})
    assert filed.status_code == 201, filed.text
    cid = filed.json()["id"]
    one = client.get(f"/api/v1/complaints/{cid}", headers=staff).json()
    assert (one["category"], one["credit_service_id"], one["stage"]) == ("promised_rating", aid, "use")
    # handled: the public entry shows the count and the outcome, never the complaint
    client.post(f"/api/v1/complaints/{cid}/assign", json={"handler_user_id": _id(session, "handler")}, headers=staff)
    client.post(f"/api/v1/complaints/{cid}/handle", headers=bearer(tok["handler"]),
                json={"outcome": "substantiated", "handling": "约谈机构并责令整改", "result": "情况属实，已责令整改。"})
    public = client.get(f"/api/v1/credit-services/{aid}").json()
    assert public["complaints"] == {"received": 1, "handled": 1, "outcomes": {"substantiated": 1}}
    assert "AAA" not in str(public) and leaks(str(public)) == []
    entry = client.get(f"/api/v1/staff/credit-services/{aid}", headers=staff).json()
    assert [c["id"] for c in entry["complaints_against"]] == [cid] and leaks(str(entry)) == []
    page_login(client, "assigner")
    page = client.get(f"/staff/credit-services/{aid}")
    assert "承诺评价得分或评价等级" in page.text and "AAA" in page.text and leaks(page.text) == []
    detail = client.get(f"/complaints/{cid}")
    assert "承诺评价得分或评价等级" in detail.text and f"/staff/credit-services/{aid}" in detail.text


def test_the_complaint_form_offers_the_categories_and_the_register(client, session, today):
    today("2026-11-23")
    tok = world(session)["tokens"]
    aid = client.post("/api/v1/credit-services", json=_filing(), headers=bearer(tok["assigner"])).json()["id"]
    page = client.get(f"/complaints/new?credit_service_id={aid}")
    assert "虚假宣传承揽业务" in page.text and f'<option value="{aid}" selected>' in page.text
    csrf = __import__("re").search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = client.post("/complaints/new", data={"csrf_token": csrf, "kind": "complaint", "category": "malicious_evaluation",
                                             "credit_service_id": str(aid), "summary": "该机构对我司作出恶意评价并公开传播。",
                                             "anonymous": "1"})
    assert r.status_code == 200, r.text[:500]
    assert client.get(f"/api/v1/credit-services/{aid}").json()["complaints"]["received"] == 1


def test_staff_pages_file_supervise_and_rectify(client, session, today):
    today("2026-11-23")
    world(session)
    csrf = page_login(client, "assigner")
    form = {**_filing(), "csrf_token": csrf}
    r = client.post("/staff/credit-services", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text[:400]
    url = r.headers["location"].split("?")[0]
    bad = client.post(url + "/supervisions", data={"csrf_token": csrf, "kind": "routine", "inspected_on": "2026-11-01",
                                                  "department": "市发改委", "findings": "未公布异议处理规则",
                                                  "outcome": "rectification_ordered", "basis": "QZ art. 40"})
    assert bad.status_code == 422 and "整改期限" in bad.text
    # the refused form keeps what was sent
    assert ">未公布异议处理规则</textarea>" in bad.text and 'value="市发改委"' in bad.text
    assert '<option value="rectification_ordered" selected>' in bad.text
    ok = client.post(url + "/supervisions", data={"csrf_token": csrf, "kind": "routine", "inspected_on": "2026-11-01",
                                                 "department": "市发改委", "findings": "未公布异议处理规则",
                                                 "outcome": "rectification_ordered", "basis": "QZ art. 40",
                                                 "rectification_due": "2026-11-30"}, follow_redirects=False)
    assert ok.status_code == 303
    page = client.get(url)
    assert "未公布异议处理规则" in page.text and "责令整改" in page.text
    rectify = re.search(r'action="([^"]+/rectification)"', page.text).group(1)
    early = client.post(rectify, data={"csrf_token": csrf, "rectified_on": "2026-10-01", "rectification": "已公布异议处理规则"})
    assert early.status_code == 422 and "整改完成日期" in early.text
    # the refused rectification keeps what was sent (its text was lost, its date reset to today)
    assert ">已公布异议处理规则</textarea>" in early.text and 'value="2026-10-01"' in early.text
    client.cookies.clear()
    assert client.get(url, follow_redirects=False).status_code == 303   # anonymous: to the login page
