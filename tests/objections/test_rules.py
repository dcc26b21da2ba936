"""Objection rules, pure: who may object, grounds, evidence files, correctable values — each
decision with its reason and the citation of the profile in force (FZ art. 25; QZ art. 34, 38)."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinyong.law import load_profile
from xinyong.objections import rules
from xinyong.objections.rules import EvidenceFile, FieldSpec

QZ, FZ = load_profile("quanzhou"), load_profile("fuzhou")
DAY = dt.date(2026, 9, 1)
PDF_HEAD, PNG_HEAD, JPG_HEAD = b"%PDF-1.7\n", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0"
SPECS = {"decision_date": FieldSpec("decision_date", "处罚决定日期", "date", required=True, typed=True),
         "valid_to": FieldSpec("valid_to", "处罚有效期", "date", typed=True),
         "severity": FieldSpec("severity", "失信程度", "severity", required=True, typed=True),
         "fine_wan": FieldSpec("fine_wan", "罚款金额(万元)", "decimal"),
         "remarks": FieldSpec("remarks", "备注")}
CURRENT = {"decision_date": "2026-05-01", "valid_to": "2099-12-31", "severity": "general", "fine_wan": "1.5",
           "remarks": None}


def test_citations_follow_the_profile():
    assert "QZ art. 34" in rules.may_file(QZ, DAY, role="subject", own_subject_id=1, record_subject_id=1).citation
    assert "FZ art. 25" in rules.may_file(FZ, DAY, role="subject", own_subject_id=1, record_subject_id=1).citation
    assert "QZ art. 38" in rules.remedies(QZ, DAY)[2] and "行政复议" in rules.remedies(QZ, DAY)[0]
    # Fuzhou's measures name no remedies article: the national reconsideration law is cited
    assert rules.remedies(FZ, DAY)[2].startswith("ARL") and "行政诉讼" in rules.remedies(FZ, DAY)[0]


@pytest.mark.parametrize("role,own,agent_ref,code", [
    ("subject", 1, "", "ok"), ("subject", 2, "", "not_own_record"), ("subject", None, "", "not_own_record"),
    ("staff", None, "授权书7号", "ok"), ("staff", None, "  ", "agent_needs_authorisation"),
    ("agency", None, "", "role_may_not_object"), ("admin", None, "x", "role_may_not_object"),
    ("financial", None, "", "role_may_not_object"),
])
def test_who_may_object(role, own, agent_ref, code):
    d = rules.may_file(QZ, DAY, role=role, own_subject_id=own, record_subject_id=1, agent_ref=agent_ref)
    assert d.code == code and d.allowed == (code == "ok") and d.reason_zh and d.reason_en


@pytest.mark.parametrize("grounds,reasons,code", [
    (["error"], "决定日期与原件不一致，请核对", "ok"),
    (["trade_secret", "privacy"], "公示内容包含配方等商业秘密信息", "ok"),
    ([], "决定日期与原件不一致，请核对", "no_grounds"),
    (["dislike"], "决定日期与原件不一致，请核对", "unknown_grounds"),
    (["error"], "太短", "reasons_too_short"),
    (["error"], "长" * 4001, "reasons_too_long"),
])
def test_grounds_are_the_articles(grounds, reasons, code):
    for profile, article in ((QZ, "QZ art. 34"), (FZ, "FZ art. 25")):
        d = rules.check_grounds(profile, DAY, grounds, reasons)
        assert d.code == code and article in d.citation


def test_the_grounds_are_those_the_article_names():
    assert set(rules.grounds_of(QZ, DAY)) == {"error", "omission", "trade_secret", "privacy", "other_rights"}


@pytest.mark.parametrize("files,code", [
    ([EvidenceFile("a.pdf", 100, PDF_HEAD)], "ok"),
    ([EvidenceFile("a.PNG", 100, PNG_HEAD), EvidenceFile("b.jpeg", 100, JPG_HEAD)], "ok"),
    ([], "ok"),
    ([EvidenceFile("a.pdf", 100, PNG_HEAD)], "file_type"),          # name and content disagree
    ([EvidenceFile("a.gif", 100, b"GIF89a")], "file_type"),
    ([EvidenceFile("a.pdf", 0, b"")], "empty_file"),
    ([EvidenceFile("a.pdf", 5 * 1024 * 1024 + 1, PDF_HEAD)], "file_too_large"),
    ([EvidenceFile(f"{i}.pdf", 10, PDF_HEAD) for i in range(6)], "too_many_files"),
])
def test_evidence_files(files, code):
    check = rules.check_evidence(QZ, DAY, files)
    assert check.decision.code == code
    if code == "ok":
        assert len(check.content_types) == len(files)


@pytest.mark.parametrize("submitted,code", [
    ({"decision_date": "2026/04/30"}, "ok"),
    ({"severity": "serious", "remarks": "已更正"}, "ok"),
    ({"valid_to": ""}, "ok"),                                   # an optional date may be cleared
    ({"decision_date": ""}, "required"),
    ({"decision_date": "2026-13-01"}, "no_such_date"),   # the shape of a date, no such day
    ({"decision_date": "30.04.2026"}, "bad_date"),
    ({"decision_date": "2026-09-02"}, "future_date"),
    ({"severity": "grave"}, "bad_severity"),
    ({"fine_wan": "-1"}, "bad_number"),
    ({"fine_wan": "NaN"}, "bad_number"),
    ({"decision_no": "X"}, "not_correctable"),
    ({"decision_date": "2026-05-01", "fine_wan": "1.5"}, "no_change"),
    ({"remarks": "x" * 2001}, "too_long"),
])
def test_corrections(submitted, code):
    check = rules.check_corrections(QZ, DAY, SPECS, CURRENT, submitted)
    assert check.decision.code == code and "QZ art. 34" in check.decision.citation


def test_a_correction_lists_old_and_new_values():
    check = rules.check_corrections(QZ, DAY, SPECS, CURRENT, {"decision_date": "2026/4/30", "remarks": "补充说明"})
    assert [(c.field, c.old, c.new) for c in check.changes] == [
        ("decision_date", "2026-05-01", "2026-04-30"), ("remarks", None, "补充说明")]


@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=DAY), st.booleans())
def test_any_past_date_in_either_spelling_is_accepted_as_iso(day, slashes):
    text = day.strftime("%Y/%m/%d" if slashes else "%Y-%m-%d")
    check = rules.check_corrections(QZ, DAY, SPECS, {**CURRENT, "decision_date": "1900-01-01"},
                                    {"decision_date": text})
    assert check.decision.allowed and check.changes[0].new == day.isoformat()


@given(st.text(max_size=30))
def test_severity_is_one_of_three_whatever_is_sent(text):
    check = rules.check_corrections(QZ, DAY, SPECS, CURRENT, {"severity": text})
    if check.decision.allowed:
        assert check.changes[0].new in ("minor", "serious")
    else:
        assert check.decision.code in ("bad_severity", "required", "no_change")


@given(st.binary(max_size=16), st.sampled_from(["a.pdf", "a.png", "a.jpg", "a.jpeg", "a.txt", "a"]))
def test_a_file_is_accepted_only_when_its_bytes_match_its_name(head, name):
    kind = rules.kind_of(name, head)
    if kind is not None:
        assert any(head.startswith(s) for s in rules.SIGNATURES[kind]) and name.endswith(rules.SUFFIXES[kind])


@pytest.mark.parametrize("outcome,reasons,ok", [("corrected", "日期有误", True), ("upheld", "记录无误", True),
                                                ("deleted", "删除", False), ("upheld", " ", False)])
def test_outcome(outcome, reasons, ok):
    assert rules.check_outcome(outcome, reasons).allowed is ok


def test_a_missing_outcome_asks_for_one():
    refused = rules.check_outcome("", "理由充分")
    assert refused.reason_zh.startswith("请选择处理结果") and refused.reason_en.startswith("Choose the outcome")
