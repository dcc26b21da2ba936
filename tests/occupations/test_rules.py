"""The profession code table of the key occupational groups (QZ art. 30 para. 2), read as a
parser: every code and spelling of the ten groups reads back to its group, nothing else does."""
from __future__ import annotations

import datetime as dt

from hypothesis import given, strategies as st

from xinyong.catalogue.loader import get_catalogue
from xinyong.law.loader import load_profile
from xinyong.occupations import rules

ITEMS = rules.occupational_items(get_catalogue())
FIELDS = [i.field_by_role(rules.ROLE) for i in ITEMS]
POL = rules.policy(load_profile("quanzhou"), dt.date(2026, 6, 1))
GROUPS = ("law", "finance", "accounting", "audit", "medicine", "education", "domestic_services", "construction",
          "ecology", "platform_economy")


def _wide(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def test_both_items_carry_the_ten_groups_of_the_regulation():
    assert {i.code for i in ITEMS} == {"professional_qualification", "occupational_credit"}
    for f in FIELDS:
        assert sorted(set(f.meanings.values())) == sorted(GROUPS) and f.required
    assert POL.groups == GROUPS and "第三十条第二款" in POL.citation
    for item in ITEMS:   # natural persons only
        assert item.field_by_role("subject_kind").meanings == {"自然人": "natural_person"} and item.ingestible


@given(st.sampled_from(FIELDS), st.data())
def test_every_code_and_alias_reads_back_to_its_group(field, data):
    code = data.draw(st.sampled_from(list(field.codes) + list(field.value_aliases)))
    meaning = field.meanings[field.value_aliases.get(code, code)]
    pad = data.draw(st.sampled_from(["", " ", "\u3000", "\t"]))
    assert rules.parse_profession(field, f"{pad}{_wide(code)}{pad}") == meaning
    assert code in rules.values_for(field, meaning) or code in field.value_aliases


@given(st.sampled_from(FIELDS), st.text(max_size=12))
def test_text_outside_the_table_means_no_group(field, text):
    plain = "".join(text.split())
    known = set(field.codes) | set(field.value_aliases)
    parsed = rules.parse_profession(field, text)
    assert parsed is None or parsed in GROUPS
    if parsed is not None:
        import unicodedata
        assert "".join(unicodedata.normalize("NFKC", plain).split()) in known


@given(st.sampled_from(GROUPS), st.sets(st.sampled_from(GROUPS)), st.sampled_from(("agency", "staff", "judicial")))
def test_a_sector_authority_reads_its_own_group_only(profession, competent_for, role):
    refusal = rules.read_refusal(POL, role=role, competent_for=competent_for, profession=profession)
    assert (refusal is None) == (role == "agency" and profession in competent_for)
