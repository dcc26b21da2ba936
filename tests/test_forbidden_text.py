"""Forbidden personal data and control characters in free text, on both backends (issue #10
points 3 and 6): every public or shared free-text path refuses the sentence naming the classes
and never echoing it; a batch returns the row for review; a complaint (confidential) takes it
and it appears in no public or shared output; a NUL is a clear 4xx everywhere, never a 500."""
from __future__ import annotations

import datetime as dt
import random

import pytest

from tests.ingest.test_readers import xlsx
from tests.objections.conftest import ENTERPRISE, PASSWORD, world  # noqa: F401 (fixtures)
from tests.support.web import page_login
from xinyong.models import Record
from xinyong.models.complaint import Complaint
from xinyong.models.declaration import Declaration
from xinyong.synthetic import PENALTY_HEADERS, make_uscc, penalty_row, to_csv

SENTENCE = "血型为A型，信仰佛教，患有糖尿病"
VALUE_BITS = ("糖尿病", "佛教", "A型")          # what the value says; the classes' names may be shown
CLASSES_ZH = ("血型", "宗教信仰", "疾病和病史")
NUL = "经营超过保质期的食品\x00"


def _api_paths(w):
    """(who, method, url, kind, payload, field) for each public or shared free-text API path."""
    rec = w.public_record
    return [
        ("firm", "/api/v1/me/declarations", "json",
         {"form": "statement", "category": "honours", "title": "获得荣誉", "content": "{}", "pledge_accepted": True}),
        ("firm", "/api/v1/me/objections", "form", {"record_id": str(rec), "grounds": ["error"], "reasons": "{}"}),
        ("firm", "/api/v1/me/repair/applications", "form", {"record_id": str(rec), "statement": "{}"}),
        ("scjg", "/api/v1/commitments", "json",
         {"subject_id": w.enterprise_id, "type": "general", "matter": "食品经营许可", "text": "{}",
          "commitment_no": "CN-1"}),
        ("scjg", "/api/v1/measure-applications/1/feedback", "json", {"effect": "applied", "text": "{}"}),
        ("staff", "/api/v1/lists/proposals", "json",
         {"kind": "serious_dishonesty", "subject_id": w.enterprise_id, "reasons": "{}", "legal_basis": "条例"}),
        ("scjg", "/api/v1/objections/1/decision", "json",
         {"outcome": "corrected", "reasons": "已更正", "corrections": {"offence_facts": "{}"}}),
        ("staff", "/api/v1/agencies", "json", {"uscc": make_uscc(random.Random(3), "11"), "name": "{}"}),
    ]


def _fill(payload, value):
    if isinstance(payload, dict):
        return {k: _fill(v, value) for k, v in payload.items()}
    if isinstance(payload, list):
        return [_fill(v, value) for v in payload]
    return value if payload == "{}" else payload


def _post(client, w, who, url, kind, payload, value):
    body = _fill(payload, value)
    headers = w.token(who)
    return client.post(url, headers=headers, json=body) if kind == "json" else client.post(url, headers=headers,
                                                                                           data=body)


def test_every_public_free_text_api_path_refuses_forbidden_data_naming_the_class(client, world):
    for who, url, kind, payload in _api_paths(world):
        r = _post(client, world, who, url, kind, payload, SENTENCE)
        assert r.status_code == 422, (url, r.status_code, r.text[:300])
        error = r.json()["error"]
        assert error["code"] == "forbidden_data", (url, error)
        assert all(c in error["message"] for c in CLASSES_ZH), (url, error)
        assert "blood type" in error["message_en"] and "religious belief" in error["message_en"]
        assert not any(bit in r.text for bit in VALUE_BITS), (url, r.text)
    session = world.session
    session.expire_all()
    assert session.query(Declaration).count() == 0


def test_look_alikes_are_screened_too(client, world):
    disguised = "血\u200b型：ＡＢ型；信 仰 佛 教"
    r = _post(client, world, "firm", "/api/v1/me/declarations", "json", _api_paths(world)[0][3], disguised)
    assert r.status_code == 422 and r.json()["error"]["code"] == "forbidden_data"
    assert "佛" not in r.text


def test_ordinary_text_passes_the_same_paths(client, world):
    r = _post(client, world, "firm", "/api/v1/me/declarations", "json", _api_paths(world)[0][3],
              "本公司获评2025年度守合同重信用企业，血液制品经营许可证在有效期内，已消除安全隐患。")
    assert r.status_code == 201, r.text


def test_control_characters_are_a_clear_4xx_on_every_path(client, world):
    for who, url, kind, payload in _api_paths(world):
        r = _post(client, world, who, url, kind, payload, NUL)
        assert r.status_code == 422, (url, r.status_code, r.text[:300])
        assert r.json()["error"]["code"] == "control_character", url
    for url in ("/api/v1/subjects?q=%00", "/search?q=a%00b", "/api/v1/catalogue/pen%00alty",
                "/api/v1/audit/entries?actor=%00"):
        r = client.get(url, headers=world.token("staff"))
        assert 400 <= r.status_code < 500, (url, r.status_code)


