"""The input-text screen (xinyong.kit.text) and its polars twin (xinyong.ingest.screening),
against both profiles' data.forbidden rules."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from xinyong.catalogue import get_catalogue
from xinyong.ingest.screening import normalised, with_forbidden_columns
from xinyong.kit.text import (ALREADY_NORMAL_PATTERN, LOWER_CASE_ONLY_PATTERN, Code, PrivateText, Text, forbidden_data, has_control_characters, normalise,
                              normalised_expr)
from xinyong.law import get_profile

SCREENS = {name: forbidden_data(get_profile(name).rule("data.forbidden", dt.date(2026, 6, 1)))
           for name in ("quanzhou", "fuzhou")}
QZ = SCREENS["quanzhou"]

# what a value says when it holds a person's data of each class
HOLDS = {
    "religion": ["信仰佛教", "宗教信仰：基督教", "本人系天主教徒", "皈依伊斯兰教"],
    "genes": ["基因检测结果显示携带BRCA1致病基因", "DNA分型为……", "其遗传信息如下", "患有遗传病"],
    "fingerprints": ["指纹特征值：A1B2", "指纹图像已留存"],
    "blood_type": ["血型为A型", "血型：AB", "O型血", "Rh阴性", "熊猫血"],
    "disease": ["患有糖尿病", "员工张某患有肺结核，仍从事接触直接入口食品工作", "有高血压病史", "确诊为肺结核", "诊断为抑郁症", "乙肝病毒携带者", "HIV阳性", "罹患癌症",
                "患糖尿病多年"],
}
# ordinary 双公示 and platform text that names the subject matter without being the data
ORDINARY = [
    "未经批准擅自设立宗教活动场所", "血站未按规定对献血者进行血型检测", "销售未按规定标注转基因标识的食用油",
    "销售不合格的指纹锁", "医疗机构伪造、篡改患者病历资料", "未按规定报告传染病疫情", "存在重大火灾隐患未及时消除",
    "血液制品经营许可证", "药品经营质量管理规范认证证书", "医疗器械经营许可证", "未经批准采集我国人类遗传资源",
    "违反《中华人民共和国药品管理法》第一百二十六条", "超范围开展诊疗活动", "未取得医师资格从事医疗活动",
    "尊重和保护宗教信仰自由的宣传活动", "健康证明过期仍从事食品经营", "疾病预防控制中心", "食品安全事故隐患排查治理",
    "本公司获评守合同重信用企业", "经营超过保质期的食品，货值金额较小",
    "安排患有有碍食品安全疾病的人员从事接触直接入口食品的工作", "对患有传染病的从业人员未调离",
    "泉州市伊斯兰教协会", "天主教泉州教区", "泉州市血液中心", "泉州市第一医院肿瘤科", "DNA鉴定机构超范围执业",
]


def _strings_in(module_path: Path) -> list[str]:
    """Every Chinese string literal of a source file (the demo's and the bench's sample texts)."""
    import ast
    tree = ast.parse(module_path.read_text(encoding="utf-8"))
    return [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
            and re.search(r"[\u4e00-\u9fff]", n.value)]


ROOT = Path(__file__).resolve().parents[2]
SAMPLE_TEXTS = sorted({*ORDINARY, *_strings_in(ROOT / "xinyong" / "demo" / "sectors.py"),
                       *_strings_in(ROOT / "xinyong" / "demo" / "records.py"), *_strings_in(ROOT / "xinyong" / "synthetic.py"),
                       *_strings_in(ROOT / "bench" / "gen_penalties.py")})


@pytest.mark.parametrize("profile", sorted(SCREENS))
@pytest.mark.parametrize("cls", sorted(HOLDS))
def test_each_class_is_found_in_what_holds_it(profile, cls):
    for text in HOLDS[cls]:
        assert cls in {c.code for c in SCREENS[profile].value_hits(text)}, text


@pytest.mark.parametrize("profile", sorted(SCREENS))
def test_ordinary_credit_texts_pass(profile):
    assert len(SAMPLE_TEXTS) > 100, "the demo's and bench's sample texts are read"
    hits = {t: [c.code for c in SCREENS[profile].value_hits(t)] for t in SAMPLE_TEXTS}
    assert {t: h for t, h in hits.items() if h} == {}


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(SAMPLE_TEXTS), min_size=1, max_size=4), st.sampled_from(["", "，", "；", "。", " "]))
def test_any_join_of_ordinary_texts_passes(parts, sep):
    assert QZ.value_hits(sep.join(parts)) == []


ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", " ", "\u3000", "\t"]


def _full_width(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([(c, t) for c, ts in HOLDS.items() for t in ts]), st.data())
def test_look_alikes_do_not_hide_a_class(case, data):
    cls, text = case
    chars = list(_full_width(text) if data.draw(st.booleans()) else text)
    for _ in range(data.draw(st.integers(0, 4))):
        chars.insert(data.draw(st.integers(0, len(chars))), data.draw(st.sampled_from(ZERO_WIDTH)))
    disguised = "".join(chars)
    assert cls in {c.code for c in QZ.value_hits(disguised)}, repr(disguised)


@pytest.mark.parametrize("header,cls", [
    ("宗教信仰", "religion"), ("血 型", "blood_type"), ("血\u200b型", "blood_type"), ("ＤＮＡ序列", "genes"),
    ("遗传信息", "genes"), ("基因", "genes"), ("健康状况", "disease"), ("既往病史", "disease"), ("指纹", "fingerprints"),
    ("诊断结果", "disease"), ("⾎型", "blood_type"),   # ⾎ is the Kangxi radical, NFKC folds it to 血
])
def test_header_synonyms_and_look_alikes(header, cls):
    for screen in SCREENS.values():
        hit = screen.header_hit(header)
        assert hit is not None and hit.code == cls, header


def test_no_catalogue_header_is_a_forbidden_class():
    headers = [h for item in get_catalogue().items for f in item.fields for h in (f.header_zh, *f.aliases)]
    assert len(headers) > 100
    for screen in SCREENS.values():
        assert [h for h in headers if screen.header_hit(h)] == []


def _stdlib_normalise(text: str) -> str:
    """The reference: NFKC, lower case, whitespace, format and combining characters dropped,
    by Python's own unicodedata (the Unicode edition Python ships)."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in folded if not ch.isspace() and unicodedata.category(ch) not in ("Cf", "Mn"))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=30))
