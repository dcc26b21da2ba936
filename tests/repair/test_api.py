"""Credit repair end to end through the API, the clock moved with XINYONG_TODAY: apply, accept
within 3 working days, extend once with a reason, approve — the record leaves the public portal —
revoke for fraud — it is back (no fraud bar: its source is not in our sources); an application
without the proof of performance is refused at acceptance with the list of what is missing
(QZ art. 36 para. 1; FZ art. 21 para. 2 (4));
an ineligible application is refused at once with reason, article and refusal document; an
acceptance left undecided is overdue after `xinyong sweep`."""
from __future__ import annotations

import io

from pypdf import PdfReader
from typer.testing import CliRunner

from tests.repair.conftest import ELIGIBLE, OLD, PDF, PNG, TOO_EARLY, conditions_in_force
from xinyong.deadlines import service as deadlines
from xinyong.models import Document, Notification
from xinyong.models.history import History


def apply(client, headers, record_id, **files):
    files = files or {"commitment_letter": ("承诺书.pdf", PDF, "application/pdf")}
    return client.post("/api/v1/me/repair/applications", headers=headers, data={"record_id": str(record_id),
                       "statement": "罚款已缴清，已完成整改"}, files=files)


FULL = {"commitment_letter": ("承诺书.pdf", PDF, "application/pdf"),
        "proof_of_performance": ("罚款缴款凭证.png", PNG, "image/png")}


def public_decisions(client, subject_id) -> set[str]:
    body = client.get(f"/api/v1/subjects/{subject_id}").json()
    return {r["decision_no"] for r in body["records"]}


def test_eligibility_lists_each_record_with_date_reason_and_article(client, world):
    firm = world.token("firm")
    found = {e["decision_no"]: e for e in client.get("/api/v1/me/repair/eligibility", headers=firm).json()}
    assert found[ELIGIBLE]["eligible"] is True and found[ELIGIBLE]["regime"] == "NDRC-36"
    assert found[ELIGIBLE]["from_date"] == "2026-07-10"
    assert "needs_proof_of_performance" in {r["code"] for r in found[ELIGIBLE]["reasons"]}
    early = found[TOO_EARLY]
    assert early["eligible"] is False and early["from_date"] == "2026-11-03"
    assert [r["code"] for r in early["reasons"] if r["blocking"]] == ["minimum_period"]
    assert "NDRC-36" in early["reasons"][0]["citation"]
    old = found[OLD]   # Order 58, food: one-year minimum, ended 2026-06-02
    assert old["eligible"] is True and old["regime"] == "NDRC-58" and old["from_date"] == "2026-06-02"


