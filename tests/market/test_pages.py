"""The market pages in Chinese and English: the provider applies (a 征信 scope without a licence is
refused with FZ/QZ's citation), staff approve, the subject authorises in writing and revokes, the
provider uploads a file and reads its returned rows; the public page lists the published
objection channels. Every step is audited."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.market.support import CHANNEL, PW, RULES, contract_row, world
from tests.support.builders import to_csv
from tests.support.web import page_login
from xinyong.models import AuditEntry


@pytest.fixture
def w(session, today):
    today("2026-06-01")
    return world(session)


def _apply(client, csrf, **extra):
    data = {"csrf_token": csrf, "scope": ["own_business"], "licence": "", "objection_rules": RULES,
            "objection_channel": CHANNEL, **extra}
    return client.post("/provider/market/apply", data=data, follow_redirects=False)


def test_the_provider_subject_and_staff_pages_in_both_languages(client, w, session):
    csrf = page_login(client, "bank1", PW)
    page = client.get("/provider/market").text
    assert "申请登记为提供单位" in page and "征信业务" in page
    r = _apply(client, csrf, scope=["own_business", "third_party_credit_reports"])
    assert r.status_code == 422 and "征信业务" in r.text and "《泉州市社会信用条例》第十二条第二款" in r.text
    assert _apply(client, csrf).status_code == 303
    assert "待核准" in client.get("/provider/market").text

    csrf = page_login(client, "staff1", PW)
    staff = client.get("/staff/market/providers").text
    assert w["bank"].name in staff and RULES in staff
    assert "Market information providers" in client.get("/staff/market/providers?lang=en").text
    pid = session.execute(select(AuditEntry.target_id).where(AuditEntry.action == "market.provider_apply")).scalar()
    r = client.post(f"/staff/market/providers/{pid}/decision", data={"csrf_token": csrf, "approve": "1", "reason": ""},
                    follow_redirects=False)
    assert r.status_code == 303

    client.cookies.clear()
    public = client.get("/market/providers").text
    assert w["bank"].name in public and CHANNEL in public and "第三十四条第二款" in public
    assert "objection channels" in client.get("/market/providers?lang=en").text

    csrf = page_login(client, "firm1", PW)
    assert "出具书面授权" in client.get("/me/market").text
    r = client.post("/me/market/authorisations", data={"csrf_token": csrf, "provider_id": str(pid),
                                                       "item": "contract_performance", "valid_from": "2026-06-01",
                                                       "valid_to": "2035-06-01"}, follow_redirects=False)
    assert r.status_code == 422 and "最长 5 年" in r.text
    r = client.post("/me/market/authorisations", data={"csrf_token": csrf, "provider_id": str(pid),
                                                       "item": "contract_performance", "valid_from": "2026-06-01",
                                                       "valid_to": "2027-05-31", "publication": "yes"},
                    follow_redirects=False)
    assert r.status_code == 303
    mine = client.get("/me/market").text
    assert "本主体书面授权" in mine and "有效" in mine and "同时授权市公共信用信息平台" in mine and "已授权公开" in mine
    assert "Written authorisations" in client.get("/me/market?lang=en").text

    page_login(client, "bank1", PW)
    csrf = page_login(client, "bank1", PW)
    rows = [contract_row(w["firm"], "QZB-P-1"), contract_row(w["other"], "QZB-P-2")]
    r = client.post("/provider/market/batches", data={"csrf_token": csrf, "item": "contract_performance"},
                    files={"file": ("c.csv", to_csv(rows, headers=tuple(rows[0])), "text/csv")}, follow_redirects=False)
    assert r.status_code == 303, r.text
    result = client.get(r.headers["location"]).text
    assert "接收 1 行，退回复核 1 行" in result and "第 3 行" in result and "第十二条第二款" in result
    en = client.get(r.headers["location"] + "&lang=en").text
    assert "1 rows accepted, 1 returned for review" in en and "written authorisation" in en

    page_login(client, "firm1", PW)
    mine = client.get("/me/market").text
    assert "QZB-P-1" in mine and w["bank"].name in mine and "/me/objections?record=" in mine
    client.cookies.clear()
    assert "QZB-P-1" in client.get(f"/subjects/{w['firm'].id}").text   # published as the firm authorised
    assert "Market information" in client.get("/me/market?lang=en").text
    actions = set(session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("market.%"))))
    assert {"market.provider_apply", "market.provider_decide",
            "market.authorisation_grant"} <= actions


def test_a_natural_person_s_market_information_is_never_public(client, w, session):
    from xinyong.market import service
    from xinyong.models import Subject
    person = Subject(kind="natural_person", name="陈某某")
    session.add(person)
    session.commit()
    assert service.public_of(session, person.id) == []
    assert client.get(f"/api/v1/subjects/{person.id}/market").json() == []


def test_other_roles_and_other_subjects_are_denied(client, w):
    from tests.market.support import bearer
    tokens = w["tokens"]
    assert client.get("/provider/market", headers=bearer(tokens["firm1"])).status_code == 403
    assert client.get("/api/v1/market/providers", headers=bearer(tokens["bank1"])).status_code == 403
    r = client.post("/api/v1/me/market/authorisations/1/revoke", headers=bearer(tokens["other1"]))
    assert r.status_code == 404


def test_a_refused_channel_edit_comes_back_as_sent_and_a_revoked_authorisation_is_no_longer_public(client, w, session):
    from tests.market.support import approved_bank
    pid = approved_bank(client, w)
    csrf = page_login(client, "bank1", PW)
    r = client.post("/provider/market/channel", data={"csrf_token": csrf, "objection_rules": "新规则草稿",
                                                     "objection_channel": ""})
    assert r.status_code == 422 and "新规则草稿" in r.text and CHANNEL not in r.text.split('id="c-channel"')[1][:300]
    csrf = page_login(client, "firm1", PW)
    r = client.post("/me/market/authorisations", data={"csrf_token": csrf, "provider_id": str(pid),
                                                       "item": "contract_performance", "valid_from": "2026-06-01",
                                                       "valid_to": "2027-05-31", "publication": "yes"},
                    follow_redirects=False)
    assert r.status_code == 303
    assert "已授权公开" in client.get("/me/market").text
    [auth_id] = [a["id"] for a in client.get("/api/v1/me/market/authorisations").json()]
    r = client.post(f"/me/market/authorisations/{auth_id}/revoke", data={"csrf_token": csrf}, follow_redirects=True)
    assert "已撤销" in r.text and "已授权公开" not in r.text and "其他有效授权不受影响" in r.text


def test_a_refused_upload_is_explained_in_the_page_s_language_alone(client, w, session):
    """A batch from an organisation not (yet) an approved provider is refused: the result on the
    workbench read '…不予接收 / …refused' in both languages on both pages."""
    csrf = page_login(client, "bank1", PW)
    r = client.post("/provider/market/apply", data={"csrf_token": csrf, "scope": ["own_business"],
                                                   "objection_rules": RULES, "objection_channel": CHANNEL},
                    follow_redirects=False)
    assert r.status_code == 303
    rows = [contract_row(w["firm"], "QZB-R-1")]
    r = client.post("/provider/market/batches", data={"csrf_token": csrf, "item": "contract_performance"},
                    files={"file": ("c.csv", to_csv(rows, headers=tuple(rows[0])), "text/csv")}, follow_redirects=False)
    assert r.status_code == 303, r.text
    zh, en = client.get(r.headers["location"]).text, client.get(r.headers["location"] + "&lang=en").text
    assert "不是经核准的市场信用信息提供单位" in zh and "not an approved" not in zh
    assert "The source is not an approved" in en and "不是经核准" not in en