def test_the_bulk_path_screens_exactly_what_the_request_path_does(text):
    got = pl.select(normalised(pl.lit(text), QZ)).item()
    assert got == QZ.exemption_regex.sub("", normalise(text))


# assigned in Python's edition, with a property changed in the one polars follows: U+1171E AHOM
# CONSONANT SIGN MEDIAL RA, a combining mark (Mn, dropped) in Unicode 14, a spacing mark (Mc) in 16
CHANGED_SINCE_PYTHONS_UNICODE = {"\U0001171e"}


def test_the_normalisation_is_the_unicode_standards_for_every_character_python_knows():
    """Every code point assigned in Python's Unicode edition but controls and surrogates, one
    by one: the one implementation gives what the standard library gives, save the characters
    whose properties a later edition changed (named above, so a new difference fails here)."""
    chars = [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) not in ("Cs", "Cc", "Cn")]
    got = pl.select(normalised_expr(pl.Series(chars, dtype=pl.String))).to_series().to_list()
    differ = {c for c, g in zip(chars, got) if g != _stdlib_normalise(c)}
    assert len(chars) > 140_000 and differ == CHANGED_SINCE_PYTHONS_UNICODE


def test_a_character_newer_than_pythons_unicode_reads_the_same_on_both_paths():
    """U+1E030 (Unicode 15): a batch cell read it as Cyrillic а, a form left it unchanged
    (found by hypothesis in CI)."""
    text = "\U0001e030血 型"
    assert pl.select(normalised(pl.lit(text), QZ)).item() == QZ.exemption_regex.sub("", normalise(text))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(SAMPLE_TEXTS + [t for ts in HOLDS.values() for t in ts]),
                          st.text(max_size=8)), min_size=1, max_size=6))
