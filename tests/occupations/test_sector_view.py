"""Issue 15 point 6 (QZ art. 30 para. 2), on both backends: practitioners' qualifications and
occupational credit records are ingested by file and by API through the generic ingest (natural
persons only); the credit department names 司法局 for law and 卫健委 for medicine; each reads its
own group's records, masked, and nothing of another group; an organisation named for nothing
reads nothing."""
from __future__ import annotations

import random

from sqlalchemy import select

from tests.support.builders import agency, to_csv
from tests.support.web import bearer, page_login
from xinyong.accounts.service import create_user
from xinyong.accounts.tokens import issue_token
from xinyong.ingest.service import ingest_file
from xinyong.models import AuditEntry, Record
from xinyong.synthetic import make_resident_id

PW = "sector-pass-123"
LAWYER, DOCTOR, TEACHER = "张律师", "李医生", "王老师"


def _person(name, seed):
    return {"姓名": name, "主体类别": "自然人", "证件类型": "身份证", "证件号码": make_resident_id(random.Random(seed))}


def _credit_row(name, seed, profession, no):
    return {**_person(name, seed), "职业类别": profession, "资格证书编号": f"ZS{seed:06d}", "执业机构": "某某事务所",
            "记录性质": "失信", "记录事由": "违规执业被行业通报", "记录编号": no, "认定日期": "2026-09-01",
            "认定部门": "行业主管部门"}


def _csv(rows):
    return to_csv(rows, headers=tuple(rows[0]))


def _world(session):
    source = agency(session, seed=21, name="泉州市发展和改革委员会")
    justice = agency(session, seed=22, name="泉州市司法局")
    health = agency(session, seed=23, name="泉州市卫生健康委员会")
    other = agency(session, seed=24, name="泉州市教育局")
    for username, org in (("justice", justice), ("health", health), ("edu", other), ("sender", source)):
        create_user(session, username=username, password=PW, role="agency", agency_uscc=org.uscc)
    create_user(session, username="keeper", password=PW, role="staff")
    tokens = {u: issue_token(session, u) for u in ("justice", "health", "edu", "sender", "keeper")}
    session.commit()
    return {"source": source, "justice": justice, "health": health, "tokens": tokens}


def test_records_ingested_by_file_and_api_and_read_by_their_own_sector_only(client, session, today):
    today("2026-11-23")
    w = _world(session)
    tok = w["tokens"]
    rows = [_credit_row(LAWYER, 1, "法律", "SF-2026-001"), _credit_row(DOCTOR, 2, "医疗卫生", "WJ-2026-001"),
            _credit_row(TEACHER, 3, "教育", "JY-2026-001"),
            {**_credit_row("某公司", 4, "法律", "SF-2026-002"), "主体类别": "法人及非法人组织"}]
    out = ingest_file(session, data=_csv(rows), filename="occ.csv", source_uscc=w["source"].uscc,
                      item_code="occupational_credit")
    assert (out.accepted, out.rejected) == (3, 1)       # a legal person is refused by the code table
    api = client.post("/api/v1/batches", headers=bearer(tok["sender"]), json={"item": "professional_qualification", "rows": [
        {**_person(LAWYER, 1), "职业类别": "法律", "资格名称": "律师执业资格", "证书编号": "13505202610001",
         "取得日期": "2020-07-01", "发证机关": "福建省司法厅"}]})
    assert api.status_code in (200, 201), api.text
    assert api.json()["accepted"] == 1
    stored = session.scalars(select(Record).where(Record.item_code == "occupational_credit")).all()
    assert {r.fields["profession"] for r in stored} == {"法律", "医疗", "教育"}      # the alias read as its code
    assert all(r.disclosure == "on_application" and not r.publicity_published for r in stored)
    # nobody is named yet: the sector view shows nothing, and another group is 404
    assert client.get("/api/v1/sector/records", headers=bearer(tok["justice"])).json() == []
    assert client.get("/api/v1/sector/records?profession=law", headers=bearer(tok["justice"])).status_code == 404
    keeper = bearer(tok["keeper"])
    for org, group in ((w["justice"], "law"), (w["health"], "medicine")):
        r = client.post("/api/v1/sector-authorities", json={"agency_id": org.id, "profession": group}, headers=keeper)
        assert r.status_code == 201, r.text
    assert client.post("/api/v1/sector-authorities", json={"agency_id": w["justice"].id, "profession": "law"},
                       headers=keeper).status_code == 409
    assert client.post("/api/v1/sector-authorities", json={"agency_id": w["justice"].id, "profession": "astrology"},
                       headers=keeper).status_code == 422
    assert client.post("/api/v1/sector-authorities", json={"agency_id": w["justice"].id, "profession": "law"},
                       headers=bearer(tok["justice"])).status_code == 403
    law = client.get("/api/v1/sector/records", headers=bearer(tok["justice"])).json()
    assert sorted(r["decision_no"] for r in law) == ["13505202610001", "SF-2026-001"]
    assert all(r["name"] == "张**" and LAWYER not in str(r) for r in law)
    assert all("*" in (r["resident_id"] or "*") for r in law)
    assert client.get("/api/v1/sector/records?profession=medicine", headers=bearer(tok["justice"])).status_code == 404
    medicine = client.get("/api/v1/sector/records?profession=medicine", headers=bearer(tok["health"])).json()
    assert [r["decision_no"] for r in medicine] == ["WJ-2026-001"] and medicine[0]["profession"] == "medicine"
    assert client.get("/api/v1/sector/records", headers=bearer(tok["edu"])).json() == []
    assert client.get("/api/v1/sector/records", headers=bearer(tok["keeper"])).status_code == 403
    reads = session.scalars(select(AuditEntry).where(AuditEntry.action == "occupation.records_read")).all()
    assert any(e.details.get("groups") == "law" and e.details.get("count") == 2 for e in reads)


def test_the_sector_page_and_the_staff_desk(client, session, today):
    today("2026-11-23")
    w = _world(session)
    ingest_file(session, data=_csv([_credit_row(DOCTOR, 2, "医疗", "WJ-2026-009")]), filename="o.csv",
                source_uscc=w["source"].uscc, item_code="occupational_credit")
    csrf = page_login(client, "keeper", PW)
    r = client.post("/staff/sector-authorities", data={"csrf_token": csrf, "agency_id": str(w["health"].id),
                                                       "profession": "medicine"}, follow_redirects=False)
    assert r.status_code == 303
    assert "泉州市卫生健康委员会" in client.get("/staff/sector-authorities").text
    page_login(client, "health", PW)
    page = client.get("/sector/records")
    assert "WJ-2026-009" in page.text and DOCTOR not in page.text and "李**" in page.text
    page_login(client, "justice", PW)
    page = client.get("/sector/records")
    assert "WJ-2026-009" not in page.text and 'id="no-groups"' in page.text
    assert client.get("/sector/records?profession=medicine").status_code == 404
