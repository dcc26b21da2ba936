"""Complaints end to end through the API on both backends (QZ art. 37): filed anonymously and
signed in, assigned, handled, the result told; and the complainant's identity kept from
everyone but the assigned handler — in every API answer, page, audit entry and notification."""
from __future__ import annotations

from sqlalchemy import text

from tests.complaints.support import (CONTACT, NAME, RESIDENT_ID, SIGNED_CONTACT, SIGNED_NAME, bearer, leaks,
                                      page_login, world)
from xinyong.models import User


def _file(client, headers=None, **kw):
    body = {"kind": "complaint", "stage": "publication", "summary": "平台公示了已撤销的处罚决定，请核查并撤下。", **kw}
    r = client.post("/api/v1/complaints", json=body, headers=headers or {})
    assert r.status_code == 201, r.text
    return r.json()


def _id(session, username):
    return session.query(User).filter(User.username == username).one().id


def test_complaint_lifecycle_and_confidentiality(client, session, today):
    today("2026-11-23")
    w = world(session)
    tok = w["tokens"]
    rec = w["record"]
    # anyone files: a named filer without an account, and a signed-in account holder
    public = _file(client, name=NAME, contact=CONTACT, id_number=RESIDENT_ID, subject_id=w["subject_id"],
                   record_id=rec.id)
    assert leaks(str(public)) == []
    signed = _file(client, bearer(tok["filer1"]), kind="report", stage="query", name=SIGNED_NAME,
                   contact=SIGNED_CONTACT)
    assert public["handle_due_on"] == "2026-12-14"   # 15 working days (deadline.complaint.handle)
    # unknown subject / record of another subject: 404
    bad = client.post("/api/v1/complaints", json={"stage": "use", "summary": "x" * 20, "anonymous": True,
                                                  "record_id": rec.id, "subject_id": rec.subject_id + 999})
    assert bad.status_code == 404
    # staff see the queue without anyone's identity
    queue = client.get("/api/v1/complaints", headers=bearer(tok["assigner"]))
    assert queue.status_code == 200 and len(queue.json()) == 2 and leaks(queue.text) == []
    # nobody sees the identity before a handler is assigned, the admin included
    for who in ("assigner", "other", "admin1"):
        assert client.get(f"/api/v1/complaints/{public['id']}/handler-view", headers=bearer(tok[who])).status_code == 404
    # assignment: to a staff account only
    handler_id = _id(session, "handler")
    refused = client.post(f"/api/v1/complaints/{public['id']}/assign", json={"handler_user_id": _id(session, "auditor1")},
                          headers=bearer(tok["assigner"]))
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "not_a_handler"
    for c in (public, signed):
        r = client.post(f"/api/v1/complaints/{c['id']}/assign", json={"handler_user_id": handler_id},
                        headers=bearer(tok["assigner"]))
        assert r.status_code == 200 and r.json()["status"] == "assigned" and leaks(r.text) == []
    # the handler sees the identity; the assigner, another staff member and the admin do not
    view = client.get(f"/api/v1/complaints/{public['id']}/handler-view", headers=bearer(tok["handler"]))
    assert view.status_code == 200
    assert view.json()["complainant"] == {"anonymous": False, "signed_in": False, "name": NAME, "contact": CONTACT,
                                          "id_number": RESIDENT_ID}
    for who in ("assigner", "other", "admin1"):
        assert client.get(f"/api/v1/complaints/{public['id']}/handler-view", headers=bearer(tok[who])).status_code == 404
    # only the handler handles; others get 404
    answer = {"outcome": "substantiated", "handling": "核查公示系统，确认该决定已撤销仍在公示。",
              "result": "已撤下该条公示，并责令数据提供单位更正。"}
    assert client.post(f"/api/v1/complaints/{public['id']}/handle", json=answer,
                       headers=bearer(tok["other"])).status_code == 404
    for c in (public, signed):
        r = client.post(f"/api/v1/complaints/{c['id']}/handle", json=answer, headers=bearer(tok["handler"]))
        assert r.status_code == 200 and r.json()["status"] == "handled" and r.json()["deadline_state"] == "done"
    # the complainant reads the result with the code and secret; a wrong secret reads nothing
    track = client.post("/api/v1/complaints/track", json={"tracking_code": public["tracking_code"],
                                                          "secret": public["secret"]})
    assert track.status_code == 200 and track.json()["result"] == answer["result"] and leaks(track.text) == []
    wrong = client.post("/api/v1/complaints/track", json={"tracking_code": public["tracking_code"], "secret": "0" * 24})
    assert wrong.status_code == 404
    # the signed-in complainant: in their list, notified, with a PDF addressed to their account
    mine = client.get("/api/v1/me/complaints", headers=bearer(tok["filer1"])).json()
    assert [m["tracking_code"] for m in mine] == [signed["tracking_code"]] and mine[0]["result_document_id"]
    inbox = client.get("/api/v1/me/notifications", headers=bearer(tok["filer1"]))
    assert signed["tracking_code"] in inbox.text
    docs = client.get("/api/v1/me/documents", headers=bearer(tok["filer1"])).json()
    assert [d["kind"] for d in docs] == ["complaint_result"]
    pdf = client.get(f"/api/v1/documents/{docs[0]['id']}", headers=bearer(tok["filer1"]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.get(f"/api/v1/documents/{docs[0]['id']}", headers=bearer(tok["subject1"])).status_code == 404

    # ---- confidentiality: every other answer, as every other role, carries none of it ----
    scanned = []
    for who in ("assigner", "other", "admin1", "auditor1", "subject1", "filer1", "handler"):
        h = bearer(tok[who])
        for path in ("/api/v1/complaints", f"/api/v1/complaints/{public['id']}", f"/api/v1/complaints/{signed['id']}",
                     "/api/v1/me/complaints", "/api/v1/me/notifications", "/api/v1/me/documents",
                     f"/api/v1/subjects/{w['subject_id']}", "/api/v1/audit/entries?limit=500",
                     "/api/v1/deadlines", "/api/v1/notifications"):
            r = client.get(path, headers=h)
            scanned.append((who, path, r.status_code))
            assert leaks(r.text) == [], (who, path)
    anonymous_views = [client.get(p) for p in (f"/api/v1/subjects/{w['subject_id']}", "/api/v1/complaints")]
    assert all(leaks(r.text) == [] for r in anonymous_views)
    assert any(code == 200 for _, p, code in scanned if p.startswith("/api/v1/audit"))
    # the audit log itself (every column) and the stored complaint rows hold no plain identity
    audit = " ".join(str(row) for row in session.execute(text("SELECT * FROM audit_log")))
    assert "complaint.filed" in audit and "complaint.identity_viewed" in audit and leaks(audit) == []
    filers = session.execute(text("SELECT actor, actor_user_id FROM audit_log WHERE action = 'complaint.filed'")).all()
    assert filers == [("system", None), ("system", None)]   # the signed-in filer's account is not in the log
    downloads = session.execute(text("SELECT actor, actor_user_id FROM audit_log WHERE action = 'document.downloaded' "
                                     "AND target_id = :d"), {"d": str(docs[0]["id"])}).all()
    assert downloads == [("system", None)]   # nor is it named by downloading the result addressed to them
    stored = " ".join(str(row) for row in session.execute(text(
        "SELECT tracking_code, summary, filer_hash, secret_hash, handling, result FROM complaints")))
    assert leaks(stored) == []
    blobs = [bytes(b) for (b,) in session.execute(text("SELECT identity_enc FROM complaints"))]
    assert all(NAME.encode() not in b and CONTACT.encode() not in b and SIGNED_NAME.encode() not in b for b in blobs)
    docs_text = " ".join(str(row) for row in session.execute(text("SELECT title, filename, citation FROM documents")))
    assert leaks(docs_text) == []

    # ---- pages: the handler sees the identity, another staff member does not ----
    page_login(client, "handler")
    mine_page = client.get(f"/complaints/{public['id']}")
    assert NAME in mine_page.text and RESIDENT_ID in mine_page.text
    page_login(client, "other")
    other_page = client.get(f"/complaints/{public['id']}")
    assert other_page.status_code == 200 and leaks(other_page.text) == []
    assert leaks(client.get("/complaints").text) == []


def test_handling_deadline_goes_overdue_with_the_clock(client, session, today):
    today("2026-11-23")
    w = world(session)
    filed = _file(client, anonymous=True)
    h = bearer(w["tokens"]["assigner"])
    assert client.get(f"/api/v1/complaints/{filed['id']}", headers=h).json()["deadline_state"] == "on_time"
    odd = client.post("/api/v1/complaints/track", json={"tracking_code": "TS\x00", "secret": "\x00"})
    assert odd.status_code == 422 and odd.json()["error"]["code"] == "control_character"
    nul = client.post("/api/v1/complaints", json={"stage": "use", "summary": "用途\x00不合法的查询和使用", "anonymous": True})
    assert nul.status_code == 422
    today("2026-12-15")   # the day after the 15th working day
    assert client.get(f"/api/v1/complaints/{filed['id']}", headers=h).json()["deadline_state"] == "overdue"


def test_anonymous_filer_is_anonymous_even_to_the_handler(client, session, today):
    today("2026-11-23")
    w = world(session)
    filed = _file(client, anonymous=True, name=NAME, contact=CONTACT)   # names typed, then "anonymous" ticked
    tok = w["tokens"]
    client.post(f"/api/v1/complaints/{filed['id']}/assign", json={"handler_user_id": _id(session, "handler")},
                headers=bearer(tok["assigner"]))
    view = client.get(f"/api/v1/complaints/{filed['id']}/handler-view", headers=bearer(tok["handler"])).json()
    assert view["complainant"]["anonymous"] is True and leaks(str(view)) == []


def test_filing_tells_nothing_of_a_person_or_record_out_of_view(client, session, today):
    """Anyone may file, so the answer about the subject and record named must be the public's:
    a record past its publicity and a person with nothing in view are answered as no one, like
    ids that do not exist (security audit: the 404 fields told which existed, with nothing
    stored); the subject's own account names its own."""
    import datetime as dt

    from xinyong.models import Subject
    today("2026-11-23")
    w = world(session)
    rec = w["record"]
    person = Subject(kind="natural_person", name="隐身人")
    session.add(person)
    session.commit()
    body = {"stage": "use", "summary": "该记录的使用存在问题，请核查处理。", "anonymous": True}

    def answer(headers=None, **target):
        r = client.post("/api/v1/complaints", json={**body, **target}, headers=headers or {})
        return r.status_code, r.json().get("error", {}).get("field")

    assert answer(subject_id=person.id) == answer(subject_id=person.id + 999) == (404, "subject_id")
    assert answer(subject_id=w["subject_id"], record_id=rec.id)[0] == 201
    today((rec.publicity_end + dt.timedelta(days=1)).isoformat())   # the record has left public view
    gone = answer(subject_id=w["subject_id"], record_id=rec.id)
    assert gone == answer(subject_id=w["subject_id"], record_id=rec.id + 999) == (404, "record_id")
    assert answer(bearer(w["tokens"]["subject1"]), subject_id=w["subject_id"], record_id=rec.id)[0] == 201
