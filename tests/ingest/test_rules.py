"""Batch validation against the catalogue (xinyong.ingest.rules) with the real Quanzhou profile."""
from __future__ import annotations

import datetime as dt
import json
import re
import shutil

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fixtures.feeds import big_penalty_frame, make_resident_id, make_uscc, penalty_frame, penalty_row
from xinyong.catalogue import get_catalogue
from xinyong.ingest.rules import STORED_ONLY, BatchRefused, validate
from xinyong.kit.text import forbidden_data, has_control_characters
from xinyong.law import PROFILES_DIR, get_profile, load_profile

PROFILE = get_profile("quanzhou")
RECEIVED = dt.date(2026, 3, 1)
PENALTY = get_catalogue().get("penalty")
ACCEPTED_SCHEMA = {
    "row_no": pl.Int64, "subject_kind": pl.String, "subject_name": pl.String, "subject_uscc": pl.String,
    "subject_resident_id": pl.String, "subject_other_id": pl.String, "legal_rep_name": pl.String,
    "legal_rep_resident_id": pl.String, "decision_no": pl.String, "decision_date": pl.Date, "valid_to": pl.Date,
    "severity": pl.String, "severity_basis": pl.String, "source_agency_uscc": pl.String,
    "deciding_agency_uscc": pl.String, "fields_json": pl.String}
NATURAL = {"行政相对人名称": "张三", "行政相对人类别": "自然人", "行政相对人代码_1(统一社会信用代码)": None,
           "法定代表人": None, "法定代表人证件类型": None, "法定代表人证件号码": None,
           "证件类型": "身份证", "证件号码": make_resident_id(5)}


def run(*rows: dict, item=PENALTY, received=RECEIVED, profile=PROFILE, defer_stored=False):
    number = item.field_by_role("decision_no").header_zh
    numbered = [{number: f"泉市监〔2026〕{n}号", **r} for n, r in enumerate(rows, start=1)]
    return validate(penalty_frame([penalty_row(**r) if item is PENALTY else r for r in numbered]), item,
                    profile, received, defer_stored=defer_stored)


def only(result) -> dict:
    assert result.rejections.height == 0, result.rejections.to_dicts()
    assert result.accepted.height == 1
    return result.accepted.row(0, named=True)


def test_a_valid_row_gives_the_canonical_columns():
    result = run({})
    assert dict(result.accepted.schema) == ACCEPTED_SCHEMA
    row = only(result)
    assert row["row_no"] == 2 and row["subject_kind"] == "legal_person"
    assert row["subject_uscc"] == make_uscc(1) and row["subject_resident_id"] is None
    assert row["legal_rep_name"] == "王五" and row["legal_rep_resident_id"] == make_resident_id(7, "19900202")
    assert (row["decision_date"], row["valid_to"]) == (dt.date(2026, 2, 3), dt.date(2099, 12, 31))
    assert row["severity"] == "general"
    assert row["severity_basis"] == "derived: 罚款, 5.0万元 → general (QZ art. 22 (泉州市社会信用条例 第二十二条))"
    assert row["deciding_agency_uscc"] == row["source_agency_uscc"]
    assert result.ignored_columns == [] and result.refused_columns == []


def test_natural_person_and_other_documents():
    lower_x = make_resident_id(19, "19900101")
    assert lower_x.endswith("X")
    result = run({**NATURAL, "证件号码": lower_x.lower()},
                 {**NATURAL, "证件类型": "护照", "证件号码": "E12345678"},
                 {**NATURAL, "证件类型": "居民身份证"},
                 {"行政相对人类别": "个体工商户", "行政相对人代码_1(统一社会信用代码)": None,
                  "行政相对人代码_2(工商注册号)": "350502600012345"})
    assert result.rejections.height == 0, result.rejections.to_dicts()
    rows = result.accepted.to_dicts()
    assert rows[0]["subject_resident_id"] == lower_x and rows[0]["subject_other_id"] is None
    assert rows[1]["subject_resident_id"] is None and rows[1]["subject_other_id"] == "护照:E12345678"
    assert rows[2]["subject_resident_id"] == make_resident_id(5)  # 居民身份证 is an alias of 身份证
    assert [r["subject_kind"] for r in rows] == ["natural_person"] * 3 + ["individual_business"]


