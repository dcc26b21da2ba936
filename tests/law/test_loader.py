"""The law profiles: loading, inheritance, validation and the rule in force on a date."""
from __future__ import annotations

import datetime as dt
import json
import textwrap
from pathlib import Path

import pytest

from xinyong.config import reset_settings
from xinyong.law import (
    Citation,
    ProfileError,
    Rule,
    RuleNotInForce,
    active_profile,
    get_profile,
    load_profile,
    reset_profiles,
)

D = dt.date
REQUIRED_KEYS = {
    "publicity.penalty", "publicity.licence", "severity.penalty", "data.forbidden",
    "data.restricted", "catalogue.scope", "aggregation.authorised_sources",
    "masking.natural_person", "query.self_free", "peers.exchange",
}


@pytest.fixture(autouse=True)
def _fresh_cache():
    reset_profiles()
    yield
    reset_profiles()
    reset_settings()  # runs after monkeypatch has restored the environment


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / f"{name}.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


BASE = """\
    profile: base
    title_zh: 测试
    title_en: Test base
    regulations:
      - {id: T1, title_zh: 测试规定, title_en: Test rule, effective_from: 2020-01-01, effective_to: null}
    rules:
      - key: thing
        effective_from: 2020-01-01
        effective_to: 2022-12-31
        citation: {regulation: T1, article: art. 1, article_zh: 第一条}
        value: {n: 1}
      - key: thing
        effective_from: 2023-01-01
        effective_to: null
        citation: {regulation: T1, article: art. 2, article_zh: 第二条}
        value: {n: 2}
      - key: other
        effective_from: null
        effective_to: null
        citation: {regulation: T1, note: no article; platform policy}
        value: {x: true}
"""


# --- the shipped profiles -----------------------------------------------------------------

@pytest.mark.parametrize("name", ["quanzhou", "fuzhou"])
def test_city_profiles_provide_every_required_key(name):
    profile = get_profile(name)
    assert REQUIRED_KEYS <= set(profile.keys())
    assert profile.inherits == "national"
    for key in REQUIRED_KEYS:
        assert profile.rule(key, on=D(2026, 11, 1)).key == key


@pytest.mark.parametrize("name", ["national", "quanzhou", "fuzhou"])
def test_every_shipped_rule_is_cited_and_versions_do_not_overlap(name):
    profile = get_profile(name)
    for key in profile.keys():
        versions = profile.versions(key)
        for rule in versions:
            assert rule.citation.regulation_id in profile.regulations
            assert rule.citation.article or rule.citation.note
            assert isinstance(rule.value, dict)
        for earlier, later in zip(versions, versions[1:]):
            assert earlier.effective_to is not None and later.effective_from is not None
            assert earlier.effective_to < later.effective_from


@pytest.mark.parametrize("name", ["national", "quanzhou", "fuzhou"])
def test_penalty_periods_cover_every_date_without_gaps(name):
    versions = get_profile(name).versions("publicity.penalty")
    assert versions[0].effective_from is None and versions[-1].effective_to is None
    for earlier, later in zip(versions, versions[1:]):
        assert earlier.effective_to + dt.timedelta(days=1) == later.effective_from


@pytest.mark.parametrize("name", ["quanzhou", "fuzhou"])
def test_order_58_then_order_36_on_each_side_of_2026_04_01(name):
    profile = get_profile(name)
    before = profile.rule("publicity.penalty", on=D(2026, 3, 31))
    after = profile.rule("publicity.penalty", on=D(2026, 4, 1))
    assert before.citation.regulation_id == "NDRC-58"
    assert after.citation.regulation_id == "NDRC-36"
    assert before.value["by_severity"]["general"] == {"published": True, "min_months": 3, "max_months": 36}
    assert after.value["by_severity"]["general"] == {"published": True, "min_months": 3, "max_months": 12}
    assert after.value["by_severity"]["minor"] == {"published": True, "min_months": 0, "max_months": 3}
    assert after.value["by_severity"]["serious"] == {"published": True, "min_months": 12, "max_months": 36}
    assert before.value["sector_min_months"]["food"] == 12
    assert after.value["sector_min_months"] == {}


