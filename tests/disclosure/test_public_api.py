"""The public API: search, subject pages, publicity windows and masking, on both backends."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from tests.support.builders import agency, penalty_rows, to_csv
from xinyong import clock
from xinyong.disclosure.repository import public_records, public_records_statement
from xinyong.ingest.service import ingest_file


def _load(session, rows, src):
    out = ingest_file(session, data=to_csv(rows), filename="p.csv", source_uscc=src, item_code="penalty")
    session.commit()
    assert out.rejected == 0, out
    return out


def _company(session, client, name_part="测试贸易有限公司3"):
    hits = client.get("/api/v1/subjects", params={"q": name_part}).json()["items"]
    assert hits, f"no hit for {name_part}"
    return hits[0]


def test_search_by_partial_chinese_name_and_by_uscc(session, client):
    src = agency(session).uscc
    rows = penalty_rows(6, src)
    _load(session, rows, src)
    hit = _company(session, client, "贸易有限公司3")
    assert hit["name"] == "泉州市测试贸易有限公司3"
    by_code = client.get("/api/v1/subjects", params={"q": rows[3]["行政相对人代码_1(统一社会信用代码)"]}).json()
    assert [h["id"] for h in by_code["items"]] == [hit["id"]]
    assert client.get("/api/v1/subjects", params={"q": "不存在的名字"}).json()["items"] == []


def test_empty_query_gets_a_clear_error(client):
    r = client.get("/api/v1/subjects", params={"q": ""})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_input"
    assert "Search" in r.json()["error"]["message_en"]   # the field named by its label (issue #13 point 3)


def test_a_record_is_public_only_inside_its_window(session, client, today):
    src = agency(session).uscc
    rows = penalty_rows(1, src, start=dt.date(2026, 5, 10))  # 罚款 1.5万元: general, Order 36: 1 year
    _load(session, rows, src)
    sid = _company(session, client, "测试贸易有限公司0")["id"]
    today("2026-05-09")
    assert client.get(f"/api/v1/subjects/{sid}").json()["records"] == []  # before the decision
    today("2026-05-10")
    rec = client.get(f"/api/v1/subjects/{sid}").json()["records"]
    assert len(rec) == 1 and rec[0]["severity"] == "general"
    assert rec[0]["publicity_end"] == "2027-05-10" and "36" in rec[0]["publicity_citation"]
    today("2027-05-09")
    assert len(client.get(f"/api/v1/subjects/{sid}").json()["records"]) == 1
    today("2027-05-10")  # the end is exclusive: gone without any sweep having run
    assert client.get(f"/api/v1/subjects/{sid}").json()["records"] == []


def test_the_rule_in_force_on_the_decision_date_applies(session, client, today):
    src = agency(session).uscc
    old = penalty_rows(1, src, start=dt.date(2026, 3, 31), prefix="甲")   # Order 58: up to 3 years
    new = penalty_rows(1, src, start=dt.date(2026, 4, 1), prefix="乙", seed=2)  # Order 36: 1 year
    _load(session, old + new, src)
    today("2026-06-01")
    ends = {}
    for part in ("测试贸易有限公司0",):
        for hit in client.get("/api/v1/subjects", params={"q": part}).json()["items"]:
            for r in client.get(f"/api/v1/subjects/{hit['id']}").json()["records"]:
                ends[r["decision_date"]] = r["publicity_end"]
    assert ends == {"2026-03-31": "2029-03-31", "2026-04-01": "2027-04-01"}


def test_natural_persons_are_masked_on_every_public_view(session, client):
    src = agency(session).uscc
    rows = penalty_rows(2, src, persons=1)
    rows[0]["行政相对人名称"] = "欧阳明华"
    _load(session, rows, src)
    # a part of the name finds no person: it would read a masked name back a character at a time
    for part in ("欧阳", "明华", "欧", "华"):
        assert client.get("/api/v1/subjects", params={"q": part}).json()["items"] == [], part
    search = client.get("/api/v1/subjects", params={"q": "欧阳明华"})
    assert search.json()["items"] and "欧阳明华" not in str(search.json()["items"])   # the query is echoed, the name not
    hit = search.json()["items"][0]
    assert hit["masked"] and hit["name"] == "欧***"
    profile = client.get(f"/api/v1/subjects/{hit['id']}")
    body = profile.json()
    assert "欧阳明华" not in profile.text and rows[0]["证件号码"] not in profile.text
    assert body["resident_id"] == rows[0]["证件号码"][:6] + "********" + rows[0]["证件号码"][-4:]
    assert body["records"] and body["records"][0]["fields"]["subject_name"] == "欧***"


def test_unknown_subject_is_404_with_a_stable_code(client):
    r = client.get("/api/v1/subjects/999999")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


def test_order_58_sector_minimum_comes_from_the_cited_law(session):
    """NDRC Order 58: food, drugs, special equipment, work safety and fire safety penalties
    stay public at least a year; the sector is read from 处罚依据."""
    from sqlalchemy import select

    from xinyong.models import Record
    src = agency(session).uscc
    rows = penalty_rows(2, src, start=dt.date(2025, 6, 1))
    rows[1]["处罚依据"] = "《中华人民共和国广告法》第五十五条"
    _load(session, rows, src)
    got = {r.decision_no: r.publicity_min_end for r in session.scalars(select(Record))}
    assert got[rows[0]["行政处罚决定书文号"]] == dt.date(2026, 6, 1)   # 食品安全法: food, 12 months
    assert got[rows[1]["行政处罚决定书文号"]] == dt.date(2025, 9, 2)   # decided 06-02, no listed sector: 3 months


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_subject_with_thousands_of_records_is_read_in_date_order_not_sorted(session, backend, today):
    today("2026-12-02")
    day = clock.today()
    """A page of 200 of a subject's 3,000 records comes from a backward scan of
    ix_records_subject_date that stops at the page, not from reading and sorting all of them
    (docs/PERFORMANCE.md: 449 ms cold for 6,206 records before). On PostgreSQL only: a plan."""
    src = agency(session).uscc
    _load(session, penalty_rows(2, src), src)
    subject_id, template_id = session.execute(text("SELECT subject_id, id FROM records ORDER BY id LIMIT 1")).one()
    session.execute(text(
        "INSERT INTO records (subject_id, item_code, source_agency_id, decision_no, decision_date, valid_to,"
        " severity, severity_basis, disclosure, publicity_published, publicity_start, publicity_end,"
        " publicity_min_end, publicity_citation, publicity_ended_on, fields, status, under_objection, version,"
        " batch_id, row_no, received_at, updated_at)"
        " SELECT r.subject_id, r.item_code, r.source_agency_id, r.decision_no || '-' || g, r.decision_date - g,"
        " r.valid_to, r.severity, r.severity_basis, r.disclosure, r.publicity_published, r.publicity_start,"
        " r.publicity_end, r.publicity_min_end, r.publicity_citation, r.publicity_ended_on, r.fields, r.status,"
        " r.under_objection, r.version, r.batch_id, r.row_no, r.received_at, r.updated_at"
        " FROM records r, generate_series(1, 3000) g WHERE r.id = :id"), {"id": template_id})
    session.execute(text("ANALYZE records"))
    stmt = public_records_statement(subject_id, day)
    sql = str(stmt.compile(dialect=session.bind.dialect, compile_kwargs={"literal_binds": True}))
    plan = "\n".join(session.scalars(text("EXPLAIN " + sql)))
    assert "Index Scan Backward using ix_records_subject_date" in plan, plan
    assert "Sort" not in plan, plan
    rows = public_records(session, subject_id, day)
    assert len(rows) == 200
    dates = [r.decision_date for r, _ in rows]
    assert dates == sorted(dates, reverse=True)
