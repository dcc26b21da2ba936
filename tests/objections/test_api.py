"""End to end through the API, on both backends: a subject files an objection with evidence;
the record is marked on the public portal, the public API and the gated profile; the source
agency corrects it; the record's history keeps old values and the reason; the mark is cleared;
the subject downloads the written result."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from tests.objections.conftest import PDF, PNG, login
from xinyong.history import versions
from xinyong.models import Document, Record

REASONS = "处罚决定日期与决定书原件不一致，原件为2026年4月30日。"


def _file(client, headers, record_id, files=None, grounds=("error",)):
    files = files if files is not None else [("files", ("决定书.pdf", PDF, "application/pdf")),
                                              ("files", ("现场.png", PNG, "image/png"))]
    return client.post("/api/v1/me/objections", headers=headers, files=files or None,
                       data={"record_id": str(record_id), "grounds": list(grounds), "reasons": REASONS})


def _marked(client, subject_id, record_id) -> bool:
    body = client.get(f"/api/v1/subjects/{subject_id}").json()
    return next(r for r in body["records"] if r["id"] == record_id)["under_objection"]


def test_file_mark_correct_history_unmark_and_result(client, world):
    firm, scjg = world.token("firm"), world.token("scjg")
    assert _marked(client, world.enterprise_id, world.public_record) is False
    r = _file(client, firm, world.public_record)
    assert r.status_code == 201, r.text
    o = r.json()
    assert o["status"] == "open" and o["deadline"]["state"] in ("on_time", "due_soon")
    assert [e["content_type"] for e in o["evidence"]] == ["application/pdf", "image/png"]
    # marked wherever the record appears: public API, public page, gated profile
    assert _marked(client, world.enterprise_id, world.public_record) is True
    assert "异议处理中" in client.get(f"/subjects/{world.enterprise_id}").text
    gated = client.get(f"/api/v1/subjects/{world.enterprise_id}/profile", headers=firm,
                       params={"items": "penalty", "basis": "self"}).json()
    assert {r["id"]: r["under_objection"] for r in gated["records"]}[world.public_record] is True
    # a second objection to the same record is refused while one is open
    assert _file(client, firm, world.public_record, files=[]).status_code == 409
    # the agency's queue holds it; another agency's does not; the subject sees it
    assert [i["id"] for i in client.get("/api/v1/objections", headers=scjg).json()["items"]] == [o["id"]]
    assert client.get("/api/v1/objections", headers=world.token("swj")).json()["items"] == []
    assert client.get(f"/api/v1/objections/{o['id']}", headers=world.token("swj")).status_code == 404
    assert client.get(f"/api/v1/objections/{o['id']}", headers=world.token("other")).status_code == 404
    # evidence: the subject, the source agency and staff; nobody else
    url = o["evidence"][0]["url"]
    for who, code in (("firm", 200), ("scjg", 200), ("staff", 200), ("swj", 404), ("other", 404)):
        got = client.get(url, headers=world.token(who))
        assert got.status_code == code, who
    assert client.get(url, headers=firm).content == PDF
    fields = client.get(f"/api/v1/objections/{o['id']}/correctable-fields", headers=scjg).json()
    assert {"decision_date", "severity", "remarks"} <= {f["code"] for f in fields}
    assert "decision_no" not in {f["code"] for f in fields}
    # the source agency corrects
    r = client.post(f"/api/v1/objections/{o['id']}/decision", headers=scjg, json={
        "outcome": "corrected", "reasons": "核对决定书原件，决定日期录入有误",
        "corrections": {"decision_date": "2026-04-30"}})
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["status"] == "corrected" and done["deadline"]["completed_on"] == "2026-09-01"
    assert done["changes"] == [{"field": "decision_date", "label": "处罚决定日期", "old": "2026-05-01", "new": "2026-04-30"}]
    assert _marked(client, world.enterprise_id, world.public_record) is False
    assert "异议处理中" not in client.get(f"/subjects/{world.enterprise_id}").text
    s = world.session
    s.expire_all()
    record = s.get(Record, world.public_record)
    assert record.decision_date == dt.date(2026, 4, 30) and record.publicity_end == dt.date(2027, 4, 30)
    last = versions(s, "record", record.id)[-1]
    assert last.snapshot["decision_date"] == "2026-05-01" and last.change_reason.startswith("异议更正")
    assert last.changed_by == world.users["scjg"].id
    # the written result, addressed to the subject, downloadable by it
    doc = s.scalar(select(Document).where(Document.id == done["document_id"]))
    assert doc.kind == "objection_result" and doc.subject_id == world.enterprise_id
    pdf = client.get(done["document_url"], headers=firm)
    assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-"
    assert client.get(done["document_url"], headers=world.token("other")).status_code == 404
    mine = client.get("/api/v1/me/objections", headers=firm).json()
    assert mine["total"] == 1 and mine["items"][0]["status"] == "corrected"


def test_upheld_with_reasons_and_staff_files_for_the_subject(client, world):
    staff, scjg = world.token("staff"), world.token("scjg")
    r = client.post("/api/v1/objections", headers=staff, data={
        "record_id": str(world.ended_record), "grounds": ["privacy"], "reasons": REASONS,
        "agent_authorisation_ref": "委托书〔2026〕12号"})
    assert r.status_code == 201, r.text
    o = r.json()
    assert o["channel"] == "agent" and o["agent_authorisation_ref"] == "委托书〔2026〕12号"
    assert client.get("/api/v1/me/objections", headers=world.token("firm")).json()["total"] == 1
    assert client.post(f"/api/v1/objections/{o['id']}/decision", headers=staff,
                       json={"outcome": "upheld", "reasons": "记录无误"}).status_code == 403
    r = client.post(f"/api/v1/objections/{o['id']}/decision", headers=scjg,
                    json={"outcome": "upheld", "reasons": "经核对原件，记录无误"})
    assert r.status_code == 200 and r.json()["status"] == "upheld" and r.json()["changes"] == []
    assert client.get("/api/v1/objections", headers=staff).json()["total"] == 1


def test_bad_input_answers_422(client, world):
    firm = world.token("firm")
    bad = _file(client, firm, world.public_record, files=[("files", ("x.pdf", b"<script>", "application/pdf"))])
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "file_type"
    bad = _file(client, firm, world.public_record, files=[], grounds=("mood",))
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "unknown_grounds"
    assert _file(client, firm, world.other_record, files=[]).status_code == 404
    assert _marked(client, world.enterprise_id, world.public_record) is False


def test_the_pages_show_the_queue_and_the_form(client, world):
    login(client, "firm")
    page = client.get("/me/objections")
    assert page.status_code == 200 and "泉市监罚〔2026〕101号" in page.text and 'enctype="multipart/form-data"' in page.text


def test_the_agency_extends_once_with_a_reason(client, world):
    firm, scjg = world.token("firm"), world.token("scjg")
    o = _file(client, firm, world.public_record, files=[]).json()
    due = o["deadline"]["due_on"]
    assert client.post(f"/api/v1/objections/{o['id']}/extension", headers=world.token("swj"),
                       json={"reason": "需要调取档案"}).status_code == 404
    r = client.post(f"/api/v1/objections/{o['id']}/extension", headers=scjg, json={"reason": "需要调取档案原件核对"})
    assert r.status_code == 200 and r.json()["deadline"]["due_on"] > due
    again = client.post(f"/api/v1/objections/{o['id']}/extension", headers=scjg, json={"reason": "再次延长"})
    assert again.status_code == 409


def test_qz_art_36_the_agency_cannot_extend_a_verification_already_overdue(client, world, today):
    """The extension of the verification is granted within its period (QZ art. 36, the one
    rule in deadlines.rules): asked the day after the due date, it is refused."""
    firm, scjg = world.token("firm"), world.token("scjg")
    o = _file(client, firm, world.public_record, files=[]).json()
    due = dt.date.fromisoformat(o["deadline"]["due_on"])
    today((due + dt.timedelta(days=1)).isoformat())
    r = client.post(f"/api/v1/objections/{o['id']}/extension", headers=scjg, json={"reason": "需要调取档案原件核对"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "extension_period_passed", r.text
    shown = client.get(f"/api/v1/objections/{o['id']}", headers=scjg).json()
    assert shown["deadline"]["due_on"] == due.isoformat()