def test_legacy_version_before_2023_05_01_says_it_is_an_administrator_choice():
    profile = get_profile("quanzhou")
    legacy = profile.rule("publicity.penalty", on=D(2023, 4, 30))
    order58 = profile.rule("publicity.penalty", on=D(2023, 5, 1))
    assert legacy is not order58
    assert legacy.effective_to == D(2023, 4, 30) and order58.effective_from == D(2023, 5, 1)
    assert "administrator choice" in legacy.citation.note
    assert legacy.value == order58.value
    assert profile.rule("publicity.penalty", on=D(2001, 1, 1)) is legacy


def test_citation_strings():
    qz = get_profile("quanzhou")
    assert str(qz.rule("severity.penalty", on=D(2026, 5, 1)).citation) == \
        "QZ art. 22 (泉州市社会信用条例 第二十二条)"
    assert str(qz.rule("publicity.penalty", on=D(2026, 5, 1)).citation) == \
        "NDRC-36 ch. 2 (信用修复管理办法 第二章)"
    fz = get_profile("fuzhou")
    assert str(fz.rule("data.forbidden", on=D(2020, 1, 1)).citation) == \
        "FZ art. 11 para. 3 (福州市社会信用管理办法 第十一条第三款)"
    assert str(Citation("X", "", "art. 1", "", "")) == "X art. 1"


def test_citation_is_frozen():
    citation = get_profile("quanzhou").rule("query.self_free", on=D(2026, 5, 1)).citation
    with pytest.raises(AttributeError):
        citation.article = "art. 99"  # type: ignore[misc]


def test_fuzhou_and_quanzhou_differ_where_their_regulations_differ():
    qz, fz = get_profile("quanzhou"), get_profile("fuzhou")
    on = D(2026, 6, 1)
    assert qz.lists_mode == "severity_classes" and fz.lists_mode == "red_black"
    assert qz.lists_mode_citation.regulation_id == "QZ"
    assert fz.lists_mode_citation.regulation_id == "FZ"
    assert "QZ" in qz.regulations and "FZ" not in qz.regulations
    assert "FZ" in fz.regulations and "QZ" not in fz.regulations
    # FZ has no severity classes: Fuzhou falls back on the national overlay
    assert qz.rule("severity.penalty", on=on).citation.regulation_id == "QZ"
    assert fz.rule("severity.penalty", on=on).citation.regulation_id == "NDRC-36"
    assert fz.rule("severity.penalty", on=on).value == qz.rule("severity.penalty", on=on).value
    for key, qz_article, fz_article in [
        ("data.forbidden", "art. 9", "art. 11 para. 3"),
        ("data.restricted", "art. 9 para. 2", "art. 11 para. 2"),
        ("query.self_free", "art. 10 para. 2", "art. 13 para. 1"),
        ("catalogue.scope", "art. 10 para. 1", "art. 9"),
    ]:
        assert qz.rule(key, on=on).citation.article == qz_article
        assert fz.rule(key, on=on).citation.article == fz_article
    # Fuzhou's measures were in force in 2019; Quanzhou's regulation only from 2026
    assert fz.rule("data.forbidden", on=D(2019, 8, 1)).citation.regulation_id == "FZ"
    with pytest.raises(RuleNotInForce):
        fz.rule("data.forbidden", on=D(2019, 7, 31))
    with pytest.raises(RuleNotInForce):
        qz.rule("catalogue.scope", on=D(2025, 12, 31))
    assert qz.rule("catalogue.scope", on=D(2026, 1, 1)).value == {"return_for_review": True}


def test_quanzhou_severity_rule_changes_citation_on_2026_01_01():
    qz = get_profile("quanzhou")
    assert qz.rule("severity.penalty", on=D(2025, 12, 31)).citation.regulation_id == "NDRC-36"
    assert qz.rule("severity.penalty", on=D(2026, 1, 1)).citation.regulation_id == "QZ"


