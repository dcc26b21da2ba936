"""Issue #10 point 1 (QZ art. 37, 对投诉人、举报人信息严格保密), each attack replayed as it was tried,
on both backends: a staff member assigning a complaint to themself, or taking over one assigned
to someone else, to read the complainant; the four-eyes change of handler that replaces it (a
reason, a supervisor's approval, the identity to the new handler only, the displaced handler
shut out); the auditor's list of every opening; the complainant's documents and notifications
naming no account to a reader of the database without the key; an administrator's download of
the result recorded as the administrator's."""
from __future__ import annotations

import hashlib
import hmac

from sqlalchemy import text

from tests.complaints.support import NAME, RESIDENT_ID, SIGNED_NAME, bearer, leaks, world
from xinyong.config import get_settings
from xinyong.models import User

REASON = "原承办人与被投诉主体存在利害关系，申请回避。"
ANSWER = {"outcome": "substantiated", "handling": "核查公示系统，确认该决定已撤销仍在公示。",
          "result": "已撤下该条公示，并责令数据提供单位更正。"}


def _id(session, username):
    return session.query(User).filter(User.username == username).one().id


def _file(client, headers=None, **kw):
    body = {"kind": "complaint", "stage": "publication", "summary": "平台公示了已撤销的处罚决定，请核查并撤下。", **kw}
    r = client.post("/api/v1/complaints", json=body, headers=headers or {})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _sees(client, tok, who, cid) -> bool:
    return client.get(f"/api/v1/complaints/{cid}/handler-view", headers=bearer(tok[who])).status_code == 200


def _assign(client, tok, who, cid, handler_id):
    return client.post(f"/api/v1/complaints/{cid}/assign", json={"handler_user_id": handler_id}, headers=bearer(tok[who]))


def test_self_assignment_and_takeover_by_assign_fail(client, session, today):
    today("2026-11-23")
    w = world(session)
    tok = w["tokens"]
    cid = _file(client, name=NAME, contact="13900000000", id_number=RESIDENT_ID)
    # the attack on a new complaint: assign it to oneself, then read the complainant
    mine = _assign(client, tok, "other", cid, _id(session, "other"))
    assert mine.status_code == 409 and mine.json()["error"]["code"] == "self_assignment"
    assert not _sees(client, tok, "other", cid)
    # the attack of the issue: re-assign an assigned complaint to oneself with the same route
    assert _assign(client, tok, "assigner", cid, _id(session, "handler")).status_code == 200
    takeover = _assign(client, tok, "other", cid, _id(session, "other"))
    assert takeover.status_code == 409 and takeover.json()["error"]["code"] == "self_assignment"
    # ... or to an accomplice: same refusal, nothing moved
    accomplice = _assign(client, tok, "other", cid, _id(session, "handler2"))
    assert accomplice.json()["error"]["code"] == "reassignment_needs_approval"
    assert not _sees(client, tok, "other", cid) and not _sees(client, tok, "handler2", cid)
    assert _sees(client, tok, "handler", cid)   # the handler keeps it
    # asking the four-eyes way for oneself fails too
    ask = client.post(f"/api/v1/complaints/{cid}/reassignments", json={"to_user_id": _id(session, "other"),
                                                                       "reason": REASON}, headers=bearer(tok["other"]))
    assert ask.status_code == 409 and ask.json()["error"]["code"] == "self_assignment"


