"""Dashboard figures checked against data made for them, on both backends."""
from __future__ import annotations

import datetime as dt
import re

from tests.support.builders import agency, penalty_rows, to_csv
from xinyong.accounts.service import create_user
from xinyong.accounts.tokens import issue_token
from xinyong.complaints import service as complaints
from xinyong.complaints.schemas import ComplaintIn
from xinyong.dashboards import repository, service
from xinyong.deadlines.service import complete_step, open_step
from xinyong.ingest.service import ingest_file
from xinyong.kit.access import ANONYMOUS

DATE_COL = "处罚决定日期"


def _data(session, today):
    today("2026-11-20")
    a = agency(session, seed=7, name="泉州市市场监督管理局")
    b = agency(session, seed=8, name="泉州市生态环境局")
    rows_a = penalty_rows(10, a.uscc, seed=1, start=dt.date(2026, 11, 1))
    bad = [3, 7]
    sent = [dict(r) for r in rows_a]
    for i in bad:
        sent[i][DATE_COL] = ""
    out1 = ingest_file(session, data=to_csv(sent), filename="a1.csv", source_uscc=a.uscc, item_code="penalty")
    assert (out1.total_rows, out1.rejected) == (10, 2)
    rows_b = penalty_rows(5, b.uscc, seed=2, start=dt.date(2026, 11, 10), prefix="泉环罚")
    ingest_file(session, data=to_csv(rows_b), filename="b.csv", source_uscc=b.uscc, item_code="penalty")
    today("2026-11-22")  # two days later agency A re-sends the two corrected rows
    ingest_file(session, data=to_csv([rows_a[i] for i in bad]), filename="a2.csv", source_uscc=a.uscc,
                item_code="penalty")
    # deadlines: one on time, one late, one overdue, one open
    today("2026-11-10")
    complete_step(session, open_step(session, procedure="complaint", procedure_id=1, step="handle",
                                     started_on=dt.date(2026, 11, 2)), "substantiated")
    today("2026-11-23")
    complete_step(session, open_step(session, procedure="complaint", procedure_id=2, step="handle",
                                     started_on=dt.date(2026, 10, 9)), "substantiated")
    open_step(session, procedure="complaint", procedure_id=3, step="handle", started_on=dt.date(2026, 10, 9))
    open_step(session, procedure="complaint", procedure_id=4, step="handle", started_on=dt.date(2026, 11, 20))
    for _ in range(2):
        complaints.file(session, ANONYMOUS, ComplaintIn(stage="use", summary="被用于与法定用途无关的审查。", anonymous=True))
    session.flush()
    return a, b, rows_a, rows_b


def _expected_avg(rows, arrived: dict[int, dt.date]):
    days = [(arrived[i] - dt.date.fromisoformat(r[DATE_COL].replace("/", "-"))).days for i, r in enumerate(rows)]
    return round(sum(days) / len(days), 1), max(days)


