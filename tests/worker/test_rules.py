"""The worker's pure rules: schedule specs, next firings, back-off."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinyong.clock import CHINA_TZ
from xinyong.worker import rules

instants = st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1),
                        timezones=st.just(dt.timezone.utc))


@given(st.integers(1, 10_000), st.sampled_from("smhd"))
def test_every_spec_round_trips(n, unit):
    spec = rules.parse_spec(f"  Every  {n}{unit} ")
    assert spec.kind == "every" and spec.seconds == n * rules.UNITS[unit]
    assert rules.parse_spec(spec.text) == spec


@given(st.times(), instants)
def test_daily_fires_next_at_that_china_time_within_a_day(at, after):
    spec = rules.parse_spec(f"daily {at:%H:%M}")
    fire = rules.next_run(spec, after)
    assert after < fire <= after + dt.timedelta(days=1)
    local = fire.astimezone(CHINA_TZ)
    assert (local.hour, local.minute, local.second, local.microsecond) == (at.hour, at.minute, 0, 0)


@given(st.integers(1, 100_000), instants)
def test_an_interval_fires_at_once_then_every_interval(seconds, now):
    spec = rules.Spec("every", seconds=seconds)
    assert rules.first_run(spec, now) == now
    assert rules.next_run(spec, now) - now == dt.timedelta(seconds=seconds)


@given(st.integers(1, 60), st.integers(1, 600))
def test_backoff_doubles_and_is_capped(attempts, base):
    wait = rules.backoff_seconds(attempts, base)
    assert wait == min(3600, base * 2 ** (attempts - 1))
    assert rules.backoff_seconds(attempts + 1, base) >= wait


@pytest.mark.parametrize("bad", ["every 0s", "every", "daily 24:00", "daily 7", "hourly", "every 5x", ""])
def test_malformed_specs_are_refused(bad):
    with pytest.raises(rules.ScheduleError):
        rules.parse_spec(bad)


def test_settings_override_defaults_by_name_only():
    defaults = {"sweep": "daily 00:30", "transparency": "every 300s"}
    specs = rules.parse_schedules("transparency=off, sweep = daily 01:15", defaults)
    assert specs["transparency"] is rules.OFF or specs["transparency"].kind == "off"
    assert specs["sweep"].at == dt.time(1, 15)
    assert rules.parse_schedules("", defaults)["transparency"].seconds == 300
    with pytest.raises(rules.ScheduleError, match="unknown"):
        rules.parse_schedules("sweeps=off", defaults)
    with pytest.raises(rules.ScheduleError, match="name=spec"):
        rules.parse_schedules("sweep", defaults)