def test_value_contracts():
    qz = get_profile("quanzhou")
    on = D(2026, 6, 1)
    severity = qz.rule("severity.penalty", on=on).value
    assert severity["kinds"]["吊销许可证件"] == "serious" and severity["kinds"]["警告"] == "minor"
    assert len(severity["kinds"]) == 14 and severity["combine"] == "most_severe"
    assert [t["at_least"] for t in severity["fine_wan_thresholds"]] == [0, 1, 100]
    forbidden = qz.rule("data.forbidden", on=on).value["classes"]
    assert set(forbidden) == {"religion", "genes", "fingerprints", "blood_type", "disease"}
    assert "病史" in forbidden["disease"]["header_keywords"]
    restricted = qz.rule("data.restricted", on=on).value
    assert set(restricted["classes"]) == {"income", "deposits", "securities", "insurance",
                                          "real_estate", "tax_amount"}
    assert restricted["consent"].startswith("written")
    assert qz.rule("masking.natural_person", on=on).value == {
        "name": {"keep_first": 1, "mask_char": "*"},
        "resident_id": {"keep_first": 6, "keep_last": 4},
        "other_id": {"keep_first": 2, "keep_last": 2},
    }
    licence = qz.rule("publicity.licence", on=on).value
    assert licence == {"until": "valid_to", "long_term_date": "2099-12-31", "default_months": None}
    assert qz.rule("aggregation.authorised_sources", on=on).value == {"registered_only": True}
    assert qz.rule("query.self_free", on=on).value == {"free": True}
    assert qz.rule("peers.exchange", on=on).value == {"lists": ["black", "serious_dishonesty"],
                                                      "natural_persons": "pseudonymised"}


@pytest.mark.parametrize("name", ["national", "quanzhou", "fuzhou"])
def test_rule_values_are_json_compatible(name):
    profile = get_profile(name)
    for key in profile.keys():
        for rule in profile.versions(key):
            json.dumps(rule.value, ensure_ascii=False)


def test_rules_in_force_gives_one_rule_per_key():
    qz = get_profile("quanzhou")
    rules = qz.rules_in_force(on=D(2026, 6, 1))
    keys = [r.key for r in rules]
    assert keys == sorted(set(keys)) == qz.keys()
    assert all(isinstance(r, Rule) for r in rules)
    # before Quanzhou's regulation, only the keys with earlier versions are in force
    early = {r.key for r in qz.rules_in_force(on=D(2024, 1, 1))}
    assert "publicity.penalty" in early and "catalogue.scope" not in early


# --- cache and active profile -------------------------------------------------------------

def test_profiles_are_cached_until_reset():
    first = get_profile("quanzhou")
    assert get_profile("quanzhou") is first
    reset_profiles()
    assert get_profile("quanzhou") is not first


def test_active_profile_follows_settings(monkeypatch):
    monkeypatch.setenv("XINYONG_PROFILE", "fuzhou")
    reset_settings()
    try:
        assert active_profile().name == "fuzhou"
        monkeypatch.setenv("XINYONG_PROFILE", "atlantis")
        reset_settings()
        with pytest.raises(ProfileError, match="atlantis.*available: .*quanzhou"):
            active_profile()
    finally:
        monkeypatch.delenv("XINYONG_PROFILE")
        reset_settings()
    assert active_profile().name == "quanzhou"


# --- temporary profile directories ---------------------------------------------------------

def test_rule_not_in_force_before_the_first_version(tmp_path):
    write(tmp_path, "base", BASE)
    profile = get_profile("base", directory=tmp_path)
    assert profile.rule("thing", on=D(2022, 12, 31)).value == {"n": 1}
    assert profile.rule("thing", on=D(2023, 1, 1)).value == {"n": 2}
    with pytest.raises(RuleNotInForce) as caught:
        profile.rule("thing", on=D(2019, 12, 31))
    assert isinstance(caught.value, LookupError)
    assert caught.value.key == "thing" and caught.value.on == D(2019, 12, 31)
    assert "'thing'" in str(caught.value) and "2019-12-31" in str(caught.value)
    with pytest.raises(RuleNotInForce, match="no rule with this key"):
        profile.rule("missing", on=D(2024, 1, 1))
    assert profile.rule("other", on=D(1900, 1, 1)).citation.note == "no article; platform policy"