@pytest.mark.parametrize("text", ["2026/02/03", "2026-02-03", "20260203", "2026/2/3", " 2026-02-03 "])
def test_accepted_date_forms(text):
    assert only(run({"处罚决定日期": text}))["decision_date"] == dt.date(2026, 2, 3)


BAD_USCC = make_uscc(1)[:-1] + ("0" if make_uscc(1)[-1] != "0" else "1")
BAD_RID = make_resident_id(5)[:-1] + ("1" if make_resident_id(5)[-1] != "1" else "2")
CASES = [
    ({"行政相对人名称": None}, "行政相对人名称", "required"),
    ({"行政相对人名称": "  "}, "行政相对人名称", "required"),
    ({"行政相对人类别": "公司"}, "行政相对人类别", "not_in_code_table"),
    ({"处罚决定日期": "2026/02/30"}, "处罚决定日期", "bad_date"),
    ({"处罚决定日期": "2026.02.03"}, "处罚决定日期", "bad_date"),
    ({"处罚决定日期": "0026-02-03"}, "处罚决定日期", "bad_date"),
    ({"处罚决定日期": "2026-03-02"}, "处罚决定日期", "future_date"),
    ({"处罚有效期": "2026/01/31"}, "处罚有效期", "valid_to_before_decision"),
    ({"罚款金额(万元)": "五万"}, "罚款金额(万元)", "bad_number"),
    ({"罚款金额(万元)": "-1"}, "罚款金额(万元)", "negative"),
    ({"行政处罚决定书文号": "号" * 129}, "行政处罚决定书文号", "too_long"),
    ({"处罚类别": "警告、打板子"}, "处罚类别", "not_in_code_table"),
    ({"行政相对人代码_1(统一社会信用代码)": BAD_USCC}, "行政相对人代码_1(统一社会信用代码)", "bad_uscc"),
    ({"行政相对人代码_1(统一社会信用代码)": None}, "行政相对人代码_1(统一社会信用代码)", "uscc_required_for_kind"),
    ({"数据来源单位统一社会信用代码": "123"}, "数据来源单位统一社会信用代码", "bad_uscc"),
    ({"行政相对人类别": "个体工商户", "行政相对人代码_1(统一社会信用代码)": None},
     "行政相对人代码_1(统一社会信用代码)", "code_required_for_kind"),
    ({"证件类型": "身份证"}, "证件号码", "id_incomplete"),
    ({"证件类型": "驾驶证", "证件号码": "X1"}, "证件类型", "not_in_code_table"),
    ({**NATURAL, "证件号码": BAD_RID}, "证件号码", "bad_resident_id"),
    ({"法定代表人证件号码": "350502199002300011"}, "法定代表人证件号码", "bad_resident_id"),
]


@pytest.mark.parametrize("override,field,code", CASES, ids=[c[2] + ":" + c[1] for c in CASES])
def test_each_row_check(override, field, code):
    result = run({}, override)
    assert result.accepted["row_no"].to_list() == [2]
    rejection = result.rejections.filter(pl.col("row_no") == 3).to_dicts()
    assert [(r["field"], r["reason_code"]) for r in rejection] == [(field, code)]
    assert rejection[0]["reason"] and re.search(r"[\u4e00-\u9fff]", rejection[0]["reason"])
    assert re.match(r"[a-z]", rejection[0]["reason_en"])


def test_natural_person_without_document_fails_on_both_fields():
    result = run({**NATURAL, "证件类型": None, "证件号码": None})
    assert sorted(result.rejections["field"].to_list()) == ["证件号码", "证件类型"]
    assert set(result.rejections["reason_code"]) == {"id_required_for_kind"}


def test_all_failures_of_a_row_are_reported():
    result = run({"行政相对人名称": None, "处罚决定日期": "2026-13-01", "罚款金额(万元)": "-3", "处罚类别": "鞭刑"})
    assert result.accepted.height == 0
    assert sorted(result.rejections["reason_code"]) == ["bad_date", "negative", "not_in_code_table", "required"]
    assert set(result.rejections["row_no"]) == {2}
    assert dict(result.rejections.schema) == {"row_no": pl.Int64, "field": pl.String, "value": pl.String,
                                              "reason_code": pl.String, "reason": pl.String,
                                              "reason_en": pl.String}


