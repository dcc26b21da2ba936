"""Issue #13 point 3: a citation reads as a person writes it, in either language."""
from __future__ import annotations

import datetime as dt

from hypothesis import given, strategies as st

from xinyong.law.loader import load_profile as active_profile
from xinyong.law.citing import DIGITS, article_en, article_zh, chinese_number, in_words, words_in_text


def _value_of(text: str) -> int:
    """Reads back a Chinese number below 10000 (the inverse the formatter must agree with)."""
    units, total, digit = {"千": 1000, "百": 100, "十": 10}, 0, None
    for ch in text:
        if ch in units:
            total += (1 if digit is None else digit) * units[ch]
            digit = None
        elif ch != "零":
            digit = DIGITS.index(ch)
    return total + (digit or 0)


@given(st.integers(min_value=1, max_value=9999))
def test_chinese_numbers_read_back_to_their_value(n):
    text = chinese_number(n)
    assert _value_of(text) == n and not any(c.isdigit() for c in text)
    assert not text.startswith("一十")          # 十二, never 一十二
    assert "零零" not in text and not text.endswith("零")


@given(st.integers(1, 200), st.integers(1, 9), st.integers(1, 9))
def test_article_paragraph_item_in_chinese(art, para, item):
    assert article_zh(f"art. {art} para. {para} item {item}") == (
        f"第{chinese_number(art)}条第{chinese_number(para)}款第{chinese_number(item)}项")


def test_known_forms():
    assert article_zh("art. 10 para. 2") == "第十条第二款"
    assert article_zh("art. 20-23") == "第二十条至第二十三条"
    assert article_zh("art. 32, 34") == "第三十二条、第三十四条"
    assert article_zh("ch. 2") == "第二章"
    assert article_zh("art. 110") == "第一百一十条"
    assert article_zh("somewhere") is None


def test_stored_citations_are_put_into_words_in_either_language():
    rule = active_profile("quanzhou").rule("catalogue.scope", dt.date(2026, 6, 1))
    stored = f"退回复核（{rule.citation}）"
    assert words_in_text(stored, "zh") == "退回复核（《泉州市社会信用条例》第十条第一款）"
    assert words_in_text(str(rule.citation), "en") == "Quanzhou Municipal Social Credit Regulation, art. 10(1)"
    repair = active_profile("quanzhou").rule("publicity.penalty", dt.date(2026, 6, 1))
    assert in_words(repair.citation, "zh") == "《信用修复管理办法》（国家发展改革委令第36号）第二章"
    assert in_words(repair.citation, "en") == "Credit Repair Measures, NDRC Order No. 36, ch. 2"


def test_a_bare_article_number_reads_as_an_article_in_english():
    # the demo audit: "Model qz-2026.1 · Quanzhou Municipal Social Credit Regulation, 16"
    assert article_en("16") == "art. 16" and article_en("32, 34") == "art. 32, 34"
    assert article_en("art. 10 para. 2") == "art. 10(2)" and article_en("ch. 2") == "ch. 2"
    model = active_profile("quanzhou").rule("evaluation.model", dt.date(2026, 12, 1))
    assert in_words(model.citation, "en") == "Quanzhou Municipal Social Credit Regulation, art. 16"


def test_citations_listed_in_chinese_text_are_joined_the_chinese_way():
    two = "QZ art. 33 (泉州市社会信用条例 第三十三条); QZ art. 16 (泉州市社会信用条例 第十六条)"
    assert words_in_text(two, "zh") == "《泉州市社会信用条例》第三十三条；《泉州市社会信用条例》第十六条"
    assert words_in_text(two, "en").count("; ") == 1
    assert words_in_text("a; b (x)", "zh") == "a; b (x)"   # no citation, nothing to join


def test_every_rule_citation_has_words_without_machine_codes():
    for name in ("quanzhou", "fuzhou", "national"):
        profile = active_profile(name)
        for key in profile.keys():
            for rule in profile.versions(key):
                zh, en = in_words(rule.citation, "zh"), in_words(rule.citation, "en")
                assert zh.startswith("《") and rule.citation.regulation_id not in zh, (name, key, zh)
                assert not any("\u4e00" <= c <= "\u9fff" for c in en), (name, key, en)
                assert words_in_text(str(rule.citation), "zh") == zh, (name, key)
