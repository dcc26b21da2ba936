"""Approval requires every condition the rule in force names (FZ art. 21 para. 2: behaviour
corrected, commitment accepted, supervision accepted, penalty decision performed; QZ art. 35
para. 1: behaviour corrected and bad influence removed): the approver confirms each one no
material on file evidences; otherwise 409 conditions_unconfirmed naming the missing ones; the
confirmations (who, when, which) are kept on the application and shown in the result document."""
from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from tests.repair.conftest import ELIGIBLE, PDF, PNG
from xinyong.config import reset_settings
from xinyong.law import reset_profiles
from xinyong.models import Document, User

FULL = {"commitment_letter": ("承诺书.pdf", PDF, "application/pdf"),
        "proof_of_performance": ("罚款缴款凭证.png", PNG, "image/png")}


@pytest.fixture
def fuzhou(monkeypatch):
    def switch():
        monkeypatch.setenv("XINYONG_PROFILE", "fuzhou")
        reset_settings()
        reset_profiles()
    yield switch
    monkeypatch.delenv("XINYONG_PROFILE", raising=False)
    reset_settings()
    reset_profiles()


def _accepted(client, world, firm, agency) -> int:
    r = client.post("/api/v1/me/repair/applications", headers=firm, files=FULL,
                    data={"record_id": str(world.records[ELIGIBLE]), "statement": "罚款已缴清"})
    assert r.status_code == 201, r.text
    app_id = r.json()["id"]
    assert client.post(f"/api/v1/repair/applications/{app_id}/accept", headers=agency).status_code == 200
    return app_id


def test_fz_art_21_approval_needs_every_condition_confirmed(client, world, fuzhou):
    firm, agency = world.token("firm"), world.token("scjg")
    app_id = _accepted(client, world, firm, agency)
    fuzhou()
    shown = client.get(f"/api/v1/repair/applications/{app_id}", headers=agency).json()
    assert "FZ art. 21 para. 2" in shown["conditions_citation"]
    conds = {c["code"]: c for c in shown["conditions"]}
    assert set(conds) == {"behaviour_corrected", "commitment_accepted", "supervision_accepted", "penalty_performed"}
    # the proof of performance on file evidences item (4); the other three the approver confirms
    assert conds["penalty_performed"]["evidenced_by"] == "proof_of_performance"
    to_confirm = [c for c, v in conds.items() if v["evidenced_by"] is None]
    assert len(to_confirm) == 3 and shown["condition_confirmations"] is None
    url = f"/api/v1/repair/applications/{app_id}/approve"

    r = client.post(url, headers=agency, json={"reason": "已整改"})
    assert r.status_code == 409, r.text
    error = r.json()["error"]
    assert error["code"] == "conditions_unconfirmed" and sorted(error["details"]["missing"]) == sorted(to_confirm)
    assert "FZ art. 21 para. 2" in error["message"] and "FZ art. 21 para. 2" in error["message_en"]
    assert conds["supervision_accepted"]["text_zh"] in error["message"]
    assert conds["supervision_accepted"]["text_en"] in error["message_en"]

    r = client.post(url, headers=agency, json={"conditions": to_confirm[:2]})
    assert r.status_code == 409 and r.json()["error"]["details"]["missing"] == to_confirm[2:]
    r = client.post(url, headers=agency, json={"conditions": [*to_confirm, "no_such_condition"]})
    assert r.status_code == 422, r.text
    assert world.record(ELIGIBLE).status == "active"

    r = client.post(url, headers=agency, json={"conditions": to_confirm})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "approved" and world.record(ELIGIBLE).status == "repaired"
    recorded = body["condition_confirmations"]
    scjg = world.session.scalar(select(User.id).where(User.username == "scjg"))
    assert recorded["by"] == scjg and recorded["by_name"] and recorded["at"] and "FZ art. 21 para. 2" in recorded["citation"]
    assert {c["code"] for c in recorded["conditions"] if c["confirmed"]} == set(to_confirm)
    assert [c["evidenced_by"] for c in recorded["conditions"] if not c["confirmed"]] == ["proof_of_performance"]
    result = next(d for d in body["documents"] if d["kind"] == "repair_result")
    doc = world.session.get(Document, result["id"])
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(doc.content)).pages).replace("\x00", "")
    for expected in ("修复条件", "第二十一条第二款", "经办人确认", "监督检", f"确认人：{recorded['by_name']}"):
        assert expected in text, text


def test_qz_art_35_approval_needs_the_corrected_behaviour_confirmed(client, world):
    firm, agency = world.token("firm"), world.token("scjg")
    app_id = _accepted(client, world, firm, agency)
    url = f"/api/v1/repair/applications/{app_id}/approve"
    r = client.post(url, headers=agency, json={})
    assert r.status_code == 409 and r.json()["error"]["details"]["missing"] == ["behaviour_corrected"]
    assert "QZ art. 35 para. 1" in r.json()["error"]["message_en"]
    r = client.post(url, headers=agency, json={"conditions": ["behaviour_corrected"]})
    assert r.status_code == 200, r.text
    assert [c["code"] for c in r.json()["condition_confirmations"]["conditions"]] == ["behaviour_corrected"]
