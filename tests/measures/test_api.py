"""The measures and commitments API end to end, on SQLite and PostgreSQL: public lists, the
joint check, apply (and refusal), feedback, the subject's own view, commitments, accept-first."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.measures.helpers import published_lists, setup, subject_with_record
from xinyong.accounts.service import create_user
from xinyong.accounts.tokens import issue_token
from xinyong.measures import service
from xinyong.models.measure import Measure, MeasureList


@pytest.fixture
def api(session, today, client):
    today("2026-06-01")
    ag, agent, staff = setup(session)
    published_lists(session, staff)
    subject, record = subject_with_record(session, ag, "严重")
    create_user(session, username="firm", password="firm-pass-123", role="subject", subject_uscc=subject.uscc)
    session.commit()
    tokens = {u: {"Authorization": f"Bearer {issue_token(session, u)}"} for u in ("agency1", "staff1", "firm")}
    session.commit()
    return client, tokens, subject, record


def test_public_lists_are_published_only(api, session):
    client, tokens, _, _ = api
    r = client.get("/api/v1/measure-lists")
    assert r.status_code == 200
    assert {x["code"] for x in r.json()} == {"quanzhou-punishment", "quanzhou-incentive"}
    assert all(x["status"] == "published" and x["document_no"] for x in r.json())
    service.sync(session, None, directory=_changed(session))
    session.commit()
    draft = session.scalar(select(MeasureList).where(MeasureList.status == "draft"))
    assert client.get(f"/api/v1/measure-lists/{draft.id}").status_code == 404
    assert client.get(f"/api/v1/measure-lists/{draft.id}", headers=tokens["staff1"]).json()["status"] == "draft"
    page = client.get("/measures")
    assert page.status_code == 200 and "QZ-P-01" in page.text and "第二十四条" in page.text


def _changed(session):
    import shutil
    import tempfile
    from pathlib import Path
    d = Path(tempfile.mkdtemp())
    for p in service.LISTS_DIR.glob("quanzhou-punishment.yaml"):
        shutil.copy(p, d / p.name)
    f = d / "quanzhou-punishment.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("限制参与招标投标活动", "限制参与招标投标"), encoding="utf-8")
    return d


def test_joint_check_apply_feedback_and_the_subjects_view(api, session):
    client, tokens, subject, record = api
    r = client.post("/api/v1/joint-check", json={"subject_id": subject.id, "matter": "fiscal_funds"},
                    headers=tokens["agency1"])
    assert r.status_code == 200, r.text
    body = r.json()
    [finding] = body["measures"]
    assert finding["measure"]["code"] == "QZ-P-03" and finding["reasons"][0]["record_ids"] == [record.id]
    assert "第二十四条" in finding["measure"]["legal_basis"] and body["matter_zh"]
    applied = client.post("/api/v1/measure-applications", headers=tokens["agency1"], json={
        "measure_id": finding["measure"]["id"], "subject_id": subject.id, "matter": "fiscal_funds",
        "case_ref": "CZ-2026-7", "check_id": body["check_id"]})
    assert applied.status_code == 201, applied.text
    app_id = applied.json()["id"]
    fb = client.post(f"/api/v1/measure-applications/{app_id}/feedback", headers=tokens["agency1"],
                     json={"effect": "effective", "text": "不予立项"})
    assert fb.status_code == 200 and fb.json()["feedback_effect"] == "effective"
    mine = client.get("/api/v1/me/measures", headers=tokens["firm"]).json()
    assert [m["measure_code"] for m in mine] == ["QZ-P-03"] and "第二十四条" in mine[0]["basis"]["legal_basis"]
    assert client.get("/api/v1/measure-applications", headers=tokens["staff1"]).json()[0]["id"] == app_id


def test_apply_refused_with_reason_for_non_matching_or_unpublished(api, session):
    client, tokens, subject, _ = api
    procurement = session.scalar(select(Measure).where(Measure.code == "QZ-P-01"))
    r = client.post("/api/v1/measure-applications", headers=tokens["agency1"], json={
        "measure_id": procurement.id, "subject_id": subject.id, "matter": "government_procurement", "case_ref": "CG-1"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "measure_no_trigger"
    assert "比例原则" in r.json()["error"]["message"]
    r = client.post("/api/v1/measure-applications", headers=tokens["agency1"], json={
        "measure_id": 999999, "subject_id": subject.id, "matter": "fiscal_funds", "case_ref": "CZ-1"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "measure_unlisted"


def test_commitments_api(api, session):
    client, tokens, subject, _ = api
    r = client.post("/api/v1/commitments", headers=tokens["agency1"], json={
        "subject_id": subject.id, "type": "approval_replacing", "matter": "食品经营许可", "text": "承诺符合许可条件",
        "commitment_no": "GZCN-1", "deadline": "2026-07-01"})
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    assert [c["commitment_no"] for c in client.get("/api/v1/commitments").json()] == ["GZCN-1"]
    b = client.post(f"/api/v1/commitments/{cid}/breach", headers=tokens["agency1"], json={"facts": "核查发现承诺不实"})
    assert b.status_code == 200 and b.json()["status"] == "breached" and b.json()["breach_record_id"]
    af = client.post("/api/v1/accept-first", headers=tokens["staff1"], json={"subject_id": subject.id}).json()
    assert af["allowed"] is False and "QZ art. 25" in af["citation"]
    assert {r["ok"] for r in af["reasons"]} == {True, False}


def test_control_characters_are_refused_before_the_database(api):
    client, tokens, subject, _ = api
    r = client.post("/api/v1/joint-check", json={"subject_id": subject.id, "matter": "fiscal\x00"},
                    headers=tokens["agency1"])
    assert r.status_code == 422
    r = client.post("/api/v1/commitments", headers=tokens["agency1"], json={
        "subject_id": subject.id, "type": "repair", "matter": "m\x00", "text": "t", "commitment_no": "N-1"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "control_character"
    r = client.post("/api/v1/measure-applications", headers=tokens["agency1"], json={
        "measure_id": 1, "subject_id": subject.id, "matter": "fiscal_funds", "case_ref": "C\x00"})
    assert r.status_code == 422
