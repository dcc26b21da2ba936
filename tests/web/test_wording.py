"""Issue #13 point 3: one place maps codes to words in both languages (xinyong/web/wording.py)."""
from __future__ import annotations

import re

from hypothesis import given, strategies as st

from xinyong.catalogue import get_catalogue
from xinyong.kit.text import describe_errors
from xinyong.web.i18n import messages
from xinyong.web.wording import GROUPS, account_name, basis_reference, field_label, item_name, known_codes, legal_basis_name, word

HAN = re.compile(r"[\u4e00-\u9fff]")


def test_every_code_has_words_in_both_languages_and_never_itself_in_chinese():
    prefixes = {p + "." for p in GROUPS.values()}
    entries = {k: v for k, v in messages().items() if any(k.startswith(p) for p in prefixes)}
    assert entries
    for key, entry in entries.items():
        code = key.rsplit(".", 1)[1]
        assert HAN.search(entry["zh"]) and entry["zh"] != code, key
        assert entry["en"] and not HAN.search(entry["en"]), key


@given(st.sampled_from(sorted(GROUPS)), st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=20))
def test_an_unknown_code_is_never_shown_as_itself(group, code):
    for lang in ("zh", "en"):
        shown = word(group, code, lang)
        assert shown != code or f"{GROUPS[group]}.{code}" in messages()


def test_the_report_querier_words():
    assert word("actor", "self", "zh") == "本人" and word("role", "subject", "en") == "The subject"
    assert "subject" in known_codes() and "self" in known_codes()


def test_every_catalogue_field_has_an_english_label():
    missing = [(i.code, f.header_zh) for i in get_catalogue().items for f in i.fields if not f.header_en]
    assert not missing, f"add these headers to catalogue/items/_field_names.yaml: {missing}"
    assert field_label("罚款金额(万元)", "en") == "Fine (CNY 10,000)" and field_label("罚款金额(万元)", "zh") == "罚款金额(万元)"


def test_validation_errors_name_the_field_by_its_label():
    body = describe_errors([{"loc": ("body", "date_from"), "type": "missing", "msg": "Field required"},
                            {"loc": ("body", "purpose"), "type": "missing", "msg": "Field required"}])
    assert body["message"] == "输入有误：起始日期、查询用途"
    assert body["message_en"] == "invalid input: From, Purpose"
    unknown = describe_errors([{"loc": ("body", "some_code"), "type": "missing", "msg": "Field required"}])
    assert "some_code" not in unknown["message"] + unknown["message_en"]


def test_a_catalogue_item_is_named_never_shown_as_its_code():
    for item in get_catalogue().items:
        assert item_name(item.code, "zh") == item.name_zh and item_name(item.code, "en") == (item.name_en or item.name_zh)
    assert item_name("no_such_item") == "—" and item_name(None, "en") == "—"


def test_a_legal_basis_in_the_access_log_is_shown_by_its_name():
    # the demo audit: "法定依据 civil_court_inquiry: （2026）闽0503民初1号" on /me/access-log and /audit/access-log
    zh, en = legal_basis_name("civil_court_inquiry", "zh"), legal_basis_name("civil_court_inquiry", "en")
    assert zh == "人民法院调查取证（民事诉讼）" and en == "Court inquiry in civil proceedings"
    stored = "civil_court_inquiry: （2026）闽0503民初1号"
    assert basis_reference("legal_basis", stored, "zh") == f"{zh}：（2026）闽0503民初1号"
    assert basis_reference("legal_basis", stored, "en") == f"{en}: （2026）闽0503民初1号"
    assert basis_reference("legal_basis", "civil_court_inquiry", "zh") == zh
    assert basis_reference("authorisation", "12", "zh") == "12"   # an authorisation's number stays
    assert basis_reference("legal_basis", "gone: X", "zh") == "gone: X" and basis_reference("legal_basis", None) == ""


def test_an_account_name_kept_in_both_languages_is_shown_in_the_readers():
    # the demo audit: "平台管理员 / administrator" in the header of pages of either language
    assert account_name("平台管理员 / administrator", "zh") == "平台管理员"
    assert account_name("平台管理员 / administrator", "en") == "administrator"
    assert account_name("张三", "en") == "张三" and account_name("A / B", "zh") == "A / B"
    assert account_name("泉州 / 福州", "en") == "泉州 / 福州" and account_name(None) == ""
