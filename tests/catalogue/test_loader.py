"""The catalogue is data: its YAML is validated at load, and the 双公示 items carry the full
national field sets (DOMAIN.md national overlay)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from xinyong.catalogue import CatalogueError, get_catalogue, load_catalogue, normalise_header
from xinyong.catalogue.loader import ITEMS_DIR
from xinyong.law import get_profile

PENALTY = ["行政相对人名称*", "行政相对人类别*", "行政相对人代码_1(统一社会信用代码)", "行政相对人代码_2(工商注册号)",
           "行政相对人代码_3(组织机构代码)", "行政相对人代码_4(税务登记号)", "行政相对人代码_5(事业单位证书号)",
           "行政相对人代码_6(社会组织登记证号)", "法定代表人", "法定代表人证件类型", "法定代表人证件号码", "证件类型",
           "证件号码", "行政处罚决定书文号*", "违法行为类型*", "违法事实*", "处罚依据*", "处罚类别*", "处罚内容*",
           "罚款金额(万元)", "没收违法所得、没收非法财物的金额(万元)", "暂扣或吊销证照名称及编号", "处罚决定日期*",
           "处罚有效期*", "公示截止期", "处罚机关*", "处罚机关统一社会信用代码*", "数据来源单位*",
           "数据来源单位统一社会信用代码*", "备注", "失信严重程度"]
LICENCE_OWN = ["行政许可决定文书名称*", "行政许可决定文书号*", "许可类别*", "许可证书名称", "许可编号", "许可内容",
               "许可决定日期*", "有效期自", "有效期至", "许可机关", "许可机关统一社会信用代码*", "当前状态",
               "数据来源单位", "数据来源单位统一社会信用代码", "备注"]


def as_marked(item) -> list[str]:
    return [f.header_zh + ("*" if f.required else "") for f in item.fields]


def test_penalty_has_the_national_fields_in_order():
    assert as_marked(get_catalogue().get("penalty")) == PENALTY


def test_licence_has_the_national_fields():
    """许可决定日期 is required here although DOMAIN.md lists it unmarked (see the YAML note)."""
    assert as_marked(get_catalogue().get("licence")) == PENALTY[:13] + LICENCE_OWN


def test_code_tables():
    penalty = get_catalogue().get("penalty")
    kinds = penalty.field_by_role("penalty_kinds")
    assert kinds.multiple and kinds.codes == ("警告", "通报批评", "罚款", "没收违法所得", "没收非法财物", "暂扣许可证件",
                                              "降低资质等级", "吊销许可证件", "限制开展生产经营活动", "责令停产停业",
                                              "责令关闭", "限制从业", "行政拘留", "其他")
    kind = penalty.field_by_role("subject_kind")
    assert kind.meanings == {"法人及非法人组织": "legal_person", "自然人": "natural_person",
                             "个体工商户": "individual_business"}
    assert penalty.field_by_role("subject_id_type").codes == (
        "身份证", "护照", "港澳居民来往内地通行证", "台湾居民来往大陆通行证", "外国人永久居留身份证")
    assert penalty.field_by_role("explicit_severity").meanings == {"轻微": "minor", "一般": "general", "严重": "serious"}
    assert get_catalogue().get("licence").field("licence_kind").codes == ("普通", "特许", "认可", "核准", "登记", "其他")


def test_sensitive_identifiers_are_marked():
    for code in ("penalty", "licence"):
        sensitive = {f.header_zh for f in get_catalogue().get(code).fields if f.sensitive}
        assert sensitive == {"证件号码", "法定代表人证件号码"}


def test_whole_catalogue_covers_the_13_categories():
    cat = get_catalogue()
    assert len(cat.categories) == 13
    assert {i.category.code for i in cat.items} == {c.code for c in cat.categories}
    assert [i.category.order for i in cat.items] == sorted(i.category.order for i in cat.items)
    # issue 15: the whole catalogue is aggregated, public items and market information alike
    assert {i.code for i in cat.items if not i.ingestible} == set()
    assert {"professional_qualification", "occupational_credit", "registration", "judgment_enforcement",
            "penalty", "licence"} <= {i.code for i in cat.ingestible if i.source == "public"}
    # market credit information (QZ art. 12): shared by providers, disclosure "market"
    market = {i.code for i in cat.items if i.source == "market"}
    assert market == {"contract_performance", "association_rating", "utility_payment"}
    assert all(cat.get(c).ingestible and cat.get(c).disclosure == "market" for c in market)
    for item in cat.items:
        assert item.disclosure in {"public", "on_application", "shared", "authorisation_required", "market"}
        for role in ("subject_name", "decision_no", "decision_date"):
            assert item.field_by_role(role) is not None, (item.code, role)
    penalty = cat.get("penalty")
    assert (penalty.publicity_rule, penalty.severity_rule) == ("publicity.penalty", "severity.penalty")
    assert (cat.get("licence").publicity_rule, cat.get("licence").severity_rule) == ("publicity.licence", None)
    assert str(penalty.category) == "行政管理信息 / Administrative management"


def test_unknown_item():
    with pytest.raises(CatalogueError, match="unknown catalogue item: nope"):
        get_catalogue().get("nope")


def test_header_map_accepts_aliases_and_full_width_forms():
    penalty = get_catalogue().get("penalty")
    header_map = penalty.header_map()
    assert header_map["统一社会信用代码"].code == "subject_uscc"
    assert header_map["行政相对人代码_1(统一社会信用代码)"].code == "subject_uscc"
    assert penalty.field_for_header(" 罚款金额（万元） ").code == "fine_wan"
    assert penalty.field_for_header("\ufeff行政相对人名称").code == "subject_name"
    assert penalty.field_for_header("罚款金额") is None  # unit unknown: not guessed
    assert normalise_header("行政相对人代码_1（统一社会信用代码）") == "行政相对人代码_1(统一社会信用代码)"


def test_no_catalogue_header_looks_like_forbidden_data():
    """A forbidden-data keyword in a catalogue header would refuse every batch of the item."""
    rule = get_profile("quanzhou").rule("data.forbidden", on=__import__("datetime").date(2026, 6, 1))
    keywords = [k for spec in rule.value["classes"].values() for k in spec["header_keywords"]]
    for item in get_catalogue().items:
        for f in item.fields:
            for h in f.headers:
                assert not any(k in normalise_header(h) for k in keywords), (item.code, h)


# ---------------------------------------------------------------- validation at load
@pytest.fixture
def items_copy(tmp_path) -> Path:
    target = tmp_path / "items"
    shutil.copytree(ITEMS_DIR, target)
    return target


def edit(directory: Path, name: str, change) -> None:
    path = directory / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_copy_loads(items_copy):
    assert [i.code for i in load_catalogue(items_copy).items] == [i.code for i in get_catalogue().items]


def test_duplicate_item_code_is_refused(items_copy):
    edit(items_copy, "honour.yaml", lambda d: d.update(code="penalty"))
    with pytest.raises(CatalogueError, match="duplicate catalogue item codes: penalty"):
        load_catalogue(items_copy)


def test_enum_without_code_table_is_refused(items_copy):
    def drop_codes(d):
        next(f for f in d["fields"] if f["code"] == "licence_kind").pop("codes")
    edit(items_copy, "licence.yaml", drop_codes)
    with pytest.raises(CatalogueError, match="licence_kind: enum needs a code table"):
        load_catalogue(items_copy)


def test_ingestible_item_needs_its_roles(items_copy):
    def drop_role(d):
        next(f for f in d["fields"] if f["code"] == "decision_no").pop("role")
    edit(items_copy, "penalty.yaml", drop_role)
    with pytest.raises(CatalogueError, match="lacks roles: decision_no"):
        load_catalogue(items_copy)


def test_duplicate_field_code_and_shared_header_are_refused(items_copy):
    def clone(d):
        d["fields"].append(dict(d["fields"][0]))
    edit(items_copy, "honour.yaml", clone)
    with pytest.raises(CatalogueError, match="duplicate field code subject_name"):
        load_catalogue(items_copy)


def test_unknown_type_category_and_meaning_are_refused(items_copy):
    edit(items_copy, "honour.yaml", lambda d: d["fields"][0].update(type="blob"))
    with pytest.raises(CatalogueError, match="type 'blob'"):
        load_catalogue(items_copy)
    edit(items_copy, "honour.yaml", lambda d: d["fields"][0].update(type="text") or d.update(category="weather"))
    with pytest.raises(CatalogueError, match="unknown category 'weather'"):
        load_catalogue(items_copy)
    edit(items_copy, "honour.yaml", lambda d: d.update(category="honour"))

    def bad_meaning(d):
        kind = next(f for f in d["fields"] if f["code"] == "subject_kind")
        kind["codes"][0]["maps_to"] = "company"
    edit(items_copy, "penalty.yaml", bad_meaning)
    with pytest.raises(CatalogueError, match="subject_kind codes must map to"):
        load_catalogue(items_copy)


PROFILES = ("quanzhou", "fuzhou")   # the city profiles (national is the overlay they inherit)


@pytest.mark.parametrize("code", [i.code for i in get_catalogue().ingestible])
def test_every_ingestible_item_names_rules_every_profile_holds(code):
    """An item's publicity and severity rules are profile data with a citation, in every profile,
    of a shape the platform computes (xinyong/disclosure/rules.py rule_shape); publicity by
    severity needs a severity for every record, so its item names a severity rule; a severity
    rule classes only codes the item's kinds column can hold."""
    from xinyong.disclosure.rules import rule_shape
    item = get_catalogue().get(code)
    for name in PROFILES:
        profile = get_profile(name)
        for key in filter(None, (item.publicity_rule, item.severity_rule)):
            versions = profile.versions(key)
            assert versions, f"{name} has no rule {key} ({code})"
            assert all(v.citation.regulation_id and v.citation.note for v in versions), key
        if item.publicity_rule:
            shapes = {rule_shape(v) for v in profile.versions(item.publicity_rule)}
            assert len(shapes) == 1
            if shapes == {"by_severity"}:
                assert item.severity_rule, f"{code}: publicity by severity without a severity rule"
        if item.severity_rule:
            kinds = item.field_by_role("penalty_kinds")
            for v in profile.versions(item.severity_rule):
                if kinds is not None:   # an item without a kinds column reads only the stated class
                    assert set(v.value.get("kinds") or {}) <= set(kinds.codes), (name, code)
                assert v.value.get("default") in (None, "minor", "general", "serious")
    if item.severity_rule:
        assert item.field_by_role("explicit_severity") is not None   # QZ art. 20: the body may state it


def test_a_field_set_not_from_our_sources_says_so():
    """Items whose national standard is not in /work/shared say that their layout is the one
    agencies use (issue 15 point 1)."""
    for path in sorted(ITEMS_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if path.name.startswith("_") or data["code"] in ("penalty", "licence") or not data.get("ingestible"):
            continue
        head = path.read_text(encoding="utf-8").split("\ncode:")[0]
        assert "agencies" in head or "QZ art." in head, path.name
