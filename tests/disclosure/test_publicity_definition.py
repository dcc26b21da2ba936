"""The one definition of "in public view today" (xinyong/disclosure/publicity.py): its SQL
condition, its SQL text and its Python twin agree on every record and every day, on SQLite and
PostgreSQL (property test over generated windows, statuses, disclosures)."""
from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from xinyong.access.views import visibility_of
from xinyong.disclosure.publicity import in_public_view, public_condition, public_sql
from xinyong.models import Record

DAY0 = dt.date(2019, 1, 1)
days = st.integers(min_value=0, max_value=3000).map(lambda n: DAY0 + dt.timedelta(days=n))
windows = st.tuples(days, st.one_of(st.none(), st.integers(min_value=0, max_value=1500)))
record_specs = st.lists(st.fixed_dictionaries({
    "window": windows, "published": st.booleans(), "status": st.sampled_from(["active", "repaired"]),
    "disclosure": st.sampled_from(["public", "conditional", "authorised"])}), min_size=1, max_size=25)


def _record(n: int, spec: dict) -> Record:
    start, length = spec["window"]
    now = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    return Record(subject_id=1 + n % 3, item_code="penalty", source_agency_id=1, decision_no=f"D{n}",
                  decision_date=start, disclosure=spec["disclosure"], publicity_published=spec["published"],
                  publicity_start=start, publicity_end=None if length is None else start + dt.timedelta(days=length),
                  publicity_citation="test", fields={}, status=spec["status"], version=1, batch_id=1, row_no=n,
                  received_at=now, updated_at=now)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=record_specs, today=days)
def test_sql_condition_sql_text_and_python_twin_agree(session, specs, today):
    records = [_record(n, s) for n, s in enumerate(specs)]
    session.add_all(records)
    session.flush()
    try:
        by_condition = set(session.scalars(select(Record.decision_no).where(public_condition(today))))
        by_text = {r[0] for r in session.execute(
            text(f"SELECT r.decision_no FROM records r WHERE {public_sql('r', ':today')}"), {"today": today})}
        by_python = {r.decision_no for r in records if in_public_view(r, today)}
        assert by_condition == by_text == by_python
        # the gated profile's reason for each record says "public" exactly for those, bar repaired ones
        assert {r.decision_no for r in records if visibility_of(r, today)[0] == "public"
                and r.status == "active"} == by_python
        # the twin reads mappings (raw rows) as it reads records
        assert all(in_public_view({c: getattr(r, c) for c in ("publicity_published", "disclosure", "status",
                                                               "publicity_start", "publicity_end")}, today)
                   == in_public_view(r, today) for r in records)
    finally:
        session.rollback()


def test_the_window_is_half_open():
    r = _record(0, {"window": (dt.date(2026, 1, 1), 10), "published": True, "status": "active",
                    "disclosure": "public"})
    assert not in_public_view(r, dt.date(2025, 12, 31))
    assert in_public_view(r, dt.date(2026, 1, 1)) and in_public_view(r, dt.date(2026, 1, 10))
    assert not in_public_view(r, dt.date(2026, 1, 11))