def test_four_eyes_change_of_handler(client, session, today):
    today("2026-11-23")
    w = world(session)
    tok = w["tokens"]
    cid = _file(client, bearer(tok["filer1"]), name=SIGNED_NAME)
    handler, handler2 = _id(session, "handler"), _id(session, "handler2")
    _assign(client, tok, "assigner", cid, handler)
    url = f"/api/v1/complaints/{cid}/reassignments"
    # no reason, no request
    bare = client.post(url, json={"to_user_id": handler2, "reason": "换人"}, headers=bearer(tok["assigner"]))
    assert bare.status_code == 422 and bare.json()["error"]["code"] == "reason_required"
    asked = client.post(url, json={"to_user_id": handler2, "reason": REASON}, headers=bearer(tok["assigner"]))
    assert asked.status_code == 201 and asked.json()["status"] == "pending" and asked.json()["reason"] == REASON
    rid = asked.json()["id"]
    again = client.post(url, json={"to_user_id": handler2, "reason": REASON}, headers=bearer(tok["other"]))
    assert again.json()["error"]["code"] == "request_pending"
    # asking changes nothing: the new handler does not see the complainant yet
    assert _sees(client, tok, "handler", cid) and not _sees(client, tok, "handler2", cid)
    # the requester (staff) and the administrator cannot approve: a supervisor must
    approve = f"{url}/{rid}/approve"
    for who in ("assigner", "handler", "handler2", "admin1"):
        assert client.post(approve, json={}, headers=bearer(tok[who])).status_code == 403
    queue = client.get("/api/v1/complaints/reassignments", headers=bearer(tok["chief"]))
    assert [r["id"] for r in queue.json()] == [rid] and leaks(queue.text) == []
    ok = client.post(approve, json={"note": "同意回避"}, headers=bearer(tok["chief"]))
    assert ok.status_code == 200 and ok.json()["status"] == "approved" and ok.json()["decider"] == "chief"
    assert client.post(approve, json={}, headers=bearer(tok["chief"])).json()["error"]["code"] == "not_pending"
    # the identity passes to the new handler only; the displaced handler loses access at once
    assert _sees(client, tok, "handler2", cid)
    for who in ("handler", "assigner", "other", "admin1"):
        assert not _sees(client, tok, who, cid), who
    assert client.get(f"/api/v1/complaints/{cid}/handler-view", headers=bearer(tok["chief"])).status_code == 403
    assert client.post(f"/api/v1/complaints/{cid}/handle", json=ANSWER, headers=bearer(tok["handler"])).status_code == 404
    # nobody but the new handler got the identity in any answer or notification
    for who in ("assigner", "chief", "handler", "admin1"):
        for path in (f"/api/v1/complaints/{cid}", url, "/api/v1/me/notifications", "/api/v1/complaints"):
            r = client.get(path, headers=bearer(tok[who]))
            assert leaks(r.text) == [], (who, path)
    assert client.post(f"/api/v1/complaints/{cid}/handle", json=ANSWER, headers=bearer(tok["handler2"])).status_code == 200
    audit = session.execute(text("SELECT action, actor_user_id FROM audit_log WHERE target_type = 'complaint' "
                                 "AND action LIKE 'complaint.reassign%'")).all()
    assert sorted(audit) == [("complaint.reassigned", _id(session, "chief")),
                             ("complaint.reassignment_requested", _id(session, "assigner"))]


def test_a_refused_request_leaves_the_handler(client, session, today):
    today("2026-11-23")
    w = world(session)
    tok = w["tokens"]
    cid = _file(client, anonymous=True)
    _assign(client, tok, "assigner", cid, _id(session, "handler"))
    url = f"/api/v1/complaints/{cid}/reassignments"
    # the handler may hand over, with a reason
    rid = client.post(url, json={"to_user_id": _id(session, "handler2"), "reason": REASON},
                      headers=bearer(tok["handler"])).json()["id"]
    no = client.post(f"{url}/{rid}/refuse", json={"note": "理由不充分"}, headers=bearer(tok["chief"]))
    assert no.status_code == 200 and no.json()["status"] == "refused"
    assert _sees(client, tok, "handler", cid) and not _sees(client, tok, "handler2", cid)
    assert [r["status"] for r in client.get(url, headers=bearer(tok["other"])).json()] == ["refused"]


def test_every_opening_is_listed_for_the_auditor(client, session, today):
    today("2026-11-23")
    w = world(session)
    tok = w["tokens"]
    cid = _file(client, bearer(tok["filer1"]), name=SIGNED_NAME)
    _assign(client, tok, "assigner", cid, _id(session, "handler"))
    for _ in range(2):
        assert _sees(client, tok, "handler", cid)
    assert not _sees(client, tok, "other", cid)   # a refused look opens nothing and lists nothing
    client.post(f"/api/v1/complaints/{cid}/handle", json=ANSWER, headers=bearer(tok["handler"]))
    url = f"/api/v1/complaints/{cid}/identity-views"
    views = client.get(url, headers=bearer(tok["auditor1"]))
    assert views.status_code == 200 and leaks(views.text) == []
    handler = _id(session, "handler")
    assert [(v["actor_user_id"], v["purpose"]) for v in views.json()] == [
        (handler, "handle"), (handler, "handle"), (handler, "tell_result")]
    for who in ("other", "handler", "chief", "subject1"):
        assert client.get(url, headers=bearer(tok[who])).status_code == 403
    assert client.get(f"/api/v1/complaints/{cid + 99}/identity-views", headers=bearer(tok["auditor1"])).status_code == 404


