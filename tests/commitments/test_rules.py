"""Property tests of the accept-first decision (QZ art. 25 para. 1 / FZ art. 16(1))."""
from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.commitments import rules
from xinyong.measures.rules import LIST_KINDS, SEVERITIES, BreachFact, EntryFact, RecordFact, SubjectFacts

TODAY = dt.date(2026, 6, 1)
PROP = {"record_statuses": ["active"], "within_publicity": True, "count_under_objection": True}
RULE = {"blocking_lists": ["serious_dishonesty"], "blocking_record_severities": ["serious"],
        "blocking_grades": ["D"], "breach_lookback_years": 3}

facts = st.builds(
    SubjectFacts, today=st.just(TODAY),
    records=st.lists(st.builds(RecordFact, id=st.integers(1, 999), item_code=st.just("penalty"),
                               severity=st.sampled_from([None, *SEVERITIES]),
                               decision_date=st.dates(dt.date(2020, 1, 1), TODAY),
                               status=st.sampled_from(["active", "repaired"]),
                               publicity_start=st.dates(dt.date(2020, 1, 1), dt.date(2026, 7, 1)),
                               publicity_end=st.none() | st.dates(dt.date(2024, 1, 1), dt.date(2029, 1, 1))),
                     max_size=5).map(tuple),
    entries=st.lists(st.builds(EntryFact, id=st.integers(1, 99), kind=st.sampled_from(LIST_KINDS)), max_size=2).map(tuple),
    grade=st.none() | st.sampled_from("ABCD"),
    breaches=st.lists(st.builds(BreachFact, commitment_id=st.integers(1, 99),
                                breached_on=st.dates(dt.date(2020, 1, 1), TODAY), record_id=st.none()),
                      max_size=2).map(tuple))


@settings(max_examples=300, deadline=None)
@given(f=facts)
def test_accept_first_is_refused_exactly_when_a_blocking_condition_holds(f):
    d = rules.accept_first(f, RULE, PROP, "QZ art. 25 para. 1")
    serious = any(r.severity == "serious" and r.status == "active"
                  and r.publicity_start <= TODAY and (r.publicity_end is None or TODAY < r.publicity_end)
                  for r in f.records)
    listed = any(e.kind == "serious_dishonesty" for e in f.entries)
    broke = any(b.breached_on >= dt.date(2023, 6, 1) for b in f.breaches)
    assert d.allowed == (not serious and not listed and not broke and f.grade != "D")
    assert d.citation == "QZ art. 25 para. 1"
    assert len([r for r in d.reasons if not r.ok]) == (serious + listed + broke + (f.grade == "D"))


def test_overdue_only_for_open_commitments_past_the_deadline():
    assert rules.overdue(dt.date(2026, 5, 31), "open", TODAY)
    assert not rules.overdue(dt.date(2026, 6, 1), "open", TODAY)
    assert not rules.overdue(dt.date(2026, 5, 1), "fulfilled", TODAY)
    assert not rules.overdue(None, "open", TODAY)


def test_fuzhou_reads_three_years_clean_over_the_records_of_three_years_not_the_publicity_window():
    """FZ art. 16(1) 连续三年无不良信用记录: a general penalty of 14 months ago, out of public view
    after its 3-12 month window, is still an adverse record of the last three years; one decided
    more than three years ago, or repaired, is not."""
    from xinyong.law.loader import get_profile
    rule = get_profile("fuzhou").rule("commitments.accept_first", dt.date(2027, 6, 1))
    today = dt.date(2027, 6, 1)

    def decided(day, status="active", end=dt.date(2027, 4, 10)):
        return RecordFact(1, "penalty", "general", day, status, day, end)

    def allowed(*records):
        facts = SubjectFacts(today=today, records=records)
        return rules.accept_first(facts, rule.value, PROP, str(rule.citation)).allowed

    assert not allowed(decided(dt.date(2026, 4, 10)))                          # out of view, inside 3 years
    assert allowed(decided(dt.date(2024, 5, 31), end=dt.date(2025, 5, 31)))   # more than three years ago
    assert allowed(decided(dt.date(2026, 4, 10), status="repaired"))
    minor = RecordFact(2, "penalty", "minor", dt.date(2026, 1, 5), "active", dt.date(2026, 1, 5), dt.date(2026, 1, 5))
    assert not allowed(minor)                                                  # a minor record is adverse too
    # Quanzhou's 信用状况较好 keeps reading current (in view) serious records
    qz = get_profile("quanzhou").rule("commitments.accept_first", today)
    assert rules.accept_first(SubjectFacts(today=today, records=(decided(dt.date(2026, 4, 10)),)), qz.value, PROP,
                              str(qz.citation)).allowed


def test_fuzhou_reads_no_adverse_record_alike_for_the_red_list_and_accept_first():
    """Both incentives of FZ art. 16(1) rest on the same words: the same severities are adverse."""
    from xinyong.law.loader import get_profile
    fz, on = get_profile("fuzhou"), dt.date(2026, 6, 1)
    red = fz.rule("lists.red_criteria", on).value
    accept = fz.rule("commitments.accept_first", on).value
    assert sorted(red["adverse_severities"]) == sorted(accept["blocking_record_severities"])
    assert red["clean_years"] == accept["record_lookback_years"] == 3
