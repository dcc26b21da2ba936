"""What each report shows (marks, change reasons, sources, masking, the special report's finding),
who may obtain which report, and the logs every issue leaves (QZ art. 10-11, 33; FZ art. 13, 24)."""
from __future__ import annotations

import io

from pypdf import PdfReader
from sqlalchemy import select

from tests.access.support import grant
from tests.reports.support import VIOLATION_ITEMS, my_report, pdf_of, text_of
from xinyong.models import AccessLog, AuditEntry, Record
from xinyong.models.report import IssuedReport
from xinyong.repair.service import change_record  # the record path's own writer of versions


def _mark(session, world) -> None:
    """The 2026 penalty under objection; the 2022 one repaired; each change with its reason."""
    recent, old = session.scalars(select(Record).where(Record.subject_id == world.enterprise_id)
                                  .order_by(Record.decision_date.desc())).all()
    change_record(session, recent, None, "异议受理：核查处罚金额", under_objection=True)
    change_record(session, old, None, "信用修复：已完成整改并履行处罚", status="repaired")
    session.commit()


def _text(client, headers, kind, **special) -> tuple[dict, str]:
    r = my_report(client, headers, kind, **special)
    assert r.status_code == 201, r.text
    return r.json(), text_of(pdf_of(client, headers, r.json()["id"]))


def test_the_full_report_shows_every_record_marks_change_reasons_sources_and_queries(client, world, session):
    _mark(session, world)
    headers = world.token("firm")
    _, text = _text(client, headers, "full")
    assert "泉市监罚〔2026〕101号" in text and "泉市监罚〔2022〕17号" in text     # public and non-public
    assert "异议处理中" in text and "已信用修复" in text
    assert "异议受理：核查处罚金额" in text and "信用修复：已完成整改并履行处罚" in text   # FZ art. 24
    assert "信息来源" in text and "泉州市市场监督管理局" in text
    assert "查询记录" in text and "本人信用报告" in text and "信用主体本人" in text and "subject" not in text       # QZ art. 33: its own read is logged and shown
    assert "《泉州市社会信用条例》第十条" in text and "《泉州市社会信用条例》第三十三条" in text and "QZart." not in text


def test_the_public_report_shows_only_what_is_public_and_masks_persons(client, world):
    firm = world.token("firm")
    _, text = _text(client, firm, "public")
    assert "泉市监罚〔2026〕101号" in text and "泉市监罚〔2022〕17号" not in text
    chen = world.token("chen")
    _, text = _text(client, chen, "public")
    assert "陈美玲" not in text and "陈**" in text


def test_anyone_obtains_the_public_report_as_a_signed_pdf(client, world, session):
    r = client.post(f"/api/v1/reports/public/{world.person_id}")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert "陈美玲" not in text_of(r.content)
    report = session.scalar(select(IssuedReport).where(IssuedReport.code == r.headers["x-report-code"]))
    assert report.requester_user_id is None and report.requester_role == "public" and report.kind == "public"
    assert client.get(f"/api/v1/reports/verify/{report.code}").json()["subject_name_masked"] == "陈**"


def test_special_report_says_no_violation_when_none_in_the_field_or_period(client, world, session):
    headers = world.token("firm")
    issued, text = _text(client, headers, "special", field="tax", date_from="2022-01-01", date_to="2026-08-31")
    assert issued["finding"] == "clean" and issued["record_count"] == 0
    assert "在税务领域于2022-01-01至2026-08-31期间无违法违规" in text and "泉市监罚" not in text
    issued, text = _text(client, headers, "special", field="market", date_from="2023-01-01", date_to="2026-04-30")
    assert issued["finding"] == "clean" and "无违法违规" in text


def test_special_report_lists_the_violations_and_leaves_repaired_ones_out(client, world, session):
    headers = world.token("firm")
    issued, text = _text(client, headers, "special", field="market", date_from="2022-01-01", date_to="2026-08-31")
    assert issued["finding"] == "violations" and issued["record_count"] == 2
    assert "有违法违规记录2条" in text and "泉市监罚〔2026〕101号" in text and "泉市监罚〔2022〕17号" in text
    _mark(session, world)
    issued, text = _text(client, headers, "special", field="food_drugs", date_from="2022-01-01", date_to="2026-08-31")
    assert issued["record_count"] == 1 and "另有1条记录已完成信用修复" in text and "异议处理中" in text
    assert "泉市监罚〔2022〕17号" not in text.split("信息变动及理由")[0].split("查询结论")[1]