def test_duplicate_decision_numbers_name_the_first_row():
    same = {"行政处罚决定书文号": "泉市监罚〔2026〕9号"}
    result = run({}, same, {}, same, same)
    assert result.accepted["row_no"].to_list() == [2, 3, 4]
    dupes = result.rejections.filter(pl.col("reason_code") == "duplicate_in_batch")
    assert dupes["row_no"].to_list() == [5, 6]
    assert dupes["reason"].to_list() == ["与本批第3行重复"] * 2
    assert dupes["reason_en"].to_list() == ["duplicates row 3 of this batch"] * 2


def test_resident_ids_are_masked_and_never_in_reasons():
    bad = BAD_RID
    result = run({**NATURAL, "证件号码": bad}, {"法定代表人证件号码": bad})
    assert result.rejections["value"].to_list() == [bad[:6] + "********" + bad[-4:]] * 2
    text = str(result.rejections.to_dicts())
    assert bad not in text and bad[6:14] not in text


def test_fields_json_holds_the_catalogue_fields_but_no_identifiers():
    rid, rep = make_resident_id(5), make_resident_id(7, "19900202")
    result = run({**NATURAL, "法定代表人证件类型": "身份证", "法定代表人证件号码": rep, "备注": 'say "hi"\\\n\tend',
                  "其他说明": "ignored"})
    row = only(result)
    fields = json.loads(row["fields_json"])
    assert rid not in row["fields_json"] and rep not in row["fields_json"]
    assert "subject_id_number" not in fields and "legal_rep_id_number" not in fields
    assert fields["remarks"] == 'say "hi"\\\n\tend'
    # typed columns are not repeated in the JSON
    assert row["decision_date"].isoformat() == "2026-02-03" and "decision_date" not in fields
    assert row["valid_to"].isoformat() == "2099-12-31" and "valid_to" not in fields
    assert "decision_no" not in fields and "subject_kind" not in fields
    assert fields["subject_id_type"] == "身份证" and "subject_uscc" not in fields
    assert "其他说明" not in row["fields_json"] and result.ignored_columns == ["其他说明"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(max_size=12), min_size=1, max_size=10))
def test_fields_json_is_valid_json_for_any_text(texts):
    """Any text becomes valid JSON; a row goes back only for what must never be stored
    (control characters, forbidden data), and its rejection does not quote the value."""
    result = run(*[{"备注": t} for t in texts])
    trimmed = pl.Series(texts).str.strip_chars().to_list()  # cells are trimmed of Unicode White_Space
    screen = forbidden_data(PROFILE.rule("data.forbidden", RECEIVED))
    for row_no, js in zip(result.accepted["row_no"], result.accepted["fields_json"]):
        assert json.loads(js).get("remarks") == (trimmed[row_no - 2] or None)
    returned = {r["row_no"]: r for r in result.rejections.to_dicts()}
    for row_no, text in enumerate(trimmed, start=2):
        unstorable = has_control_characters(text) or bool(screen.value_hits(text or ""))
        assert (row_no in returned) == unstorable, text
        if row_no in returned:
            assert returned[row_no]["value"] is None


def test_forbidden_column_refuses_the_batch_without_its_values():
    secret_a, secret_b = "佛教-SECRET-71", "AB型-SECRET-72"
    frame = penalty_frame([penalty_row(宗教信仰=secret_a, 血型=secret_b)])
    with pytest.raises(BatchRefused) as exc:
        validate(frame, PENALTY, PROFILE, RECEIVED)
    refused = exc.value
    assert refused.code == "forbidden_data"
    blob = " ".join([refused.message, refused.message_zh, refused.message_en, str(refused.details), str(refused)])
    assert "宗教信仰" in blob and "血型" in blob and "religion" in blob and "blood_type" in blob
    assert "QZ art. 9" in blob
    assert "SECRET" not in blob and secret_a not in blob and secret_b not in blob
    assert [c["data_class"] for c in refused.details["columns"]] == ["religion", "blood_type"]


@pytest.mark.parametrize("header", ["既往病史", "指纹信息"])
def test_other_forbidden_classes(header):
    with pytest.raises(BatchRefused, match="forbidden|禁止"):
        validate(penalty_frame([penalty_row(**{header: "x"})]), PENALTY, PROFILE, RECEIVED)


