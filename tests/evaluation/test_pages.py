"""The evaluation's API and pages on both backends: published results, the natural person's
privacy, the subject's own view, staff overview and recompute."""
from __future__ import annotations

import re

import pytest

from xinyong.accounts.service import create_user
from xinyong.accounts.tokens import issue_token
from xinyong.evaluation import service, views


@pytest.fixture
def tokens(session, city):
    service.recompute_full(session)
    create_user(session, username="firm", password="Firm-pass-2026", role="subject", subject_uscc=city.firm_uscc)
    create_user(session, username="staff1", password="Staff-pass-2026", role="staff")
    create_user(session, username="aud", password="Audit-pass-2026", role="auditor")
    out = {u: {"Authorization": f"Bearer {issue_token(session, u)}"} for u in ("firm", "staff1", "aud")}
    session.commit()
    return out


def test_a_published_result_explains_its_grade(client, city, tokens):
    # the public sees the grade explained from public contributions, never the score (which would
    # hint at what is not public); the subject sees the score and every contribution
    body = client.get(f"/api/v1/evaluation/subjects/{city.firm}").json()
    assert (body["grade"], body["score"], body["base_score"], body["public_view"]) == ("D", None, 90, True)
    mine = client.get(f"/api/v1/evaluation/subjects/{city.firm}", headers=tokens["firm"]).json()
    assert (mine["grade"], mine["score"], mine["public_view"]) == ("D", 44, False)
    assert mine["score"] == mine["base_score"] + sum(c["points"] for c in mine["contributions"])
    serious = next(c for c in body["contributions"] if c["indicator"] == "penalty_serious")
    behind = client.get(serious["records_url"]).json()
    assert behind["matched"] == 2 and len(behind["shown"]) + behind["hidden_not_public"] == 2
    assert all(r["kind"] == "record" for r in behind["shown"])
    page = client.get(f"/evaluation/subjects/{city.firm}")
    assert page.status_code == 200 and 'data-grade="D"' in page.text and "penalty_serious" in page.text
    detail = client.get(f"/evaluation/subjects/{city.firm}/contributions/penalty_serious")
    assert detail.status_code == 200 and "泉评罚〔2026〕1号" in detail.text


def test_public_bodies_show_their_government_integrity(client, city, tokens):
    # government breach records are published (QZ art. 26 para. 2, 公示披露; their publicity follows
    # the stated severity): the public sees the grade explained by them, and the record behind it
    body = client.get(f"/api/v1/evaluation/subjects/{city.body}").json()
    assert {c["dimension"] for c in body["contributions"]} == {"government_integrity"} and body["grade"] is not None
    behind = client.get(f"/api/v1/evaluation/subjects/{city.body}/contributions/gov_breach_serious").json()
    assert behind["matched"] == len(behind["shown"]) >= 1 and behind["hidden_not_public"] == 0
    assert "合同违约" in behind["shown"][0]["detail"]
    as_staff = client.get(f"/api/v1/evaluation/subjects/{city.body}", headers=tokens["staff1"]).json()
    assert {c["dimension"] for c in as_staff["contributions"]} == {"government_integrity"}
    staff = client.get(f"/api/v1/evaluation/subjects/{city.body}/contributions/gov_breach_serious",
                       headers=tokens["staff1"]).json()
    assert "合同违约" in staff["shown"][0]["detail"] and "政府采购" in staff["shown"][0]["detail"]


def test_a_natural_persons_result_is_not_published(client, city, tokens):
    assert client.get(f"/api/v1/evaluation/subjects/{city.person}").status_code == 404
    assert client.get(f"/evaluation/subjects/{city.person}").status_code == 404
    assert client.get(f"/api/v1/evaluation/subjects/{city.person}", headers=tokens["staff1"]).status_code == 200
    assert client.get("/api/v1/evaluation/subjects/999999").status_code == 404
    assert client.get(f"/api/v1/evaluation/subjects/{city.firm}/contributions/nope").status_code == 404


def test_a_staff_read_of_the_full_evaluation_is_in_the_subjects_access_log(client, city, tokens, session):
    """The credit department reads a person's evaluation in its duties (QZ art. 14 para. 2): the
    person sees that read among the others; the public's read of a published result is no such read."""
    from sqlalchemy import select
    from xinyong.models import AccessLog

    def reads(subject_id):
        session.expire_all()
        return session.scalars(select(AccessLog).where(AccessLog.subject_id == subject_id)).all()

    assert client.get(f"/api/v1/evaluation/subjects/{city.firm}").status_code == 200
    assert reads(city.firm) == []
    body = client.get(f"/api/v1/evaluation/subjects/{city.person}", headers=tokens["staff1"]).json()
    assert body["public_view"] is False and "*" not in body["subject_name"]
    [read] = reads(city.person)
    assert read.basis_kind == "duty" and read.role == "staff" and read.allowed and "第十四条" in read.reason
    # the page of the records behind one contribution is one read, logged once
    from tests.access.support import login
    login(client, "staff1", "Staff-pass-2026")
    indicator = body["contributions"][0]["indicator"] if body["contributions"] else "penalty_serious"
    assert client.get(f"/evaluation/subjects/{city.person}/contributions/{indicator}").status_code == 200
    assert len(reads(city.person)) == 2