def test_a_bad_period_or_field_is_refused(client, world):
    headers = world.token("firm")
    assert my_report(client, headers, "special", field="tax", date_from="2026-08-01", date_to="2026-01-01").status_code == 422
    assert my_report(client, headers, "special", field="nope", date_from="2026-01-01", date_to="2026-08-01").status_code == 422
    assert my_report(client, headers, "special", field="tax", date_from="2026-01-01", date_to="2027-01-01").status_code == 422


def test_an_organisation_needs_the_subjects_written_authorisation(client, world, session):
    bank = world.token("bank")
    body = {"subject_id": world.enterprise_id, "field": "all", "date_from": "2024-01-01", "date_to": "2026-08-31",
            "purpose": "贷款审查", "authorisation_id": "999"}
    refused = client.post("/api/v1/reports/special", json=body, headers=bank)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "no_basis"
    auth = grant(client, world.token("firm"), world.orgs["bank"].uscc, items=VIOLATION_ITEMS, purpose="贷款审查")
    assert auth.status_code == 201, auth.text
    ok = client.post("/api/v1/reports/special", json={**body, "authorisation_id": str(auth.json()["id"])}, headers=bank)
    assert ok.status_code == 201, ok.text
    assert ok.json()["basis_kind"] == "authorisation" and ok.json()["finding"] == "violations"
    assert client.get(f"/api/v1/reports/{ok.json()['id']}/pdf", headers=bank).status_code == 200
    logs = session.scalars(select(AccessLog).where(AccessLog.subject_id == world.enterprise_id,
                                                   AccessLog.org_id == world.orgs["bank"].id)
                           .order_by(AccessLog.id)).all()
    assert [log.allowed for log in logs] == [False, True] and logs[1].basis_kind == "authorisation"
    # the subject sees the report its authorisation produced; the bank's list holds it too
    assert ok.json()["id"] in [r["id"] for r in client.get("/api/v1/reports", headers=world.token("firm")).json()]
    assert [r["id"] for r in client.get("/api/v1/reports", headers=bank).json()] == [ok.json()["id"]]


def test_an_authorisation_for_another_purpose_or_fewer_items_is_refused(client, world):
    auth = grant(client, world.token("firm"), world.orgs["bank"].uscc, items=["penalty"], purpose="贷款审查")
    body = {"subject_id": world.enterprise_id, "field": "all", "date_from": "2024-01-01", "date_to": "2026-08-31",
            "purpose": "贷款审查", "authorisation_id": str(auth.json()["id"])}
    assert client.post("/api/v1/reports/special", json=body, headers=world.token("bank")).status_code == 403
    auth = grant(client, world.token("firm"), world.orgs["bank"].uscc, items=VIOLATION_ITEMS, purpose="招投标")
    body["authorisation_id"] = str(auth.json()["id"])
    assert client.post("/api/v1/reports/special", json=body, headers=world.token("bank")).status_code == 403


def test_reports_are_seen_only_by_their_requester_and_their_subject(client, world):
    firm = world.token("firm")
    issued, _ = _text(client, firm, "full")
    for who in ("chen", "bank", "scjg", "staff"):
        assert client.get(f"/api/v1/reports/{issued['id']}/pdf", headers=world.token(who)).status_code == 404, who
        assert client.get(f"/api/v1/reports/{issued['id']}", headers=world.token(who)).status_code == 404, who
    assert client.get(f"/api/v1/reports/{issued['id']}").status_code == 401
    assert client.post("/api/v1/me/reports", json={"kind": "full"}, headers=world.token("bank")).status_code == 403
    assert client.post("/api/v1/me/reports", json={"kind": "full"}).status_code == 401


