"""Property tests of trigger matching (FZ art. 15 para. 2, QZ art. 24: proportionate, only on
current information) and of the refusal order of may_apply."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.measures import rules

TODAY = dt.date(2026, 6, 1)
PROP = {"record_statuses": ["active"], "within_publicity": True, "count_under_objection": True}

records = st.lists(st.builds(
    rules.RecordFact, id=st.integers(1, 10_000), item_code=st.sampled_from(["penalty", "commitment_breach"]),
    severity=st.sampled_from([None, *rules.SEVERITIES]),
    decision_date=st.dates(dt.date(2020, 1, 1), TODAY), status=st.sampled_from(["active", "repaired"]),
    publicity_start=st.dates(dt.date(2020, 1, 1), dt.date(2026, 7, 1)),
    publicity_end=st.none() | st.dates(dt.date(2020, 1, 1), dt.date(2030, 1, 1)),
    under_objection=st.booleans()), max_size=8, unique_by=lambda r: r.id)
entries = st.lists(st.builds(rules.EntryFact, id=st.integers(1, 1000), kind=st.sampled_from(rules.LIST_KINDS)),
                   max_size=3, unique_by=lambda e: e.id)
triggers = st.one_of(
    st.builds(lambda k: {"kind": "list", "list": k}, st.sampled_from(rules.LIST_KINDS)),
    st.builds(lambda s: {"kind": "record", "severities": sorted(s)},
              st.sets(st.sampled_from(rules.SEVERITIES), min_size=1)),
    st.builds(lambda g: {"kind": "grade", "grades": sorted(g)}, st.sets(st.sampled_from("ABCD"), min_size=1)),
)
facts = st.builds(rules.SubjectFacts, today=st.just(TODAY), records=records.map(tuple),
                  entries=entries.map(tuple), grade=st.none() | st.sampled_from("ABCD"))


@settings(max_examples=300, deadline=None)
@given(trigger=triggers, f=facts)
def test_a_match_rests_only_on_current_information(trigger, f):
    found = rules.match(trigger, f, PROP)
    current = {r.id: r for r in rules.current_records(f.records, TODAY, PROP)}
    if trigger["kind"] == "record":
        expected = {r.id for r in current.values() if r.severity in trigger["severities"]}
        assert (found is not None) == bool(expected)
        if found:
            assert set(found.record_ids) == expected
            # never a repaired record, never one outside its half-open window (end day excluded)
            assert all(current[i].status == "active" for i in found.record_ids)
            assert all(current[i].publicity_start <= TODAY for i in found.record_ids)
            assert all(current[i].publicity_end is None or TODAY < current[i].publicity_end for i in found.record_ids)
    elif trigger["kind"] == "list":
        assert (found is not None) == any(e.kind == trigger["list"] for e in f.entries)
    else:
        assert (found is not None) == (f.grade in trigger["grades"])


@settings(max_examples=200, deadline=None)
@given(trigger=triggers, f=facts)
def test_repairing_every_record_never_creates_a_record_match(trigger, f):
    repaired = rules.SubjectFacts(today=TODAY, records=tuple(
        rules.RecordFact(r.id, r.item_code, r.severity, r.decision_date, "repaired", r.publicity_start, r.publicity_end)
        for r in f.records), entries=f.entries, grade=f.grade)
    if trigger["kind"] == "record":
        assert rules.match(trigger, repaired, PROP) is None


@pytest.mark.parametrize("end, counted", [(TODAY + dt.timedelta(days=1), True), (TODAY, False),
                                          (TODAY - dt.timedelta(days=1), False), (None, True)])
def test_a_record_stops_counting_on_the_day_it_leaves_public_view(end, counted):
    """The window's end day is outside it, for measures as for the portal (disclosure.rules.is_public):
    a penalty no one can see any more is not a basis to punish on that day (FZ art. 15, QZ art. 24)."""
    from xinyong.disclosure.rules import is_public
    record = rules.RecordFact(1, "penalty", "serious", dt.date(2025, 6, 1), "active", dt.date(2025, 6, 1), end)
    found = rules.match({"kind": "record", "severities": ["serious"]},
                        rules.SubjectFacts(today=TODAY, records=(record,)), PROP)
    assert (found is not None) == counted == is_public((record.publicity_start, record.publicity_end), TODAY)


def test_a_record_not_yet_in_its_window_does_not_count():
    record = rules.RecordFact(1, "penalty", "serious", TODAY, "active", TODAY + dt.timedelta(days=1), None)
    assert rules.current_records((record,), TODAY, PROP) == []


@given(status=st.sampled_from([None, "draft", "withdrawn", "published"]), in_matter=st.booleans(),
       matched=st.booleans())
def test_may_apply_only_for_published_matching_measures_in_the_matter(status, in_matter, matched):
    found = [rules.Match({"kind": "grade", "grades": ["D"]}, "r", "r")] if matched else []
    d = rules.may_apply(list_status=status, measure_matters=["fiscal_funds"] if in_matter else ["honours"],
                        matter="fiscal_funds", found=found, citation="QZ art. 24")
    assert d.allowed == (status == "published" and in_matter and matched)
    assert d.citation == "QZ art. 24" and d.reason_zh
    if status is None:
        assert d.code == "unlisted"
    elif status != "published":
        assert d.code == {"draft": "unpublished", "withdrawn": "withdrawn"}[status]


@pytest.mark.parametrize("bad", [{"kind": "nope"}, {"kind": "list", "list": "grey"},
                                 {"kind": "record", "severities": ["huge"]}, {"kind": "grade"},
                                 {"kind": "commitment_breach", "years": 0}])
def test_malformed_triggers_are_refused(bad):
    with pytest.raises(rules.TriggerError):
        rules.check_trigger(bad)


def test_every_shipped_list_file_is_well_formed():
    from xinyong.measures.service import read_list_files
    lists = read_list_files()
    assert {(x["jurisdiction"], x["kind"]) for x in lists} == {
        ("quanzhou", "punishment"), ("quanzhou", "incentive"), ("fuzhou", "punishment"), ("fuzhou", "incentive")}


@given(kinds=st.lists(st.sampled_from(rules.LIST_KINDS), max_size=3),
       measure_kind=st.sampled_from(rules.MEASURE_KINDS))
def test_fz_art_14_16_17_no_incentive_while_on_a_punitive_list(kinds, measure_kind):
    """FZ art. 14, 16-17: the joint check never offers an incentive to a subject on a punitive
    list in the same matter; punishments are unaffected."""
    facts = rules.SubjectFacts(today=TODAY, entries=tuple(rules.EntryFact(i, k) for i, k in enumerate(kinds)))
    punitive = any(k in ("black", "serious_dishonesty") for k in kinds)
    assert rules.incentive_withheld(measure_kind, facts, PROP) == (measure_kind == "incentive" and punitive)


severities = st.sampled_from(["minor", "general", "serious", None])


@given(records=st.lists(st.tuples(severities, st.integers(-400, 400), st.integers(1, 800),
                                  st.sampled_from(["active", "repaired"])), max_size=4),
       measure_kind=st.sampled_from(rules.MEASURE_KINDS))
def test_no_incentive_beside_a_current_dishonesty_record(records, measure_kind):
    """QZ art. 18 (信用状况良好), FZ art. 16 (守信主体): a record of a withholding severity, active
    and in public view today, withholds every incentive whatever the grade; an expired, repaired or
    minor one does not; punishments are unaffected. Oracle: the window spelt out."""
    prop = {**PROP, "incentives_withheld_by": ["general", "serious"]}
    facts = rules.SubjectFacts(today=TODAY, grade="A", records=tuple(
        rules.RecordFact(i, "penalty", sev, TODAY - dt.timedelta(days=start), status,
                         TODAY - dt.timedelta(days=start), TODAY - dt.timedelta(days=start) + dt.timedelta(days=length))
        for i, (sev, start, length, status) in enumerate(records)))
    current = any(sev in ("general", "serious") and status == "active"
                  and TODAY - dt.timedelta(days=start) <= TODAY < TODAY - dt.timedelta(days=start) + dt.timedelta(days=length)
                  for sev, start, length, status in records)
    assert rules.incentive_withheld(measure_kind, facts, prop) == (measure_kind == "incentive" and current)
    assert not rules.incentive_withheld(measure_kind, facts, PROP) or measure_kind != "incentive"


@pytest.mark.parametrize("kind", rules.LIST_KINDS)
def test_a_list_match_names_the_list_in_words(kind):
    # "the subject is on the serious_dishonesty list": the list's code in an English reason
    facts = rules.SubjectFacts(today=TODAY, entries=(rules.EntryFact(1, kind),))
    found = rules.match({"kind": "list", "list": kind}, facts, PROP)
    assert "_" not in found.reason_en and found.reason_en.endswith(f"on the {rules.LIST_EN[kind]}")