def test_page_forms_refuse_too(client, world):
    csrf = page_login(client, "firm", PASSWORD)
    r = client.post("/me/declarations", data={"csrf_token": csrf, "form": "statement", "category": "honours",
                                              "title": "荣誉", "content": SENTENCE, "pledge_accepted": "1"})
    assert r.status_code == 422 and "血型" in r.text and "糖尿病" not in r.text
    # a form read whole (repair: files with the fields) goes through the same screen
    r = client.post("/me/repair", data={"csrf_token": csrf, "record_id": str(world.public_record),
                                        "statement": SENTENCE})
    assert r.status_code == 422 and "疾病和病史" in r.text and "糖尿病" not in r.text
    r = client.post("/me/repair", data={"csrf_token": csrf, "record_id": str(world.public_record),
                                        "statement": NUL})
    assert r.status_code == 422


# ---------------------------------------------------------------- batches
def _rows(w, facts: str):
    rng = random.Random(5)
    agency = w.orgs["scjg"]
    return [penalty_row(rng, name=f"泉州市筛查测试有限公司{i}", subject_uscc=make_uscc(rng),
                        decision_no=f"泉市监罚〔2026〕9{i}号", decision_date=dt.date(2026, 6, 1),
                        agency_name=agency.name, agency_uscc=agency.uscc) | ({"违法事实": facts} if i == 0 else {})
            for i in range(2)]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_a_batch_value_with_forbidden_data_goes_back_for_review_unquoted(client, world, fmt):
    rows, headers = _rows(world, SENTENCE), world.token("scjg")
    if fmt == "json":
        r = client.post("/api/v1/batches", headers=headers, json={"item": "penalty", "rows": rows})
    else:
        data = to_csv(rows) if fmt == "csv" else xlsx([list(PENALTY_HEADERS)] +
                                                       [[row[h] for h in PENALTY_HEADERS] for row in rows])
        r = client.post("/api/v1/batches/file", headers=headers, data={"item": "penalty"},
                        files={"file": (f"p.{fmt}", data)})
    assert r.status_code == 201, r.text
    batch = r.json()
    assert (batch["accepted"], batch["rejected"]) == (1, 1)
    rejections = client.get(f"/api/v1/batches/{batch['batch']}/rejections", headers=headers).json()
    hit = next(x for x in (rejections if isinstance(rejections, list) else rejections["items"])
               if x["reason_code"] == "forbidden_data")
    assert hit["field"] == "违法事实" and hit["value"] in (None, "")
    assert all(c in hit["reason"] for c in CLASSES_ZH) and "blood type" in hit["reason_en"]
    report = client.get(f"/api/v1/batches/{batch['batch']}/rejections.csv", headers=headers).content.decode("utf-8-sig")
    assert "forbidden_data" in report and not any(bit in report for bit in VALUE_BITS)
    world.session.expire_all()
    stored = " ".join(str(r.fields) for r in world.session.query(Record).all())
    assert "糖尿病" not in stored


def test_a_batch_with_a_synonym_header_is_refused_not_dropped(client, world):
    rows = [r | {"健康 状况": "良好"} for r in _rows(world, "经营超过保质期的食品")]
    data = to_csv(rows, headers=(*PENALTY_HEADERS, "健康 状况"))
    r = client.post("/api/v1/batches/file", headers=world.token("scjg"), data={"item": "penalty"},
                    files={"file": ("p.csv", data)})
    assert r.status_code == 422 and r.json()["error_code"] == "forbidden_data", r.text
    assert "良好" not in r.text


def test_a_nul_in_a_batch_value_or_header_is_a_4xx_or_a_returned_row(client, world):
    headers = world.token("scjg")
    r = client.post("/api/v1/batches", headers=headers, json={"item": "penalty", "rows": _rows(world, NUL)})
    assert r.status_code == 201 and r.json()["rejected"] == 1, r.text
    bad = [{**row, "备\x00注": "x"} for row in _rows(world, "经营超过保质期的食品")]
    r = client.post("/api/v1/batches", headers=headers, json={"item": "penalty", "rows": bad})
    assert r.status_code == 422 and r.json()["error_code"] == "control_character", r.text


# ---------------------------------------------------------------- the confidential path
def test_a_complaint_takes_it_and_no_public_or_shared_output_shows_it(client, world):
    r = client.post("/api/v1/complaints", json={"stage": "publication", "summary": f"公示信息泄露：{SENTENCE}",
                                                "subject_id": world.enterprise_id, "record_id": world.public_record,
                                                "anonymous": True})
    assert r.status_code == 201, r.text
    world.session.expire_all()
    assert "糖尿病" in world.session.query(Complaint).one().summary   # kept for its handlers
    outputs = [("anonymous", f"/api/v1/subjects/{world.enterprise_id}"), ("anonymous", f"/subjects/{world.enterprise_id}"),
               ("anonymous", f"/search?q={ENTERPRISE}"), ("anonymous", "/api/v1/declarations"),
               ("firm", f"/api/v1/subjects/{world.enterprise_id}/profile?items=penalty&basis=self"),
               ("firm", "/api/v1/me/notifications"), ("firm", "/api/v1/me/documents"),
               ("scjg", "/api/v1/objections"), ("scjg", "/api/v1/complaints"), ("scjg", "/api/v1/feed"),
               ("swj", "/api/v1/feed")]
    for who, url in outputs:
        headers = {} if who == "anonymous" else world.token(who)
        got = client.get(url, headers=headers)
        assert got.status_code < 500, url
        assert not any(bit in got.text for bit in VALUE_BITS), url