def test_apply_accept_extend_approve_then_revoke(client, world, today):
    firm, agency, staff = world.token("firm"), world.token("scjg"), world.token("staff")
    record_id = world.records[ELIGIBLE]
    assert ELIGIBLE in public_decisions(client, world.subject_id)
    r = apply(client, firm, record_id, **FULL)
    assert r.status_code == 201, r.text
    app = r.json()
    assert app["status"] == "received" and app["channel"] == "online"
    assert app["missing_materials"] == []
    assert {m["kind"] for m in app["materials"]} == {"commitment_letter", "proof_of_performance"}
    steps = {d["step"]: d for d in app["deadlines"]}
    assert steps["acceptance"]["due_on"] == "2026-09-04" and "QZ art. 36" in steps["acceptance"]["citation"]
    assert steps["result"]["due_on"] == "2026-09-15"
    # another agency does not see it; the regulator does
    other = client.get(f"/api/v1/repair/applications/{app['id']}", headers=world.token("swj"))
    assert other.status_code == 404, other.text
    assert [a["id"] for a in client.get("/api/v1/repair/applications", headers=agency).json()] == [app["id"]]
    # a second submission on the same record while this one runs (a double click, a resent form)
    # files nothing and issues no refusal: it is answered with the open application
    again = apply(client, firm, record_id)
    assert again.status_code == 409 and again.json()["error"]["code"] == "repair_application_open", again.text
    assert f"编号 {app['id']}" in again.json()["error"]["message"]
    assert [a["id"] for a in client.get("/api/v1/me/repair/applications", headers=firm).json()] == [app["id"]]

    today("2026-09-03")   # within 3 working days
    r = client.post(f"/api/v1/repair/applications/{app['id']}/accept", headers=agency)
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    assert {d["step"]: d["state"] for d in r.json()["deadlines"]}["acceptance"] == "done"
    # extension: needs a reason, allowed once
    assert client.post(f"/api/v1/repair/applications/{app['id']}/extend", headers=staff,
                       json={"reason": " "}).status_code == 422
    r = client.post(f"/api/v1/repair/applications/{app['id']}/extend", headers=staff,
                    json={"reason": "需向税务部门核查罚款缴纳情况"})
    assert r.status_code == 200, r.text
    result = {d["step"]: d for d in r.json()["deadlines"]}["result"]
    assert result["extensions"] == 1 and result["due_on"] > "2026-09-15"
    assert result["extension_reason"] == "需向税务部门核查罚款缴纳情况"
    assert client.post(f"/api/v1/repair/applications/{app['id']}/extend", headers=staff,
                       json={"reason": "再次延长"}).status_code == 409

    today("2026-09-10")
    r = client.post(f"/api/v1/repair/applications/{app['id']}/approve", headers=agency,
                    json={"reason": "已履行处罚决定", "conditions": conditions_in_force()})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["condition_confirmations"]["conditions"], body
    assert body["status"] == "approved" and body["repaired_on"] == "2026-09-10"
    assert "QZ art. 36 para. 2" in body["repair_citation"]
    assert {d["kind"] for d in body["documents"]} == {"repair_acceptance", "repair_result"}
    assert world.record(ELIGIBLE).status == "repaired"
    assert ELIGIBLE not in public_decisions(client, world.subject_id)
    history = world.session.query(History).filter_by(entity="record", entity_id=record_id).all()
    assert history[-1].snapshot["status"] == "active" and "信用修复" in history[-1].change_reason
    mine = {e["decision_no"]: e for e in client.get("/api/v1/me/repair/eligibility", headers=firm).json()}
    assert mine[ELIGIBLE]["reasons"][0]["code"] == "already_repaired"

    # FZ art. 23: revoked for fraud -> restored, public again; no bar on the next application, since
    # the fraud bar's national source is not in our sources (issue #11 point 5)
    assert client.post(f"/api/v1/repair/applications/{app['id']}/revoke", headers=staff,
                       json={"kind": "forgery", "reason": "x"}).status_code == 422
    r = client.post(f"/api/v1/repair/applications/{app['id']}/revoke", headers=staff,
                    json={"kind": "fraud", "reason": "缴款凭证系伪造"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "revoked" and "repair_revocation" in {d["kind"] for d in r.json()["documents"]}
    assert world.record(ELIGIBLE).status == "active"
    assert ELIGIBLE in public_decisions(client, world.subject_id)
    again = apply(client, firm, world.records[OLD], **FULL).json()
    assert again["status"] == "received" and "fraud_bar" not in {x["code"] for x in again["reasons"]}


def test_ineligible_application_is_refused_at_once_with_reason_article_and_document(client, world):
    firm = world.token("firm")
    r = apply(client, firm, world.records[TOO_EARLY])
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "refused" and body["deadlines"] == []
    reason = body["reasons"][0]
    assert reason["code"] == "minimum_period" and "2026-11-03" in reason["text_zh"] and "NDRC-36" in reason["citation"]
    assert [d["kind"] for d in body["documents"]] == ["repair_refusal"]
    doc = world.session.get(Document, body["documents"][0]["id"])
    assert doc.content.startswith(b"%PDF") and doc.subject_id == world.subject_id
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(doc.content)).pages).replace("\x00", "")
    for expected in ("不予受理", "2026-11-03", "救济途径", "行政复议", "行政诉讼", "第三十八条"):  # QZ art. 38
        assert expected in text, expected


def test_materials_are_checked_and_the_commitment_letter_is_required(client, world):
    firm = world.token("firm")
    record_id = world.records[ELIGIBLE]
    r = apply(client, firm, record_id, proof_of_performance=("p.pdf", PDF, "application/pdf"))
    assert r.status_code == 422 and r.json()["error"]["field"] == "commitment_letter"
    r = apply(client, firm, record_id, commitment_letter=("x.pdf", b"MZ\x90\0 not a pdf", "application/pdf"))
    assert r.status_code == 422 and "PDF" in r.json()["error"]["message_en"]
    r = apply(client, firm, record_id, commitment_letter=("big.pdf", PDF + b"0" * 5 * 1024 * 1024, "application/pdf"))
    assert r.status_code == 422 and "5 MiB" in r.json()["error"]["message_en"]
    # someone else's record: not found
    assert apply(client, firm, 999_999).status_code == 404


