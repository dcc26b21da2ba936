"""Deadlines follow the calendar in force when they are read (issue #11 point 2), on the
Quanzhou profile through the API: a listing objection received Wed 2026-12-30 is to be answered
within 3 working days (QZ art. 23). With no 2027 schedule known, the statutory holidays (1
January) and weekends are days off and the answer is due Tue 2027-01-05, provisional. Once the
administrator loads the 2027 table — here a test schedule that also gives Mon 4 January off,
which no rule foresees — the open deadline is counted again: due Wed 2027-01-06, no longer
provisional, the move audited, the subject and the agency told, and the sweep of 2027-01-06 does
not call it overdue. Both backends."""
from __future__ import annotations

from sqlalchemy import select
from typer.testing import CliRunner

from tests.lists.support import build
from xinyong.accounts.tokens import issue_token
from xinyong.cli import app as cli
from xinyong.models import AuditEntry, Deadline

TABLE_2027 = """year: 2027
source: 国务院办公厅关于2027年部分节假日安排的通知（测试）
days_off:
  - {date: 2027-01-01, name: 元旦}
  - {date: 2027-01-04, name: 元旦（调休，测试安排）}
""".encode()


def _h(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _steps(client, pid, headers) -> dict:
    return {s["step"]: s for s in client.get(f"/api/v1/lists/proposals/{pid}", headers=headers).json()["steps"]}


def test_qz_art_23_objection_received_2026_12_30_is_recounted_when_the_2027_table_is_loaded(client, session, today):
    today("2026-12-28")
    w = build(session)
    tokens = {u: issue_token(session, u) for u in ("agency1", "staff1", "firm1")}
    session.commit()
    agency, staff, firm = (_h(tokens[u]) for u in ("agency1", "staff1", "firm1"))
    body = {"kind": "serious_dishonesty", "subject_id": w.subject_id, "category": "health_safety",
            "basis_record_ids": [w.serious_id], "reasons": "在食品生产中使用非食品原料，严重危害人民群众身体健康",
            "legal_basis": "《中华人民共和国食品安全法》第一百二十三条", "measures": "限制参与政府采购活动",
            "responsible_persons": [{"role": "legal_representative", "name": "王大明"}]}
    pid = client.post("/api/v1/lists/proposals", json=body, headers=agency).json()["id"]
    assert client.post(f"/api/v1/lists/proposals/{pid}/notice", headers=staff).status_code == 200
    today("2026-12-30")
    objected = client.post(f"/api/v1/lists/proposals/{pid}/objection", json={"text": "违法行为已整改"}, headers=firm)
    assert objected.status_code == 200, objected.text
    reply = _steps(client, pid, agency)["objection_reply"]
    assert (reply["due_on"], reply["provisional"]) == ("2027-01-05", True)     # statutory 1 Jan off, 4 Jan worked

    loaded = client.post("/api/v1/calendar", headers=staff,
                         files={"file": ("2027.yaml", TABLE_2027, "application/x-yaml")})
    assert loaded.status_code == 201, loaded.text
    assert loaded.json()["deadlines_moved"] == 2      # the objection reply and the notice period
    steps = _steps(client, pid, agency)
    assert (steps["objection_reply"]["due_on"], steps["objection_reply"]["provisional"]) == ("2027-01-06", False)
    assert steps["notice_period"]["due_on"] == "2027-01-06"   # 5 working days from 28 Dec, 1 and 4 Jan off

    session.expire_all()
    reply_row = session.scalar(select(Deadline).where(Deadline.procedure_id == pid, Deadline.step == "objection_reply"))
    audited = session.scalars(select(AuditEntry).where(AuditEntry.action == "deadline.recounted",
                                                       AuditEntry.target_id == str(reply_row.id))).one()
    assert audited.details["old_due_on"] == "2027-01-05" and audited.details["new_due_on"] == "2027-01-06"
    assert audited.subject_id == w.subject_id and audited.actor == "staff1"
    summary = session.scalars(select(AuditEntry).where(AuditEntry.action == "calendar.deadlines_recounted")).one()
    assert summary.details["due_dates_moved"] == 2

    told = [n["text_zh"] for n in client.get("/api/v1/me/notifications", headers=firm).json()["items"]]
    moved = [t for t in told if "2027-01-06" in t and "重新计算" in t]
    assert len(moved) == 2 and any("名单认定事项" in t and "“异议答复”" in t for t in moved), told
    assert all("objection_reply" not in t and "listing" not in t for t in moved)   # named, not coded
    agency_told = [n["text_zh"] for n in client.get("/api/v1/me/notifications", headers=agency).json()["items"]]
    assert any("2027-01-06" in t and "重新计算" in t for t in agency_told)

    today("2027-01-06")
    swept = CliRunner().invoke(cli, ["sweep"])
    assert swept.exit_code == 0, swept.output
    assert _steps(client, pid, agency)["objection_reply"]["state"] != "overdue"
    session.expire_all()
    assert session.get(Deadline, reply_row.id).overdue_marked_on is None
    today("2027-01-07")
    assert _steps(client, pid, agency)["objection_reply"]["state"] == "overdue"


def test_a_table_loaded_after_the_sweep_withdraws_a_wrong_overdue_mark_and_audits_it(client, session, today):
    """The sweep of 2027-01-06 marked the reply overdue on the provisional date; the 2027 table
    loaded afterwards shows it was not late: the mark is withdrawn, and the audit entry says so."""
    today("2026-12-28")
    w = build(session)
    tokens = {u: issue_token(session, u) for u in ("agency1", "staff1", "firm1")}
    session.commit()
    agency, staff, firm = (_h(tokens[u]) for u in ("agency1", "staff1", "firm1"))
    body = {"kind": "serious_dishonesty", "subject_id": w.subject_id, "category": "health_safety",
            "basis_record_ids": [w.serious_id], "reasons": "严重危害人民群众身体健康", "legal_basis": "《食品安全法》",
            "measures": "限制参与政府采购活动", "responsible_persons": [{"role": "legal_representative", "name": "王大明"}]}
    pid = client.post("/api/v1/lists/proposals", json=body, headers=agency).json()["id"]
    client.post(f"/api/v1/lists/proposals/{pid}/notice", headers=staff)
    today("2026-12-30")
    client.post(f"/api/v1/lists/proposals/{pid}/objection", json={"text": "违法行为已整改"}, headers=firm)
    today("2027-01-06")
    assert CliRunner().invoke(cli, ["sweep"]).exit_code == 0
    session.expire_all()
    row = session.scalar(select(Deadline).where(Deadline.procedure_id == pid, Deadline.step == "objection_reply"))
    assert row.overdue_marked_on is not None
    assert client.post("/api/v1/calendar", headers=staff,
                       files={"file": ("2027.yaml", TABLE_2027, "application/x-yaml")}).status_code == 201
    session.expire_all()
    row = session.get(Deadline, row.id)
    assert (row.due_on.isoformat(), row.overdue_marked_on) == ("2027-01-06", None)
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "deadline.recounted",
                                                     AuditEntry.target_id == str(row.id))).one()
    assert entry.details["overdue_mark_withdrawn"] == "2027-01-06"