def test_the_database_without_the_key_names_no_complainant_and_admin_reads_are_the_admins(client, session, today):
    today("2026-11-23")
    w = world(session)
    tok = w["tokens"]
    filer, admin = _id(session, "filer1"), _id(session, "admin1")
    cid = _file(client, bearer(tok["filer1"]), name=SIGNED_NAME)
    _assign(client, tok, "assigner", cid, _id(session, "handler"))
    assert client.post(f"/api/v1/complaints/{cid}/handle", json=ANSWER, headers=bearer(tok["handler"])).status_code == 200
    # the complainant still finds their result, document and notification ...
    docs = client.get("/api/v1/me/documents", headers=bearer(tok["filer1"])).json()
    assert [d["kind"] for d in docs] == ["complaint_result"]
    inbox = client.get("/api/v1/me/notifications", headers=bearer(tok["filer1"])).json()["items"]
    note = next(n for n in inbox if n["kind"] == "complaint_result")
    assert client.post(f"/api/v1/me/notifications/{note['id']}/read", headers=bearer(tok["filer1"])).status_code == 200
    # reading it leaves no audit entry at all: one with the platform as the actor sat in time beside the
    # reader's own entries (a read-all wrote both in one request) and showed who had complained
    assert session.execute(text("SELECT count(*) FROM audit_log WHERE action = 'notification.read'")).scalar() == 0
    assert client.get(f"/api/v1/documents/{docs[0]['id']}", headers=bearer(tok["filer1"])).status_code == 200
    # ... which nobody else does
    for who in ("subject1", "other"):
        assert all(d["kind"] != "complaint_result" for d in client.get("/api/v1/me/documents", headers=bearer(tok[who])).json())
        assert all(n["kind"] != "complaint_result" for n in
                   client.get("/api/v1/me/notifications", headers=bearer(tok[who])).json()["items"])
    # the administrator's download is recorded as the administrator's
    assert client.get(f"/api/v1/documents/{docs[0]['id']}", headers=bearer(tok["admin1"])).status_code == 200
    downloads = session.execute(text("SELECT actor_user_id, actor FROM audit_log WHERE action = 'document.downloaded' "
                                     "ORDER BY id")).all()
    assert downloads == [(None, "system"), (admin, "admin1")]
    # the rows, read without the key: no account id, and a pseudonym only the hash key makes
    doc_row = session.execute(text("SELECT addressee_user_id, subject_id, addressee_org_id, addressee_ref FROM documents "
                                   "WHERE kind = 'complaint_result'")).one()
    note_row = session.execute(text("SELECT recipient_user_id, recipient_org_id, recipient_role, recipient_subject_id, "
                                    "recipient_ref FROM notifications WHERE kind = 'complaint_result'")).one()
    assert doc_row[:3] == (None, None, None) and note_row[:4] == (None, None, None, None)
    ref = doc_row[3]
    assert ref == note_row[4] and len(ref) == 64 and ref != str(filer)

    def guess(key: bytes) -> str:
        return hmac.new(key, f"SEALED-PARTY:{filer}".encode(), hashlib.sha256).hexdigest()
    assert ref == guess(get_settings().hash_key_bytes())          # the key makes it ...
    assert ref != guess(b"\x00" * 32) and ref != hashlib.sha256(f"sealed-party:{filer}".encode()).hexdigest()
    # the complainant's own actions on them name no account in the audit log either
    named = session.execute(text("SELECT action FROM audit_log WHERE actor_user_id = :u AND target_type IN "
                                 "('document', 'notification', 'complaint')"), {"u": filer}).all()
    assert named == []


def test_a_concurrent_assignment_cannot_overwrite_the_one_that_won(client, session, today):
    """Two assigners (or two approvals) racing: the handler is set by compare-and-set, so the
    one whose check ran on a stale row is refused instead of silently taking the complaint."""
    import pytest

    from xinyong.complaints import service
    from xinyong.kit.access import Principal
    from xinyong.kit.errors import Conflict
    today("2026-11-23")
    world(session)
    cid = _file(client, anonymous=True)
    stale = service.get(session, cid)                       # read while still unassigned ...
    assert stale.status == "filed"
    session.execute(text("UPDATE complaints SET handler_user_id = :h, status = 'assigned' WHERE id = :i"),
                    {"h": _id(session, "handler"), "i": cid})   # ... when another assigner wins
    other = Principal(user_id=_id(session, "other"), username="other", role="staff")
    with pytest.raises(Conflict) as refused:
        service.assign(session, other, cid, _id(session, "handler2"))
    assert refused.value.code == "changed_meanwhile"
    session.rollback()
    assert session.execute(text("SELECT handler_user_id FROM complaints WHERE id = :i"), {"i": cid}).scalar() is None