def test_every_issue_is_in_the_access_log_and_the_audit_log(client, world, session):
    firm = world.token("firm")
    full, _ = _text(client, firm, "full")
    special, _ = _text(client, firm, "special", field="all", date_from="2024-01-01", date_to="2026-08-31")
    public = client.post(f"/api/v1/reports/public/{world.enterprise_id}")
    assert public.status_code == 200
    logs = session.scalars(select(AccessLog).where(AccessLog.subject_id == world.enterprise_id)
                           .order_by(AccessLog.id)).all()
    assert [(log.basis_kind, log.purpose, log.allowed) for log in logs] == [
        ("self", "本人信用报告", True), ("self", "专项信用报告", True)]
    assert sorted(logs[1].items) == sorted(VIOLATION_ITEMS)
    events = session.scalars(select(AuditEntry).where(AuditEntry.action == "report.issue")
                             .order_by(AuditEntry.id)).all()
    assert [e.target_id for e in events[:2]] == [str(full["id"]), str(special["id"])] and len(events) == 3
    assert all(e.subject_id == world.enterprise_id for e in events)


def test_the_pdf_embeds_the_cjk_font_and_the_qr_code(client, world):
    firm = world.token("firm")
    issued, _ = _text(client, firm, "special", field="all", date_from="2024-01-01", date_to="2026-08-31")
    reader = PdfReader(io.BytesIO(pdf_of(client, firm, issued["id"])))
    page = reader.pages[0]
    fonts = [f.get_object() for f in page["/Resources"]["/Font"].values()]
    descriptors = [d.get_object()["/FontDescriptor"].get_object() for f in fonts for d in f["/DescendantFonts"]]
    assert any("/FontFile3" in d or "/FontFile2" in d for d in descriptors)
    assert all("NotoSansCJK" in str(f["/BaseFont"]) for f in fonts)
    images = [x.get_object() for x in page["/Resources"]["/XObject"].values()]
    assert any(x["/Subtype"] == "/Image" for x in images)
    assert issued["code"] in (reader.metadata.get("/Keywords") or "")


def test_reports_show_self_declared_information_under_its_label(client, world):
    """QZ art. 13: what the subject declared itself appears in its reports, labelled as not
    verified; the public report of a natural person never shows it."""
    body = {"form": "self_report", "category": "honours", "title": "2025年度守合同重信用企业",
            "content": "经市场监管部门公示的守合同重信用企业名单。", "pledge_accepted": True}
    for who in ("firm", "chen"):
        r = client.post("/api/v1/me/declarations", headers=world.token(who), json=body)
        assert r.status_code == 201, r.text
    _, full = _text(client, world.token("firm"), "full")
    assert "自主申报信息（未经核实）" in full and "2025年度守合同重信用企业" in full and "《泉州市社会信用条例》第十三条" in full
    _, public = _text(client, world.token("firm"), "public")
    assert "自主申报信息（未经核实）" in public and "2025年度守合同重信用企业" in public
    _, person_public = _text(client, world.token("chen"), "public")
    assert "自主申报" not in person_public
    _, person_full = _text(client, world.token("chen"), "full")
    assert "2025年度守合同重信用企业" in person_full      # the person's own full report shows it


def test_reports_render_a_few_at_a_time_and_a_caller_kept_waiting_is_told_to_come_back(client, world, monkeypatch):
    """Twenty reports asked at once emptied the connection pool (and the health check with it): a
    process renders RENDERING_AT_ONCE at a time; a request that finds no slot within RENDER_WAIT
    gets 503 with Retry-After, having taken no connection."""
    from xinyong.reports import service
    monkeypatch.setattr(service, "RENDER_WAIT", 0.2)
    firm = world.token("firm")
    held = [service._rendering.acquire(timeout=1) for _ in range(service.RENDERING_AT_ONCE)]
    try:
        assert all(held)
        busy = my_report(client, firm, "full")
        assert busy.status_code == 503 and busy.json()["error"]["code"] == "reports_busy", busy.text
        assert busy.headers["Retry-After"] == "10"
    finally:
        for _ in held:
            service._rendering.release()
    assert my_report(client, firm, "full").status_code == 201