def test_restricted_column_is_dropped_and_reported():
    result = run({"月收入(元)": "88888-SECRET"})
    row = only(result)
    assert result.refused_columns == [("月收入(元)", "income", "QZ art. 9 para. 2 (泉州市社会信用条例 第九条第二款)")]
    assert "SECRET" not in str(result.accepted.to_dicts()) and result.ignored_columns == []
    assert "88888" not in row["fields_json"]


def test_missing_mandatory_columns_are_named():
    frame = penalty_frame([penalty_row()]).drop("违法事实", "处罚依据")
    with pytest.raises(BatchRefused) as exc:
        validate(frame, PENALTY, PROFILE, RECEIVED)
    assert exc.value.code == "missing_columns" and exc.value.details == {"columns": ["违法事实", "处罚依据"]}
    assert "违法事实、处罚依据" in exc.value.message_zh and "违法事实" in exc.value.message_en


def test_no_rows_and_ambiguous_columns():
    with pytest.raises(BatchRefused) as exc:
        validate(penalty_frame([penalty_row()]).clear(), PENALTY, PROFILE, RECEIVED)
    assert exc.value.code == "no_rows"
    frame = penalty_frame([penalty_row(统一社会信用代码=make_uscc(1))])
    with pytest.raises(BatchRefused) as exc:
        validate(frame, PENALTY, PROFILE, RECEIVED)
    assert exc.value.code == "ambiguous_columns"


def test_no_data_rule_in_force_refuses_rather_than_skipping_the_screen():
    with pytest.raises(BatchRefused) as exc:
        run({}, received=dt.date(2025, 6, 1))  # Quanzhou's data.forbidden starts 2026-01-01
    assert exc.value.code == "rule_not_in_force"


# ---------------------------------------------------------------- severity
@pytest.mark.parametrize("kinds,fine,expected", [
    ("罚款", "5", "general"),
    ("警告；吊销许可证件", None, "serious"),
    ("警告 通报批评", None, "minor"),
    ("警告", "0", "minor"),            # 0 gives no floor
    ("警告", "0.5", "minor"),
    ("警告", "150", "serious"),        # the amount floor wins
    ("通报批评，罚款", "2", "general"),
    ("其他", None, "general"),
])
def test_severity_is_derived_from_kinds_and_amount(kinds, fine, expected):
    assert only(run({"处罚类别": kinds, "罚款金额(万元)": fine}))["severity"] == expected


def test_explicit_severity_overrides_the_derived_one():
    result = run({"处罚类别": "警告", "失信严重程度": "严重"}, {"处罚类别": "吊销许可证件", "失信严重程度": "轻微"})
    rows = result.accepted.select("severity", "severity_basis").rows()
    assert rows == [("serious", "explicit: 严重"), ("minor", "explicit: 轻微")]


def test_the_rule_version_in_force_on_each_decision_date_is_used():
    result = run({"处罚决定日期": "2025-12-30", "处罚有效期": "2026-12-30"}, {"处罚决定日期": "2026-01-02"})
    bases = result.accepted["severity_basis"].to_list()
    assert "NDRC-36" in bases[0] and "QZ art. 22" in bases[1]


def test_no_severity_rule_in_force_leaves_severity_undetermined(tmp_path):
    shutil.copytree(PROFILES_DIR, tmp_path / "profiles")
    path = tmp_path / "profiles" / "quanzhou.yaml"
    text = path.read_text(encoding="utf-8").replace("effective_from: null\n    effective_to: 2025-12-31",
                                                    "effective_from: 2025-01-01\n    effective_to: 2025-12-31")
    path.write_text(text, encoding="utf-8")
    profile = load_profile("quanzhou", tmp_path / "profiles")
    result = run({"处罚决定日期": "2024-05-06", "处罚有效期": "2025-05-06"},
                 {"处罚决定日期": "2024-05-06", "处罚有效期": "2025-05-06", "失信严重程度": "一般"}, profile=profile)
    rows = result.accepted.select("severity", "severity_basis").rows()
    assert rows == [(None, "undetermined: no severity.penalty rule in force on 2024-05-06"),
                    ("general", "explicit: 一般")]


KINDS = list(PENALTY.field_by_role("penalty_kinds").codes)
RANK = {"minor": 1, "general": 2, "serious": 3}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.lists(st.sampled_from(KINDS), min_size=1, max_size=4, unique=True),
                          st.sampled_from([";", "；", ",", "，", "、", " ", " 、 "]),
                          st.one_of(st.none(), st.decimals(0, 500, places=2).map(str))),
                min_size=1, max_size=15))
