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
