"""End to end through the API, with the clock moved by XINYONG_TODAY: a serious-dishonesty
listing is proposed, the subject told in writing, objects, the agency answers within 3 working
days, the decision is taken after the notice period and published; the public list shows it;
the repair hook removes it. Refusals answer with the rule and its article."""
from __future__ import annotations

from sqlalchemy import select

from tests.lists.support import build
from xinyong.accounts.tokens import issue_token
from xinyong.db import session_scope
from xinyong.lists import hooks
from xinyong.models import Deadline, Record


def _h(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_serious_dishonesty_listing_end_to_end(client, session, today):
    today("2026-06-01")                                   # a Monday
    w = build(session)
    tokens = {u: issue_token(session, u) for u in ("agency1", "staff1", "firm1", "agency2")}
    session.commit()
    agency, staff, firm, other = (_h(tokens[u]) for u in ("agency1", "staff1", "firm1", "agency2"))
    body = {"kind": "serious_dishonesty", "subject_id": w.subject_id, "category": "late_filing",
            "basis_record_ids": [w.serious_id], "reasons": "在食品生产中使用非食品原料，严重危害人民群众身体健康",
            "legal_basis": "《中华人民共和国食品安全法》第一百二十三条", "measures": "限制参与政府采购活动",
            "responsible_persons": [{"role": "legal_representative", "name": "王大明"},
                                    {"role": "directly_responsible", "name": "李小红"}]}

    refused = client.post("/api/v1/lists/proposals", json=body, headers=agency)
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "listing_category_not_allowed"
    assert "QZ art. 22-23" in refused.json()["error"]["details"]["citation"]
    lenient = client.post("/api/v1/lists/proposals", json={**body, "category": "health_safety",
                                                          "lenient_flags": ["minor_full_capacity"]}, headers=agency)
    assert lenient.status_code == 409 and "QZ art. 21" in lenient.json()["error"]["details"]["citation"]

    made = client.post("/api/v1/lists/proposals", json={**body, "category": "health_safety"}, headers=agency)
    assert made.status_code == 201, made.text
    pid = made.json()["id"]
    assert made.json()["status"] == "proposed"
    hidden = client.get(f"/api/v1/lists/proposals/{pid}", headers=firm)   # not told yet
    assert hidden.status_code == 404, hidden.text
    assert client.get(f"/api/v1/lists/proposals/{pid}", headers=other).status_code == 404  # another agency

    early = client.post(f"/api/v1/lists/proposals/{pid}/decision", headers=agency)
    assert early.status_code == 409 and early.json()["error"]["code"] == "listing_notice_not_sent"

    told = client.post(f"/api/v1/lists/proposals/{pid}/notice", headers=staff)
    assert told.status_code == 200 and told.json()["status"] == "notice"
    notice = next(s for s in told.json()["steps"] if s["step"] == "notice_period")
    assert notice["due_on"] == "2026-06-08" and notice["state"] == "on_time"
    assert [d["kind"] for d in told.json()["documents"]] == ["listing_notice"]

    mine = client.get("/api/v1/me/lists", headers=firm).json()
    assert [p["id"] for p in mine] == [pid]
    page = client.get("/me/lists", headers=firm).text
    assert mine[0]["subject_name"] in page and "#" + str(mine[0]["subject_id"]) not in page   # no internal ids
    today("2026-06-03")
    objected = client.post(f"/api/v1/lists/proposals/{pid}/objection", json={"text": "违法行为已整改"}, headers=firm)
    assert objected.status_code == 200 and objected.json()["status"] == "objection"
    reply_step = next(s for s in objected.json()["steps"] if s["step"] == "objection_reply")
    assert reply_step["due_on"] == "2026-06-08"                       # 3 working days from Wednesday
    assert "QZ art. 23" in reply_step["citation"]

    today("2026-06-09")                                                 # notice period over, objection open
    blocked = client.post(f"/api/v1/lists/proposals/{pid}/decision", headers=agency)
    assert blocked.status_code == 409 and blocked.json()["error"]["code"] == "listing_objection_unanswered"

    today("2026-06-05")                                                 # answered within 3 working days
    answered = client.post(f"/api/v1/lists/proposals/{pid}/objection-reply",
                           json={"outcome": "upheld", "reply": "经核实，整改不改变违法行为的性质"}, headers=agency)
    assert answered.status_code == 200 and answered.json()["status"] == "notice"
    reply_step = next(s for s in answered.json()["steps"] if s["step"] == "objection_reply")
    assert reply_step["state"] == "done" and reply_step["outcome"] == "upheld"
    running = client.post(f"/api/v1/lists/proposals/{pid}/decision", headers=agency)
    assert running.status_code == 409 and running.json()["error"]["code"] == "listing_notice_period_running"

    today("2026-06-09")
    decided = client.post(f"/api/v1/lists/proposals/{pid}/decision", headers=agency)
    assert decided.status_code == 200, decided.text
    assert decided.json()["entry"]["status"] == "decided"
    notice = next(s for s in decided.json()["steps"] if s["step"] == "notice_period")
    assert (notice["state"], notice["completed_on"], notice["outcome"]) == ("done", "2026-06-08", "ended")
    assert client.get("/api/v1/lists/entries").json() == []             # not published yet
    published = client.post(f"/api/v1/lists/proposals/{pid}/publication", headers=staff)
    entry = published.json()["entry"]
    assert entry["status"] == "active" and entry["listed_on"] == "2026-06-09" and entry["period_end"] == "2029-06-08"
    kinds = [d["kind"] for d in published.json()["documents"]]
    assert kinds == ["listing_notice", "listing_objection_reply", "listing_decision"]

    public = client.get("/api/v1/lists/entries?kind=serious_dishonesty").json()
    assert [(e["subject_id"], e["category"]) for e in public] == [(w.subject_id, "health_safety")]
    assert {p["name"] for p in public[0]["responsible_persons"]} == {"王**", "李**"}   # persons masked
    assert client.get(f"/api/v1/lists/subjects/{w.subject_id}").json()[0]["id"] == entry["id"]
    page = client.get("/lists/serious_dishonesty")
    assert page.status_code == 200 and "泉州市示范化工有限公司" in page.text and "王大明" not in page.text
    english = client.get("/lists/serious_dishonesty?lang=en").text     # its name as a heading: a capital
    assert "<h1>Serious-dishonesty list</h1>" in english and "<title>Serious-dishonesty list" in english

    with session_scope() as s:                                          # credit repair of the record
        s.get(Record, w.serious_id).status = "repaired"
        hooks.on_records_repaired(s, w.subject_id, [w.serious_id], __import__("datetime").date(2026, 9, 1))
    assert client.get("/api/v1/lists/entries").json() == []
    after = client.get(f"/api/v1/lists/proposals/{pid}", headers=staff).json()
    assert after["entry"]["status"] == "removed" and after["entry"]["removal_reason"] == "repaired"
    assert [d["kind"] for d in after["documents"]][-1] == "listing_removal"
    with session_scope() as s:
        assert s.scalar(select(Deadline.completed_on).where(Deadline.procedure_id == pid,
                                                            Deadline.step == "notice_period")) is not None


def test_lists_in_force_per_profile(client, monkeypatch):
    from xinyong.config import reset_settings
    from xinyong.law import reset_profiles
    assert [k["kind"] for k in client.get("/api/v1/lists").json()["kinds"]] == ["serious_dishonesty"]
    monkeypatch.setenv("XINYONG_PROFILE", "fuzhou")
    reset_settings()
    reset_profiles()
    try:
        body = client.get("/api/v1/lists").json()
        assert body["mode"] == "red_black" and [k["kind"] for k in body["kinds"]] == ["red", "black"]
        assert client.get("/lists/red").status_code == 200
        assert client.get("/lists/serious_dishonesty").status_code == 404
    finally:
        monkeypatch.delenv("XINYONG_PROFILE")
        reset_settings()
        reset_profiles()
