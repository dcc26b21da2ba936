"""Notifications reach the account, its organisation, its role or its subject, and no one else."""
from __future__ import annotations

from sqlalchemy import select

from tests.deadlines.support import csrf, login
from xinyong.models import AuditEntry
from xinyong.notifications import service


def test_each_kind_of_recipient_and_marking_read(client, session, city):
    service.notify(session, kind="t", text_zh="给市场监管局", text_en="to scjg", org_id=city.orgs["scjg"].id)
    service.notify(session, kind="t", text_zh="给信用主管部门", text_en="to staff", role="staff")
    service.notify(session, kind="t", text_zh="给企业", text_en="to the firm", subject_id=city.subject_id,
                   link="/me/documents")
    service.notify(session, kind="t", text_zh="给本人", text_en="to the account", user_id=city.users["swj"].id)
    assert service.notify(session, kind="t", text_zh="x", text_en="x", role="staff", dedupe_key="k") is not None
    assert service.notify(session, kind="t", text_zh="x", text_en="x", role="staff", dedupe_key="k") is None
    session.commit()
    seen = {}
    for username in ("scjg", "swj", "staff", "firm", "other", "auditor"):
        login(client, username)
        seen[username] = [n["text_zh"] for n in client.get("/api/v1/me/notifications").json()["items"]]
    assert seen["scjg"] == ["给市场监管局"]
    assert seen["swj"] == ["给本人"]
    assert seen["staff"] == ["x", "给信用主管部门"]
    assert seen["firm"] == ["给企业"] and seen["other"] == [] and seen["auditor"] == []

    login(client, "firm")
    page = client.get("/me/notifications")
    assert "给企业" in page.text and "未读 1 条" in page.text
    body = client.get("/api/v1/me/notifications").json()
    note_id = body["items"][0]["id"]
    assert body["unread"] == 1 and not body["items"][0]["read"]
    token = csrf(client, "/me/notifications")
    r = client.post(f"/me/notifications/{note_id}/read", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    assert client.get("/api/v1/me/notifications").json()["unread"] == 0
    session.expire_all()
    read = session.scalars(select(AuditEntry).where(AuditEntry.action == "notification.read")).one()
    assert read.target_id == str(note_id) and read.details == {"count": 1}
    login(client, "other")
    token = csrf(client, "/me/notifications")
    assert client.post(f"/api/v1/me/notifications/{note_id}/read", headers={"x-csrf-token": token}).status_code == 404


def test_mark_all_read(client, session, city):
    for i in range(3):
        service.notify(session, kind="t", text_zh=f"第{i}条", text_en=f"#{i}", org_id=city.orgs["swj"].id)
    session.commit()
    login(client, "swj")
    token = csrf(client, "/me/notifications")
    client.post("/me/notifications/read-all", data={"csrf_token": token})
    assert client.get("/api/v1/me/notifications").json()["unread"] == 0


def test_bulk_notify_skips_used_keys(session, city):
    rows = [{"kind": "t", "text_zh": "a", "text_en": "a", "recipient_role": "staff", "dedupe_key": "a"},
            {"kind": "t", "text_zh": "a", "text_en": "a", "recipient_role": "staff", "dedupe_key": "a"},
            {"kind": "t", "text_zh": "b", "text_en": "b", "recipient_role": "staff", "dedupe_key": "b"},
            {"kind": "t", "text_zh": "none", "text_en": "none"}]
    assert service.notify_many(session, rows) == 2
    assert service.notify_many(session, rows) == 0


def test_anonymous_is_asked_to_sign_in(client, city):
    assert client.get("/api/v1/me/notifications").status_code == 401
