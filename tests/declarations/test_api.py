"""The declarations API: the public list carries the label and the article, withdrawn ones
disappear, natural persons' declarations are never public; the subject and staff routes."""
from __future__ import annotations

import pytest

from tests.declarations.support import bearer, world

BODY = {"form": "statement", "category": "certifications", "title": "ISO 9001 质量管理体系认证",
        "content": "本公司通过 ISO 9001:2015 质量管理体系认证，有效期至2028年5月。", "pledge_accepted": True}


@pytest.fixture
def w(session, today):
    today("2026-06-01")
    return world(session)


def _declare(client, token, **overrides):
    r = client.post("/api/v1/me/declarations", json={**BODY, **overrides}, headers=bearer(token))
    assert r.status_code == 201, r.text
    return r.json()


def test_the_public_list_shows_each_declaration_with_its_label_and_citation(client, w):
    made = _declare(client, w["tokens"]["firm1"])
    client.cookies.clear()
    r = client.get(f"/api/v1/subjects/{w['firm'].id}/declarations")
    assert r.status_code == 200
    [item] = r.json()
    assert (item["id"], item["title"], item["form"]) == (made["id"], BODY["title"], "statement")
    assert item["label"]["zh"].startswith("信息主体自主申报，平台未核实") and "not verified" in item["label"]["en"]
    assert "QZ art. 13" in item["citation"] and item["category_name"]["zh"] == "资质认证"
    assert item["declared_on"] == "2026-06-01"
    # who declared and when the pledge was accepted stay off the public answer
    assert not {"declared_by", "pledge_accepted_at", "status", "withdraw_reason"} & set(item)


def test_withdrawn_declarations_disappear_from_the_public_list(client, w):
    token = w["tokens"]["firm1"]
    keep, drop = _declare(client, token), _declare(client, token, title="已过期的认证")
    r = client.post(f"/api/v1/me/declarations/{drop['id']}/withdraw", json={"reason": "认证已过期"},
                    headers=bearer(token))
    assert r.status_code == 200 and r.json()["status"] == "withdrawn" and r.json()["withdrawn_as"] == "subject"
    public = client.get(f"/api/v1/subjects/{w['firm'].id}/declarations").json()
    assert [d["id"] for d in public] == [keep["id"]]
    mine = client.get("/api/v1/me/declarations", headers=bearer(token)).json()
    assert {d["id"]: d["status"] for d in mine} == {keep["id"]: "published", drop["id"]: "withdrawn"}


def test_natural_persons_declarations_are_not_public(client, w):
    _declare(client, w["tokens"]["person1"], title="个人荣誉证书")
    # this person has no record in public view: answered as no one (QZ art. 22), declarations or not
    r = client.get(f"/api/v1/subjects/{w['person'].id}/declarations")
    assert (r.status_code, r.json()) == (404, client.get("/api/v1/subjects/999999/declarations").json())
    assert [d["title"] for d in client.get("/api/v1/me/declarations",
                                           headers=bearer(w["tokens"]["person1"])).json()] == ["个人荣誉证书"]


def test_refusals_name_the_field_and_other_subjects_get_not_found(client, w):
    r = client.post("/api/v1/me/declarations", json={**BODY, "pledge_accepted": False},
                    headers=bearer(w["tokens"]["firm1"]))
    assert r.status_code == 422 and r.json()["error"]["field"] == "pledge_accepted"
    made = _declare(client, w["tokens"]["firm1"])
    r = client.post(f"/api/v1/me/declarations/{made['id']}/withdraw", json={"reason": "别人的"},
                    headers=bearer(w["tokens"]["rival1"]))
    assert r.status_code == 404
    assert client.get("/api/v1/subjects/999999/declarations").status_code == 404


def test_staff_see_all_and_withdraw_an_unlawful_one(client, w):
    made = _declare(client, w["tokens"]["firm1"])
    staff = bearer(w["tokens"]["staff1"])
    rows = client.get("/api/v1/declarations", headers=staff).json()
    assert [(d["id"], d["subject_name"]) for d in rows] == [(made["id"], w["firm"].name)]
    assert client.get("/api/v1/declarations", headers=bearer(w["tokens"]["firm1"])).status_code == 403
    r = client.post(f"/api/v1/declarations/{made['id']}/withdraw", json={"reason": "认证证书系伪造"}, headers=staff)
    assert r.status_code == 200 and (r.json()["status"], r.json()["withdrawn_as"]) == ("withdrawn", "staff")
    assert client.get(f"/api/v1/subjects/{w['firm'].id}/declarations").json() == []
    told = client.get("/api/v1/me/notifications", headers=bearer(w["tokens"]["firm1"]))
    assert told.status_code == 200 and "认证证书系伪造" in told.text
    assert client.post(f"/api/v1/declarations/{made['id']}/withdraw", json={"reason": "再次"},
                       headers=staff).status_code == 409