def test_the_subject_page_links_to_an_evaluation_only_where_it_is_published(client, city, tokens):
    # the demo audit: a natural person's page offered 公共信用综合评价, a link that answers 404
    person = client.get(f"/subjects/{city.person}")
    assert person.status_code == 200 and f'href="/evaluation/subjects/{city.person}"' not in person.text
    firm = client.get(f"/subjects/{city.firm}")
    assert f'href="/evaluation/subjects/{city.firm}"' in firm.text
    assert client.get(f"/evaluation/subjects/{city.firm}").status_code == 200


def test_the_not_published_page_reads_as_a_sentence_in_english(client, city, tokens):
    page = client.get(f"/evaluation/subjects/{city.person}?lang=en")
    assert page.status_code == 404 and "No published evaluation for this subject" in page.text


def test_pages_name_the_model_and_what_set_a_run_off_in_words(client, city, tokens):
    # the demo audit: "评价模型 qz-2026.1", 触发 "batch:19" / "demo": codes where a reader wants words
    title = service.load_model("qz-2026.1").title_zh
    page = client.get(f"/evaluation/subjects/{city.firm}").text
    assert f"评价模型 {title}" in page and "评价模型 qz-2026.1" not in page
    english = client.get(f"/evaluation/subjects/{city.firm}?lang=en").text
    assert f"Model {service.load_model('qz-2026.1').title_en}" in english
    assert "；" not in english and re.search(r"A ≥ \d+; B ≥ \d+", english)   # English punctuation on English pages
    assert re.search(r"等级划分：\s*A ≥ \d+；B", page)
    client.post("/evaluation/recompute", headers=tokens["staff1"])
    overview = client.get("/evaluation?lang=zh", headers=tokens["staff1"]).text
    assert "工作人员重新计算" in overview and "<td>staff</td>" not in overview
    assert f"<td>{title} " in overview and "可用版本：" in overview
    assert views.trigger_words("batch:19", "zh") == "批次 19 入库"
    assert views.trigger_words("batch:19", "en") == "Batch 19 loaded"
    assert views.trigger_words("demo", "zh") == "演示数据"


def test_the_subject_sees_its_own_result_and_every_record_behind_it(client, city, tokens):
    mine = client.get("/api/v1/me/evaluation", headers=tokens["firm"]).json()
    assert mine["subject_id"] == city.firm and mine["grade"] == "D"
    for c in mine["contributions"]:
        behind = client.get(c["records_url"], headers=tokens["firm"]).json()
        assert len(behind["shown"]) == c["matched"] and behind["hidden_not_public"] == 0


def test_staff_overview_and_recompute(client, city, tokens):
    over = client.get("/api/v1/evaluation/overview", headers=tokens["aud"]).json()
    assert over["model_version"] == "qz-2026.1" and sum(over["distribution"].values()) == len(city.others) + 4
    assert client.post("/api/v1/evaluation/recompute", headers=tokens["aud"]).status_code == 403
    run = client.post("/api/v1/evaluation/recompute", headers=tokens["staff1"])
    assert run.status_code == 201 and run.json()["kind"] == "full"
    bad = client.post("/api/v1/evaluation/sector-imports", headers=tokens["staff1"], json={"rows": [
        {"uscc": city.firm_uscc, "sector": "食品", "grade": "A", "evaluated_on": "2026-08-01",
         "agency_uscc": city.agency_uscc},
        {"uscc": city.firm_uscc, "sector": "食品", "grade": "??", "evaluated_on": "2026-08-02",
         "agency_uscc": city.agency_uscc}]})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "bad_rows"
    good = client.post("/api/v1/evaluation/sector-imports", headers=tokens["staff1"], json={"rows": [
        {"uscc": city.firm_uscc, "sector": "食品", "grade": "A", "evaluated_on": "2026-08-01",
         "agency_uscc": city.agency_uscc}]})
    assert good.status_code == 201
    sectors = client.get(f"/api/v1/evaluation/subjects/{city.firm}").json()["sector_evaluations"]
    assert [(s["tier"], s["inspections_per_year"]) for s in sectors] == [("A", 0.5)]
