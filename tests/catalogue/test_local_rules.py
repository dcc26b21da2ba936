"""The item definition a local supplementary item must satisfy (xinyong.catalogue.local.rules):
the same checks as a catalogue file, plus no shadowing of a national item, as properties."""
from __future__ import annotations

import copy

import yaml
from hypothesis import given, settings, strategies as st

from tests.catalogue.local_items import MODEL_FIRM
from xinyong.catalogue.loader import FIELD_TYPES, ITEMS_DIR, file_catalogue
from xinyong.catalogue.local import rules
from xinyong.law import active_profile

FILES = file_catalogue()
ALLOWED = rules.rule_references(FILES, set(active_profile().keys()))
FILE_DEFINITIONS = {p.stem: yaml.safe_load(p.read_text(encoding="utf-8"))
                    for p in sorted(ITEMS_DIR.glob("*.yaml")) if not p.name.startswith("_")}
local_codes = st.from_regex(r"[a-z][a-z0-9_]{1,20}[a-z0-9]", fullmatch=True).filter(
    lambda c: c not in {i.code for i in FILES.items})


def check(d):
    return rules.item_from_definition(d, FILES, ALLOWED)


@settings(max_examples=60, deadline=None)
@given(code=local_codes, file_code=st.sampled_from(sorted(FILE_DEFINITIONS)))
def test_every_file_item_definition_is_accepted_under_a_local_code(code, file_code):
    """The local checks are the loader's: a definition a catalogue file holds is valid here too."""
    d = copy.deepcopy(FILE_DEFINITIONS[file_code])
    d["code"] = code
    item = check(d)
    file_item = FILES.get(file_code)
    assert item.code == code and [f.code for f in item.fields] == [f.code for f in file_item.fields]
    assert (item.ingestible, item.publicity_rule, item.severity_rule) == (
        file_item.ingestible, file_item.publicity_rule, file_item.severity_rule)


@settings(max_examples=40, deadline=None)
@given(file_code=st.sampled_from(sorted(i.code for i in FILES.items)), changes=st.dictionaries(
    st.sampled_from(["name_zh", "name_en", "order"]), st.one_of(st.text(min_size=1, max_size=8), st.integers(0, 9))))
def test_a_national_code_is_always_refused_whatever_the_rest(file_code, changes):
    d = {**copy.deepcopy(MODEL_FIRM), **changes, "code": file_code}
    try:
        check(d)
    except rules.ShadowsNationalItem as exc:
        assert exc.status == 409 and file_code in exc.message
    else:
        raise AssertionError("a local item shadowed a national one")


json_values = st.recursive(st.none() | st.booleans() | st.integers(-3, 300) | st.text(max_size=6),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                           max_leaves=12)


@settings(max_examples=150, deadline=None)
@given(key=st.sampled_from(sorted(rules.TOP_KEYS - {"code"})), value=json_values)
def test_any_value_of_any_key_gives_an_item_or_a_named_refusal(key, value):
    """Never a crash: a definition is either a catalogue item or a LocalItemError."""
    d = copy.deepcopy(MODEL_FIRM)
    d[key] = value
    try:
        item = check(d)
    except rules.LocalItemError as exc:
        assert exc.status in (409, 422) and exc.message_en
    else:
        assert item.code == MODEL_FIRM["code"]


@settings(max_examples=150, deadline=None)
@given(n=st.integers(0, len(MODEL_FIRM["fields"]) - 1), key=st.sampled_from(sorted(rules.FIELD_KEYS)), value=json_values)
def test_any_value_of_any_field_key_gives_an_item_or_a_named_refusal(n, key, value):
    d = copy.deepcopy(MODEL_FIRM)
    d["fields"][n][key] = value
    try:
        check(d)
    except rules.LocalItemError as exc:
        assert exc.message and exc.message_en


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, len(MODEL_FIRM["fields"]) - 1), kind=st.text(min_size=1, max_size=10).filter(
    lambda t: t not in FIELD_TYPES))
def test_an_unknown_field_type_is_refused(n, kind):
    d = copy.deepcopy(MODEL_FIRM)
    d["fields"][n]["type"] = kind
    try:
        check(d)
    except rules.LocalItemError as exc:
        assert "type" in exc.message_en
    else:
        raise AssertionError(f"field type {kind!r} accepted")


@settings(max_examples=60, deadline=None)
@given(role=st.sampled_from(["subject_name", "subject_kind", "decision_no", "decision_date"]))
def test_an_ingestible_item_needs_the_subject_and_decision_roles(role):
    d = copy.deepcopy(MODEL_FIRM)
    d["fields"] = [f for f in d["fields"] if f.get("role") != role]
    try:
        check(d)
    except rules.LocalItemError as exc:
        assert role in exc.message_en
    else:
        raise AssertionError(f"ingestible item without {role} accepted")
    d["ingestible"] = False
    if role != "subject_kind":
        assert check(d).ingestible is False


@settings(max_examples=40, deadline=None)
@given(key=st.sampled_from(["publicity_rule", "severity_rule"]), ref=st.text(min_size=1, max_size=20))
def test_only_rules_the_platform_applies_may_be_named(key, ref):
    d = copy.deepcopy(MODEL_FIRM)
    d[key] = ref
    if ref in ALLOWED[key]:
        assert getattr(check(d), key) == ref
    else:
        try:
            check(d)
        except rules.LocalItemError as exc:
            assert key in exc.message_en
        else:
            raise AssertionError(f"{key} {ref!r} accepted")


@given(before=st.dictionaries(st.sampled_from(["name_zh", "order", "note"]), st.text(max_size=4)),
       after=st.dictionaries(st.sampled_from(["name_zh", "order", "note"]), st.text(max_size=4)))
def test_the_diff_names_exactly_the_keys_that_differ(before, after):
    changes = rules.diff(before, after)
    assert {c["path"] for c in changes} == {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
    assert all(before.get(c["path"]) == c["before"] and after.get(c["path"]) == c["after"] for c in changes)