def test_the_bulk_screen_names_the_same_classes_as_the_python_one(texts):
    frame = pl.DataFrame({"row_no": range(2, len(texts) + 2), "a": texts, "b": list(reversed(texts))})
    out = with_forbidden_columns(frame, ["a", "b"], QZ)
    # the columns' distinct values are screened together: each cell still gets its own value's classes
    for column in ("a", "b"):
        for text, zh, en in zip(frame[column].to_list(), out[f"__forbidden_{column}"].to_list(),
                                out[f"__forbidden_en_{column}"].to_list()):
            hits = QZ.value_hits(text)
            assert (zh, en) == (("、".join(c.zh for c in hits) or None), (", ".join(c.en for c in hits) or None)), text


def test_the_bulk_screen_of_columns_without_values():
    frame = pl.DataFrame({"row_no": [2, 3], "a": [None, None], "b": ["信仰佛教", None]}, schema_overrides={"a": pl.String})
    out = with_forbidden_columns(frame, ["a", "b"], QZ)
    assert out["__forbidden_a"].to_list() == [None, None]
    assert out["__forbidden_b"].to_list() == ["宗教信仰", None]
    assert with_forbidden_columns(frame.select("row_no", "a"), ["a"], QZ)["__forbidden_a"].to_list() == [None, None]


def test_control_characters():
    assert has_control_characters("a\x00b") and has_control_characters("\x7f") and has_control_characters("\x85")
    assert has_control_characters("a\ud800")
    assert not has_control_characters("多行\r\n文本\t可以")


class Form(BaseModel):
    shown: Text = ""
    kept: PrivateText = ""
    code: Code = ""


def test_the_types():
    with pytest.raises(ValidationError) as exc:
        Form(shown="患有糖尿病")
    assert exc.value.errors()[0]["type"] == "forbidden_data"
    assert "糖尿病" not in str(exc.value.errors()[0]["ctx"])
    assert Form(kept="患有糖尿病").kept == "患有糖尿病"     # a confidential path takes it
    for field in ("shown", "kept", "code"):
        with pytest.raises(ValidationError):
            Form(**{field: "x\x00"})
    with pytest.raises(ValidationError):
        Form(code="two\nlines")
    with pytest.raises(ValidationError):
        Form(code="血型：AB")
    assert Form(shown="两行\n文本").shown == "两行\n文本"


@pytest.mark.parametrize("profile", sorted(SCREENS))
def test_patterns_read_the_same_in_python_and_polars(profile):
    """The profile's patterns are the common subset of Python re and Rust regex."""
    screen = SCREENS[profile]
    probes = [t for ts in HOLDS.values() for t in ts] + ORDINARY
    norm = [screen.exemption_regex.sub("", normalise(t)) for t in probes]
    for cls in screen.classes:
        polars_hits = pl.Series(norm).str.contains(cls.value_regex.pattern).to_list()
        assert polars_hits == [bool(cls.value_regex.search(n)) for n in norm], cls.code


def test_unicode_categories_dropped_are_what_the_docstring_says():
    assert unicodedata.category("\u200b") == "Cf" and normalise("血\u200b型") == "血型"


ALREADY_NORMAL = [chr(c) for c in range(0x110000)
                  if 0xD800 > c or c > 0xDFFF if re.fullmatch(r"[!-@\[-~\u3001-\u3003\u3008-\u3011\u3014-\u301b"
                                                               r"\u4e00-\u9fa5]", chr(c))]