def test_missing_materials_refuse_acceptance_with_the_list_document_and_notice(client, world, today):
    """QZ art. 36 para. 1 (材料齐全方予受理); FZ art. 21 para. 2 (4): the proof that the penalty
    decision was performed (a fine's payment receipt) is required; without it the application
    is refused at acceptance, naming what is missing, and cannot be approved."""
    firm, agency = world.token("firm"), world.token("scjg")
    app = apply(client, firm, world.records[ELIGIBLE]).json()      # the commitment letter only
    assert app["status"] == "received" and app["missing_materials"] == ["proof_of_performance"]
    today("2026-09-02")
    r = client.post(f"/api/v1/repair/applications/{app['id']}/accept", headers=agency)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "refused"
    [reason] = body["reasons"]
    assert reason["code"] == "materials_missing" and "罚款缴款凭证" in reason["text_zh"]
    assert "QZ art. 36" in reason["citation"] and "paid fine" in reason["text_en"]
    assert {d["step"]: d["outcome"] for d in body["deadlines"]} == {"acceptance": "refused", "result": "refused"}
    doc = world.session.get(Document, next(d["id"] for d in body["documents"] if d["kind"] == "repair_refusal"))
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(doc.content)).pages).replace("\x00", "")
    assert "罚款缴款凭证" in text and "不予受理" in text
    told = world.session.query(Notification).filter_by(kind="repair.refused",
                                                         recipient_subject_id=world.subject_id).all()
    assert any("罚款缴款凭证" in n.text_zh for n in told)
    assert client.post(f"/api/v1/repair/applications/{app['id']}/approve", headers=agency).status_code == 409


def test_refusal_of_acceptance_needs_reasons_and_closes_both_steps(client, world):
    firm, agency = world.token("firm"), world.token("scjg")
    app = apply(client, firm, world.records[ELIGIBLE]).json()
    assert client.post(f"/api/v1/repair/applications/{app['id']}/refuse", headers=agency, json={}).status_code == 422
    r = client.post(f"/api/v1/repair/applications/{app['id']}/refuse", headers=agency,
                    json={"reason": "未提交罚款缴纳凭证，材料不齐全"})
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "refused" and body["reasons"][0]["text_zh"] == "未提交罚款缴纳凭证，材料不齐全"
    assert {d["step"]: d["outcome"] for d in body["deadlines"]} == {"acceptance": "refused", "result": "refused"}
    # approving a refused application is a conflict
    assert client.post(f"/api/v1/repair/applications/{app['id']}/approve", headers=agency).status_code == 409


def test_staff_file_at_the_offline_window(client, world):
    staff = world.token("staff")
    r = client.post("/api/v1/repair/window/applications", headers=staff,
                    data={"record_id": str(world.records[ELIGIBLE]), "subject_uscc": world.uscc},
                    files={"commitment_letter": ("c.pdf", PDF, "application/pdf")})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["channel"] == "window" and body["filed_by"] is not None and body["status"] == "received"
    mine = client.get("/api/v1/me/repair/applications", headers=world.token("firm")).json()
    assert [a["id"] for a in mine] == [body["id"]]


def test_overdue_acceptance_is_flagged_after_the_sweep(client, world, today):
    firm = world.token("firm")
    app = apply(client, firm, world.records[ELIGIBLE]).json()
    today("2026-09-09")
    from xinyong.cli import app as cli
    out = CliRunner().invoke(cli, ["sweep"])
    assert out.exit_code == 0, out.output
    world.session.expire_all()
    step = deadlines.step_of(world.session, "repair", app["id"], "acceptance")
    assert step.overdue_marked_on is not None
    assert deadlines.state_of(world.session, step) == "overdue"
    shown = client.get(f"/api/v1/repair/applications/{app['id']}", headers=world.token("staff")).json()
    assert {d["step"]: d["state"] for d in shown["deadlines"]}["acceptance"] == "overdue"


def test_qz_art_36_an_extension_asked_after_the_result_was_due_is_refused_and_the_step_stays_overdue(
        client, world, today):
    """QZ art. 36: the result is due within 10 working days; the extension is granted within
    that period. Asked after it, it is refused and the missed deadline is not rewritten."""
    firm, agency, staff = world.token("firm"), world.token("scjg"), world.token("staff")
    app = apply(client, firm, world.records[ELIGIBLE], **FULL).json()   # complete: accepted, not refused
    today("2026-09-03")
    assert client.post(f"/api/v1/repair/applications/{app['id']}/accept", headers=agency).status_code == 200
    today("2026-09-16")   # the result was due 15 Sep
    assert CliRunner().invoke(__import__("xinyong.cli", fromlist=["app"]).app, ["sweep"]).exit_code == 0
    r = client.post(f"/api/v1/repair/applications/{app['id']}/extend", headers=staff,
                    json={"reason": "需向税务部门核查罚款缴纳情况"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "extension_period_passed", r.text
    result = {d["step"]: d for d in client.get(f"/api/v1/repair/applications/{app['id']}",
                                               headers=staff).json()["deadlines"]}["result"]
    assert (result["due_on"], result["extensions"], result["state"]) == ("2026-09-15", 0, "overdue")