def test_child_versions_replace_inherited_versions_entirely(tmp_path):
    write(tmp_path, "base", BASE)
    write(tmp_path, "child", """\
        profile: child
        title_zh: 子
        title_en: Child
        inherits: base
        regulations:
          - {id: C1, title_zh: 子规定, title_en: Child rule, effective_from: 2024-01-01, effective_to: null}
        rules:
          - key: thing
            effective_from: 2024-01-01
            effective_to: null
            citation: {regulation: C1, article: art. 3, article_zh: 第三条}
            value: {n: 3}
    """)
    child = get_profile("child", directory=tmp_path)
    assert [r.value["n"] for r in child.versions("thing")] == [3]
    with pytest.raises(RuleNotInForce):
        child.rule("thing", on=D(2023, 6, 1))  # the parent's 2023 version is gone
    assert child.rule("other", on=D(2024, 6, 1)).source == "base"
    assert set(child.regulations) == {"T1", "C1"}
    assert str(child.rule("thing", on=D(2024, 6, 1)).citation) == "C1 art. 3 (子规定 第三条)"


@pytest.mark.parametrize("rules, message", [
    ("""\
      - key: thing
        effective_from: 2020-01-01
        effective_to: 2023-01-01
        citation: {regulation: T1, article: art. 1}
        value: {n: 1}
      - key: thing
        effective_from: 2023-01-01
        effective_to: null
        citation: {regulation: T1, article: art. 2}
        value: {n: 2}
    """, "'thing' has overlapping versions"),
    ("""\
      - key: thing
        effective_from: null
        effective_to: null
        citation: {regulation: T1, article: art. 1}
        value: {n: 1}
      - key: thing
        effective_from: 2023-01-01
        effective_to: null
        citation: {regulation: T1, article: art. 2}
        value: {n: 2}
    """, "'thing' has overlapping versions"),
    ("""\
      - key: thing
        effective_from: 2023-01-01
        effective_to: 2022-12-31
        citation: {regulation: T1, article: art. 1}
        value: {n: 1}
    """, r"rules\[0\] \(thing\): effective_to 2022-12-31 is before effective_from"),
    ("""\
      - key: thing
        effective_from: 2023-01-01
        effective_to: null
        citation: {regulation: NOPE, article: art. 1}
        value: {n: 1}
    """, r"rules\[0\] \(thing\): citation names unknown regulation 'NOPE'"),
    ("""\
      - key: thing
        effective_from: 2023-01-01
        effective_to: null
        value: {n: 1}
    """, r"rules\[0\] \(thing\): missing citation"),
    ("""\
      - key: thing
        effective_from: 2023-01-01
        effective_to: null
        citation: {regulation: T1}
        value: {n: 1}
    """, "citation needs an article"),
    ("""\
      - key: publicity.penalty
        effective_from: 2023-01-01
        effective_to: null
        citation: {regulation: T1, article: art. 1}
        value:
          by_severity:
            minor: {published: true, min_months: 4, max_months: 3}
            general: {published: true, min_months: 3, max_months: 12}
            serious: {published: true, min_months: 12, max_months: 36}
          sector_min_months: {}
    """, "by_severity.minor"),
    ("""\
      - key: thing
        effective_from: 2023-01-01
        effective_to: null
        citation: {regulation: T1, article: art. 1}
        value: {since: 2023-01-01}
    """, r"value.since: .* is not JSON-compatible"),
    ("""\
      - key: data.forbidden
        effective_from: 2023-01-01
        effective_to: null
        citation: {regulation: T1, article: art. 1}
        value:
          classes:
            blood_type: {zh: 血型, en: blood type, header_keywords: [血型], value_patterns: ['血型(为']}
    """, r"class blood_type: pattern .* does not compile"),
    ("""\
      - key: data.forbidden
        effective_from: 2023-01-01
        effective_to: null
        citation: {regulation: T1, article: art. 1}
        value:
          classes:
            blood_type: {zh: 血型, header_keywords: [血型]}
    """, "class blood_type needs zh and en names"),
])
def test_malformed_profiles_are_rejected_naming_file_and_rule(tmp_path, rules, message):
    head = BASE.split("    rules:")[0]
    path = write(tmp_path, "bad", head.replace("profile: base", "profile: bad")
                 + "    rules:\n" + textwrap.indent(textwrap.dedent(rules), "    "))
    with pytest.raises(ProfileError, match=message) as caught:
        load_profile("bad", directory=tmp_path)
    assert str(path) in str(caught.value)