def test_severity_is_never_below_any_single_kind_or_the_amount_floor(cases):
    rule = PROFILE.rule("severity.penalty", on=dt.date(2026, 2, 3)).value
    result = run(*[{"处罚类别": sep.join(kinds), "罚款金额(万元)": fine} for kinds, sep, fine in cases])
    assert result.rejections.height == 0
    for (kinds, _, fine), severity in zip(cases, result.accepted["severity"].to_list()):
        floors = [RANK[rule["kinds"][k]] for k in kinds]
        if fine is not None and float(fine) > 0:
            floors += [RANK[t["severity"]] for t in rule["fine_wan_thresholds"] if float(fine) >= t["at_least"]]
        assert RANK[severity] == max(floors)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.lists(st.sampled_from(KINDS), min_size=1, max_size=3, unique=True),
                          st.one_of(st.none(), st.decimals(-5, 500, places=2).map(str)),
                          st.text(max_size=8), st.booleans()),
                min_size=1, max_size=12), st.data())
def test_the_stored_columns_made_later_are_those_made_at_once(cases, data):
    """defer_stored leaves the columns only records store out of ``accepted`` (the rest, and the
    rejections, as without it); ``with_stored`` then makes them as validate would have at once,
    for every accepted row or for those a gate left, in their order."""
    rows = [{"处罚类别": "、".join(kinds), "罚款金额(万元)": fine, "备注": note,
             **({"处罚决定日期": "2026-02-30"} if bad_date else {})} for kinds, fine, note, bad_date in cases]
    whole = run(*rows)
    deferred = run(*rows, defer_stored=True)
    assert deferred.accepted.columns == [c for c in whole.accepted.columns if c not in STORED_ONLY]
    assert deferred.accepted.equals(whole.accepted.drop(STORED_ONLY))
    assert deferred.rejections.equals(whole.rejections)
    assert deferred.with_stored(deferred.accepted).equals(whole.accepted)
    kept = pl.Series(data.draw(st.lists(st.booleans(), min_size=whole.accepted.height,
                                        max_size=whole.accepted.height)), dtype=pl.Boolean)
    again = run(*rows, defer_stored=True)
    assert again.with_stored(again.accepted.filter(kept)).equals(whole.accepted.filter(kept))


# ---------------------------------------------------------------- licence and scale
def test_licence_rows_have_no_severity():
    licence = get_catalogue().get("licence")
    row = {k: v for k, v in penalty_row().items() if k.startswith(("行政相对人", "法定代表人"))}
    row.update({"行政许可决定文书名称": "食品经营许可决定书", "许可类别": "普通", "许可决定日期": "2026/01/10",
                "有效期至": "2031/01/09", "许可机关统一社会信用代码": make_uscc(99)})
    result = run(row, item=licence)
    got = only(result)
    assert (got["severity"], got["severity_basis"]) == (None, None)
    assert got["deciding_agency_uscc"] == make_uscc(99) and got["source_agency_uscc"] is None
    assert got["valid_to"] == dt.date(2031, 1, 9)
    deferred = run(row, item=licence, defer_stored=True)   # no severity rule: the columns made later are text too
    assert deferred.with_stored(deferred.accepted).equals(result.accepted)


def test_a_large_batch_validates_set_based():
    frame = big_penalty_frame(100_000)
    frame = frame.with_columns(pl.when(pl.int_range(pl.len()) == 500).then(pl.lit("2026-02-30"))
                               .otherwise(pl.col("处罚决定日期")).alias("处罚决定日期"))
    result = validate(frame, PENALTY, PROFILE, RECEIVED)
    assert result.accepted.height == 99_999
    assert result.rejections.select("row_no", "reason_code").rows() == [(502, "bad_date")]
    assert set(result.accepted["severity"]) == {"general", "serious"}