def test_summary_numbers(session, today):
    a, b, rows_a, rows_b = _data(session, today)
    s = service.summary(session, today=dt.date(2026, 11, 23))
    volumes = {(v.agency, v.item_code): v.records for v in s.volumes}
    assert volumes == {(a.name, "penalty"): 10, (b.name, "penalty"): 5} and s.total_records == 15
    q = {x.agency: x for x in s.quality}
    # timeliness: A's 8 good rows arrived on 11-20 and the 2 corrected ones on 11-22
    arrived_a = {i: dt.date(2026, 11, 22) if i in (3, 7) else dt.date(2026, 11, 20) for i in range(10)}
    assert (q[a.name].avg_days_to_receive, q[a.name].max_days_to_receive) == _expected_avg(rows_a, arrived_a)
    assert (q[b.name].avg_days_to_receive, q[b.name].max_days_to_receive) == _expected_avg(
        rows_b, {i: dt.date(2026, 11, 20) for i in range(5)})
    # rejection rate: 2 of the 12 rows A sent; none of B's
    assert (q[a.name].batches, q[a.name].rows, q[a.name].rejected_rows) == (2, 12, 2)
    assert q[a.name].rejection_rate == round(2 / 12, 4) and q[b.name].rejection_rate == 0
    # time to correct: A's flawed batch was followed two days later by the re-send
    assert (q[a.name].batches_with_rejections, q[a.name].resent, q[a.name].not_yet_resent) == (1, 1, 0)
    assert q[a.name].avg_days_to_correct == 2.0
    assert q[b.name].batches_with_rejections == 0 and q[b.name].avg_days_to_correct is None
    # deadline compliance per procedure
    d = {x.procedure: x for x in s.deadlines}["complaint"]
    # the two filed complaints add two open "handle" steps (started 11-23)
    assert (d.done_on_time, d.done_late, d.overdue, d.open_on_time) == (1, 1, 1, 3)
    counts = {p.table: p for p in s.procedures}
    assert counts["complaints"].available and counts["complaints"].total == 2
    assert counts["complaints"].groups == [{"status": "filed", "count": 2}]


def test_missing_tables_show_as_not_available(session, monkeypatch):
    monkeypatch.setattr(repository, "PROCEDURE_TABLES", (
        ("ghost", "xinyong.models.listing", "NoSuchClass", ("status",)),
        ("complaints", "xinyong.models.complaint", "Complaint", ("status",))))
    found = repository.procedure_counts(session)
    assert found["ghost"] == {"available": False, "rows": []} and found["complaints"]["available"]


def test_page_and_api(client, session, today):
    _data(session, today)
    create_user(session, username="staff1", password="staff-pass-123", role="staff")
    create_user(session, username="auditor1", password="staff-pass-123", role="auditor")
    tok = issue_token(session, "staff1")
    other = issue_token(session, "auditor1")
    session.commit()
    r = client.get("/api/v1/dashboards/summary", headers={"Authorization": f"Bearer {tok}"})
    assert r.status_code == 200 and r.json()["total_records"] == 15 and "time_to_correct" in r.json()["definitions"]
    assert client.get("/api/v1/dashboards/summary", headers={"Authorization": f"Bearer {other}"}).status_code == 403
    page = client.get("/login").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": "staff1", "password": "staff-pass-123", "csrf_token": csrf, "next": "/"})
    html = client.get("/dashboards").text
    assert html.count("<svg") == 5 and 'id="chart-deadlines"' in html and 'id="table-quality"' in html
    volumes = html.split('id="table-volumes"')[1].split("</table>")[0]
    assert "行政处罚" in volumes and "penalty" not in volumes      # items by their names alone, no codes beside
    # the charts need no script: the only one is the site-wide confirmation of irreversible steps
    own = html.replace('<script src="/static/confirm.js" defer></script>', "")
    assert "<script" not in own and "http://" not in html.replace("http://www.w3.org/2000/svg", "")


def test_every_value_of_the_procedure_breakdown_has_a_label_in_both_languages():
    """The breakdown shows kinds and statuses of the procedures' tables: none as a raw code."""
    from xinyong.models.complaint import COMPLAINT_STATUSES
    from xinyong.models.listing import ENTRY_STATUSES, PROPOSAL_STATUSES
    from xinyong.models.objection import STATUSES as OBJECTION_STATUSES
    from xinyong.models.repair import STATUSES as REPAIR_STATUSES
    from xinyong.web.i18n import translate
    kinds = ("serious_dishonesty", "red", "black")
    for value in (*kinds, *ENTRY_STATUSES, *PROPOSAL_STATUSES, *REPAIR_STATUSES, *OBJECTION_STATUSES,
                  *COMPLAINT_STATUSES):
        for lang in ("zh", "en"):
            assert translate(f"dash.value.{value}", lang) != f"dash.value.{value}", (value, lang)