def test_text_of_the_already_normal_characters_is_left_as_it_is():
    """The screen takes values matching ALREADY_NORMAL_PATTERN as their own normal form: each
    such character is unchanged on both paths and matches the pattern in polars; none is the
    second part of a canonical decomposition nor a combining character, so no two compose."""
    assert len(ALREADY_NORMAL) == 94 - 26 + 3 + 10 + 8 + 0x9FA6 - 0x4E00
    series = pl.Series(ALREADY_NORMAL, dtype=pl.String)
    assert pl.select(normalised_expr(series)).to_series().to_list() == ALREADY_NORMAL
    assert [_stdlib_normalise(c) for c in ALREADY_NORMAL] == ALREADY_NORMAL
    assert series.str.contains(ALREADY_NORMAL_PATTERN).all()
    assert not pl.Series(["A", " ", "，", "（", "\u3000", "\uf900", "a\u0301", "ｂ", "·"]).str.contains(
        ALREADY_NORMAL_PATTERN).any()
    composed_from = {chr(int(p, 16)) for c in range(0x110000) if (d := unicodedata.decomposition(chr(c)))
                     and not d.startswith("<") for p in d.split()[1:]}
    assert not composed_from & set(ALREADY_NORMAL)
    assert not any(unicodedata.combining(c) for c in ALREADY_NORMAL)
    text = "".join(ALREADY_NORMAL)
    assert pl.select(normalised_expr(pl.lit(text))).item() == text


def test_text_of_the_lower_case_only_characters_is_only_lower_cased():
    """The screen takes values matching LOWER_CASE_ONLY_PATTERN (the already normal characters
    and A-Z) as their own text lower-cased: A-Z are unchanged by NFKC, lower-cased alike on both
    paths, and neither they nor their lower case compose with anything."""
    upper = [chr(c) for c in range(ord("A"), ord("Z") + 1)]
    chars = ALREADY_NORMAL + upper
    series = pl.Series(chars, dtype=pl.String)
    assert series.str.contains(LOWER_CASE_ONLY_PATTERN).all()
    assert not pl.Series(upper).str.contains(ALREADY_NORMAL_PATTERN).any()
    assert pl.select(normalised_expr(series)).to_series().to_list() == [c.lower() for c in chars]
    assert [_stdlib_normalise(c) for c in chars] == [c.lower() for c in chars]
    assert not pl.Series([" ", "，", "（", "\u3000", "\uf900", "a\u0301", "Ｂ", "·", "É"]).str.contains(
        LOWER_CASE_ONLY_PATTERN).any()
    composed_from = {chr(int(p, 16)) for c in range(0x110000) if (d := unicodedata.decomposition(chr(c)))
                     and not d.startswith("<") for p in d.split()[1:]}
    assert not composed_from & set(upper + [c.lower() for c in upper])
    text = "".join(chars)
    assert pl.select(normalised_expr(pl.lit(text))).item() == text.lower()


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(
    st.text(alphabet=st.sampled_from(ALREADY_NORMAL[:200] + list("血型为是基督徒教患有糖尿病的人员隐患dnarh阴性abDNARHAB")),
            max_size=12),
    st.sampled_from([t for ts in HOLDS.values() for t in ts] + ORDINARY),
    st.text(max_size=6)), min_size=1, max_size=8))
def test_values_screened_without_normalising_name_the_same_classes(texts):
    """Values in normal form skip the normalisation (most of a batch), those with only A-Z
    besides are lower-cased only: the classes named are still those of the request path,
    whatever mix of such values and others a column holds."""
    joined = ["".join(texts[i:]) for i in range(len(texts))]
    frame = pl.DataFrame({"row_no": range(len(joined)), "a": joined})
    out = with_forbidden_columns(frame, ["a"], QZ)
    for text, zh, en in zip(joined, out["__forbidden_a"].to_list(), out["__forbidden_en_a"].to_list()):
        hits = QZ.value_hits(text)
        assert (zh, en) == (("、".join(c.zh for c in hits) or None), (", ".join(c.en for c in hits) or None)), text