def test_inheritance_cycle_and_unknown_parent_are_rejected(tmp_path):
    write(tmp_path, "a", "profile: a\ntitle_zh: 甲\ntitle_en: A\ninherits: b\n")
    write(tmp_path, "b", "profile: b\ntitle_zh: 乙\ntitle_en: B\ninherits: a\n")
    write(tmp_path, "c", "profile: c\ntitle_zh: 丙\ntitle_en: C\ninherits: nowhere\n")
    with pytest.raises(ProfileError, match="inheritance cycle"):
        load_profile("a", directory=tmp_path)
    with pytest.raises(ProfileError, match="unknown profile 'nowhere'"):
        load_profile("c", directory=tmp_path)


def test_unknown_profile_names_the_available_ones(tmp_path):
    write(tmp_path, "base", BASE)
    with pytest.raises(ProfileError, match=r"unknown profile 'x'.*available: base"):
        get_profile("x", directory=tmp_path)


# --- sources: a reading not in our sources never refuses a right (issue #11 point 5) ----------

SOURCED = BASE.replace("effective_to: null}\n    rules:", "effective_to: null, text: t1.txt}\n"
                       "      - {id: N1, title_zh: 国家文件, title_en: National paper, effective_from: null, effective_to: null}\n"
                       "    rules:")


def _with_rule(tmp_path, rule: str):
    write(tmp_path, "src", SOURCED.replace("profile: base", "profile: src") + textwrap.indent(textwrap.dedent(rule), "      "))
    return load_profile("src", directory=tmp_path)


def test_an_unsourced_rule_that_refuses_a_right_is_refused(tmp_path):
    with pytest.raises(ProfileError, match="unsourced reading may not refuse a right"):
        _with_rule(tmp_path, """\
          - key: repair.fraud_bar
            effective_from: null
            effective_to: null
            refuses: repair
            citation: {regulation: N1, source: not in our sources, note: read from a summary}
            value: {months: 36, kinds: [fraud]}
        """)
    # a city article that defers to a text we do not have is unsourced too
    with pytest.raises(ProfileError, match="unsourced reading may not refuse a right"):
        _with_rule(tmp_path, """\
          - key: repair.non_repairable
            effective_from: null
            effective_to: null
            refuses: repair
            citation: {regulation: T1, article: art. 5, source: not in our sources}
            value: {serious_list_categories: [health_safety], items: []}
        """)
    profile = _with_rule(tmp_path, """\
      - key: repair.non_repairable
        effective_from: null
        effective_to: null
        refuses: repair
        citation: {regulation: T1, article: art. 5}
        value: {serious_list_categories: [health_safety], items: []}
    """)
    rule = profile.rule("repair.non_repairable", D(2026, 1, 1))
    assert rule.refuses == "repair" and rule.citation.sourced


def test_a_right_refusing_key_must_declare_what_it_refuses(tmp_path):
    with pytest.raises(ProfileError, match="declare it with `refuses: <right>`"):
        _with_rule(tmp_path, """\
          - key: repair.non_repairable
            effective_from: null
            effective_to: null
            citation: {regulation: T1, article: art. 5}
            value: {serious_list_categories: [], items: []}
        """)
    with pytest.raises(ProfileError, match="citation.source may only say"):
        _with_rule(tmp_path, """\
          - key: thing2
            effective_from: null
            effective_to: null
            citation: {regulation: T1, article: art. 5, source: maybe}
            value: {n: 1}
        """)


@pytest.mark.parametrize("name", ["national", "quanzhou", "fuzhou"])
def test_shipped_rules_say_when_their_text_is_not_in_our_sources(name):
    """Every shipped rule citing a regulation whose text is not in shared/law says so in the rule
    itself (`source: not in our sources`); only QZ and FZ are in our sources."""
    import yaml

    from xinyong.law.loader import PROFILES_DIR
    profile = get_profile(name)
    assert {r for r, reg in profile.regulations.items() if reg.in_our_sources} == {"QZ", "FZ"} & set(profile.regulations)
    files = [PROFILES_DIR / f"{name}.yaml", *sorted((PROFILES_DIR / f"{name}.d").glob("*.yaml"))]
    for path in files:
        for rule in yaml.safe_load(path.read_text(encoding="utf-8")).get("rules") or []:
            cite = rule["citation"]
            if not profile.regulations[cite["regulation"]].in_our_sources:
                assert cite.get("source") == "not in our sources", (path.name, rule["key"])
    for key in profile.keys():
        for version in profile.versions(key):
            assert not version.refuses or version.citation.sourced, key