def test_the_json_escapes_looked_for_in_accepted_cells_are_all_a_cell_that_passes_can_hold():
    """_fields_json looks for five characters only: every other character JSON escapes is a
    control character, and every catalogue field's cell is checked for those (its row goes back)."""
    from xinyong.ingest.rules import _ESCAPED_IN_ACCEPTED, _JSON_ESCAPES, _screen_checks
    storable = {c for c in _JSON_ESCAPES if not has_control_characters(c)}
    assert storable == {"\\", '"', "\t", "\n", "\r"}
    assert pl.Series(list(_JSON_ESCAPES)).str.contains(_ESCAPED_IN_ACCEPTED).to_list() == [
        c in storable for c in _JSON_ESCAPES]
    screen = forbidden_data(PROFILE.rule("data.forbidden", RECEIVED))
    for item in get_catalogue().items:
        for f in item.fields:
            assert any(ch.code == "control_character" for ch in _screen_checks(f, False, screen)), (item.code, f.code)
    result = run({"备注": 'a"b\\c\td\ne\rf'})
    assert json.loads(result.accepted["fields_json"][0])["remarks"] == 'a"b\\c\td\ne\rf'


def test_the_checks_are_built_once_per_item_columns_rule_and_day_and_differ_by_day():
    """The checks' expressions are kept per (item, free-text columns, forbidden-data rule, day of
    receipt) and reused by every batch of that key; a batch received another day gets that day's
    (a decision after the day of receipt is refused on the day before it, accepted on the day)."""
    from xinyong.ingest import rules
    rules._CHECKS.clear()
    row = {"处罚决定日期": "2026-03-02"}
    before = run(row, received=dt.date(2026, 3, 1))
    kept = dict(rules._CHECKS)
    assert len(kept) == 1
    assert before.rejections["reason_code"].to_list() == ["future_date"]
    again = run(row, received=dt.date(2026, 3, 1))
    assert again.rejections["reason_code"].to_list() == ["future_date"]
    assert rules._CHECKS == kept and all(rules._CHECKS[k][3] is kept[k][3] for k in kept)   # reused, not rebuilt
    on_the_day = run(row, received=dt.date(2026, 3, 2))
    assert on_the_day.rejections.height == 0 and on_the_day.accepted.height == 1
    assert len(rules._CHECKS) == 2


def test_a_new_item_or_rule_object_never_takes_another_ones_kept_checks(monkeypatch):
    """Kept checks are found by the ids of their item and rule and checked to be those very
    objects; the cache is bounded."""
    from xinyong.ingest import rules
    monkeypatch.setattr(rules, "CHECKS_KEPT", 2)
    rules._CHECKS.clear()
    screen = forbidden_data(PROFILE.rule("data.forbidden", on=RECEIVED))
    first, _ = rules._checks(PENALTY, (), screen, RECEIVED)
    key = next(iter(rules._CHECKS))
    impostor = object()
    rules._CHECKS[key] = (impostor, screen, {"x": []}, [])   # as if an id had been reused
    rebuilt, _ = rules._checks(PENALTY, (), screen, RECEIVED)
    assert set(rebuilt) == set(first) and rules._CHECKS[key][0] is PENALTY
    for day in (dt.date(2026, 3, 2), dt.date(2026, 3, 3)):
        rules._checks(PENALTY, (), screen, day)
    assert len(rules._CHECKS) <= 2


@pytest.mark.parametrize("city", ["quanzhou", "fuzhou"])
def test_a_natural_persons_tax_amount_goes_back_to_its_source(city):
    """FZ art. 11 para. 2 (QZ: data.restricted): a person's tax amount is collected only with their
    written consent after notice, which no batch carries — the row returns for review, naming the
    article; without the amount, or for an organisation, or for a fee, it is taken."""
    from tests.catalogue.test_every_item import PERSON, valid_row
    item = get_catalogue().get("administrative_levy")
    header = {f.code: f.header_zh for f in item.fields}
    person = valid_row(item, 1, make_uscc(3), person=PERSON)
    person[header["levy_kind"]], person[header["content"]], person[header["amount_wan"]] = "税收", "个人所得税", "12.5"
    profile = get_profile(city)

    def checked(**change):
        return validate(penalty_frame([{**person, **{header[k]: v for k, v in change.items()}}]), item, profile,
                        dt.date(2026, 9, 1))

    returned = checked()
    assert returned.accepted.height == 0
    [rej] = returned.rejections.to_dicts()
    assert rej["reason_code"] == "restricted_data" and "纳税数额" in rej["reason"] and rej["value"] is None
    assert "12.5" not in str(rej)                                         # the returned row keeps no amount
    assert ("第十一条第二款" if city == "fuzhou" else "第九条第二款") in rej["reason"]
    assert checked(amount_wan="").accepted.height == 1                   # the same row without the amount
    assert checked(levy_kind="行政事业性收费").accepted.height == 1       # a fee is no tax amount
    firm = valid_row(item, 2, make_uscc(3))
    firm[header["levy_kind"]], firm[header["amount_wan"]] = "税收", "12.5"
    assert validate(penalty_frame([firm]), item, profile, dt.date(2026, 9, 1)).accepted.height == 1


