"""Retention as profile data: the periods every profile gives, what they may not be, and the
cutoff "now minus N whole months" (no I/O)."""
from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinyong.law.loader import available_profiles, get_profile
from xinyong.partitions.rules import PARTITIONED, Retention, RetentionError, is_partition, retentions

UTC = dt.timezone.utc


@pytest.mark.parametrize("name", available_profiles())
def test_every_profile_gives_each_partitioned_table_a_period_with_its_basis(name):
    rule = get_profile(name).rule("retention.partitions", dt.date(2026, 12, 4))
    found = {r.table: r for r in retentions(get_profile(name), dt.date(2026, 12, 4))}
    assert set(found) == set(PARTITIONED) and set(rule.value["basis"]) == set(PARTITIONED)
    assert found["audit_log"].months is None   # the transparency log's leaf source
    assert all(r.months is None or r.months >= 6 for r in found.values())   # Cybersecurity Law art. 21 floor
    assert "21" in found["access_log"].citation.article


@pytest.mark.parametrize("months, why", [({"audit_log": 120}, "leaf source"), ({"access_log": 0}, "whole number"),
                                         ({"history": "5y"}, "whole number")])
def test_a_period_the_platform_may_not_apply_is_refused(months, why):
    profile = get_profile("quanzhou")
    rule = profile.rule("retention.partitions", dt.date(2026, 12, 4))
    changed = dataclasses.replace(rule, value={**rule.value, "months": {**rule.value["months"], **months}})

    class _One:
        def rule(self, key, on):
            return changed

    with pytest.raises(RetentionError, match=why):
        retentions(_One(), dt.date(2026, 12, 4))


@given(st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 12, 31)),
       st.integers(min_value=1, max_value=240))
def test_the_cutoff_is_now_minus_whole_months(naive, months):
    now = naive.replace(tzinfo=UTC)
    cutoff = Retention("access_log", months, None).cutoff(now)
    assert (now.year * 12 + now.month) - (cutoff.year * 12 + cutoff.month) == months
    assert cutoff.day == now.day or (cutoff.day < now.day and (cutoff + dt.timedelta(days=1)).day == 1)
    assert cutoff.time() == now.time() and cutoff < now


def test_partition_names_are_pg_partmans_months_and_default():
    assert is_partition("access_log_p2026_12") and is_partition("feed_events_default")
    assert not is_partition("access_log") and not is_partition("records_p2026_12")
    assert not is_partition("audit_log_p2026") and not is_partition("history_unpartitioned")
