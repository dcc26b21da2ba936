"""The audit log's pure rules: canonical serialisation, hashing, the details guard, signing."""
from __future__ import annotations

import dataclasses
import datetime as dt
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinyong.audit import rules
from xinyong.audit.rules import AuditDetailsError, EntryFields
from xinyong.synthetic import make_resident_id, make_uscc

json_scalars = st.none() | st.booleans() | st.integers(min_value=-2**63, max_value=2**63) | st.text(max_size=20)
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)
details_st = st.dictionaries(st.text(max_size=10), json_values, max_size=6)
instants = st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1),
                        timezones=st.just(dt.timezone.utc))


def _reversed(value):
    """The same JSON value with every mapping built in the opposite key order."""
    if isinstance(value, dict):
        return {k: _reversed(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [_reversed(v) for v in value]
    return value


entries = st.builds(EntryFields, chain=st.integers(0, 63), seq=st.integers(1, 2**40), at=instants,
                    actor_user_id=st.none() | st.integers(1, 10**6), actor_org_id=st.none() | st.integers(1, 10**6),
                    actor=st.text(max_size=20), action=st.from_regex(r"[a-z]{1,8}\.[a-z]{1,8}", fullmatch=True),
                    target_type=st.text(max_size=8), target_id=st.text(max_size=8),
                    subject_id=st.none() | st.integers(1, 10**12), details=details_st,
                    prev_hash=st.text("0123456789abcdef", min_size=64, max_size=64))


@given(details_st)
def test_canonical_form_does_not_depend_on_key_order(details):
    assert rules.canonical_json(details) == rules.canonical_json(_reversed(details))
    assert rules.normalise_details(details) == rules.normalise_details(_reversed(details))


@given(entries)
def test_same_entry_in_any_key_order_hashes_the_same(entry):
    again = dataclasses.replace(entry, details=_reversed(entry.details))
    assert entry.hash() == again.hash()
    assert len(entry.hash()) == 64


def _other(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):
        return value + "x"
    if isinstance(value, dt.datetime):
        return value + dt.timedelta(microseconds=1)
    if isinstance(value, dict):
        return {**value, "\u0001changed": 1}
    return 0  # None becomes a value


@given(entries, st.sampled_from([f.name for f in dataclasses.fields(EntryFields)]))
def test_any_change_of_any_field_changes_the_hash(entry, field):
    changed = dataclasses.replace(entry, **{field: _other(getattr(entry, field))})
    assert changed.hash() != entry.hash()


@given(entries)
def test_null_and_empty_are_different(entry):
    if entry.subject_id is None:
        assert dataclasses.replace(entry, subject_id=0).hash() != entry.hash()
    assert dataclasses.replace(entry, details={"k": None}).hash() != dataclasses.replace(entry, details={}).hash()


def test_timestamps_are_utc_with_microseconds_whatever_the_zone():
    china = dt.timezone(dt.timedelta(hours=8))
    aware = dt.datetime(2026, 6, 1, 8, 0, 0, 5, tzinfo=china)
    naive_utc = dt.datetime(2026, 6, 1, 0, 0, 0, 5)  # how SQLite hands it back
    assert rules.format_at(aware) == rules.format_at(naive_utc) == "2026-06-01T00:00:00.000005Z"


def test_resident_id_numbers_never_enter_details():
    person = make_resident_id(random.Random(3))
    for bad in ({"note": person}, {"rows": [{"x": f"证件 {person} 号"}]}, {person: 1}, {"note": person.lower()}):
        with pytest.raises(AuditDetailsError, match="resident ID"):
            rules.check_details(bad)
    for key in ("resident_id", "证件号码", "password", "token"):
        with pytest.raises(AuditDetailsError):
            rules.check_details({key: "x"})
    firm = make_uscc(random.Random(4))
    assert firm.isdigit()  # all-digit codes exist, and are allowed where a code is expected
    assert rules.check_details({"uscc": firm, "count": 123456789012345678}) == {"uscc": firm,
                                                                                "count": 123456789012345678}
    assert not rules.looks_like_resident_id("123456789012345678")  # bad check digit, no birth date
    assert rules.redact(f"user {person}") == "user [resident-id]"


def test_details_refuse_floats_and_normalise_dates():
    with pytest.raises(AuditDetailsError, match="float"):
        rules.check_details({"seconds": 1.5})
    assert rules.check_details({"day": dt.date(2026, 6, 1), 3: (1, 2)}) == {"day": "2026-06-01", "3": [1, 2]}


def test_checkpoint_signature_round_trip_and_tamper():
    key = rules.private_key(bytes(range(32)))
    heads = rules.heads_document({1: (5, "b" * 64), 0: (9, "a" * 64)})
    assert list(heads) == ["0", "1"]
    at = dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc)
    sig = rules.sign(key, rules.checkpoint_payload(heads, at))
    public = key.public_key()
    assert rules.signature_ok(public, rules.checkpoint_payload(heads, at), sig)
    assert not rules.signature_ok(public, rules.checkpoint_payload({**heads, "0": [9, "c" * 64]}, at), sig)
    assert not rules.signature_ok(public, rules.checkpoint_payload(heads, at + dt.timedelta(seconds=1)), sig)
    assert not rules.signature_ok(public, rules.checkpoint_payload(heads, at), "not base64!")
    assert len(rules.key_id(public)) == 16


def test_chain_for_spreads_subjects_and_keeps_subjectless_events_on_chain_0():
    assert rules.chain_for(None, 4) == 0
    assert [rules.chain_for(s, 4) for s in (1, 2, 3, 4, 5)] == [1, 2, 3, 0, 1]