def test_a_listing_is_sent_only_by_the_body_that_decided_it():
    """QZ art. 22-23: a listing follows its deciding body's own procedure; an agency sending a
    serious-dishonesty entry that names another 认定部门 has the row returned, naming why."""
    from tests.catalogue.test_every_item import valid_row
    item = get_catalogue().get("serious_dishonesty_list")
    sender, other = make_uscc(11), make_uscc(12)
    row = valid_row(item, 1, sender)
    decider = item.field_by_role("deciding_agency_uscc").header_zh

    def checked(code, by=sender):
        return validate(penalty_frame([{**row, decider: code}]), item, PROFILE, dt.date(2026, 9, 1), sender_uscc=by)

    assert checked(sender).accepted.height == 1
    assert checked(sender.lower()).accepted.height == 1
    returned = checked(other)
    assert returned.accepted.height == 0
    assert returned.rejections["reason_code"].to_list() == ["not_decided_by_sender"]
    # an item whose deciding body may differ from its sender (a penalty reported by a 数据来源单位)
    assert run({}).accepted.height == 1


def test_an_ignored_column_whose_header_holds_forbidden_data_is_not_kept_by_name():
    frame = penalty_frame([penalty_row(**{"法定代表人张三患有糖尿病且信奉伊斯兰教": "x", "内部流水号": "y"})])
    result = validate(frame, PENALTY, PROFILE, RECEIVED)
    assert result.accepted.height == 1
    assert "内部流水号" in result.ignored_columns
    assert not any("糖尿病" in h or "伊斯兰" in h for h in result.ignored_columns)
    assert any("已略去" in h for h in result.ignored_columns)


@pytest.mark.parametrize("text", ["当事人法定代表人张三系精神分裂症患者，仍从事经营。", "法定代表人2019年住院治疗肝癌。",
                                  "当事人员工王五为乙肝大三阳。", "Legal representative is HIV positive; blood type AB.",
                                  "法定代表人是天主教教友，每周参加弥撒。", "法定代表人指纹信息：L-arch-12-34。"])
def test_a_named_persons_condition_faith_or_fingerprint_in_a_fact_is_returned(text):
    """The audit's texts that were stored and published (FZ art. 11 para. 3; QZ data.forbidden)."""
    result = run({"违法事实": text})
    assert result.accepted.height == 0 and "forbidden_data" in result.rejections["reason_code"].to_list()


@pytest.mark.parametrize("text", ["未按规定为高血压患者建立健康档案", "医疗机构未按规定报告肺结核病例",
                                  "聘用患有乙肝的人员从事接触直接入口食品工作", "当事人安装指纹锁未备案"])
def test_an_offence_about_conditions_that_names_no_ones_own_is_taken(text):
    assert only(run({"违法事实": text}))


@pytest.mark.parametrize("city", ["quanzhou", "fuzhou"])
def test_a_named_persons_income_deposits_tax_or_property_in_a_fact_is_returned(city):
    """FZ art. 11 para. 2 (QZ data.restricted): the audit's fact was stored and published; an
    offence about wages or taxes owed names no one's own and is taken."""
    profile = get_profile(city)
    said = run({"违法事实": "法定代表人张三年收入120万元，银行存款300万元，名下房产3套。"}, profile=profile)
    assert said.accepted.height == 0
    [rej] = [r for r in said.rejections.to_dicts() if r["reason_code"] == "restricted_data"]
    assert rej["value"] is None and "收入" in rej["reason"] and "120" not in str(rej)
    for fact in ("当事人拖欠员工工资12万元", "当事人未按规定代扣代缴员工个人所得税2.3万元", "负责人未按时支付员工工资5万元"):
        assert only(run({"违法事实": fact}, profile=profile)), fact
