"""A batch's later parts are validated in threads while the ingest takes in an earlier part's
result (xinyong.ingest.service._validated); results come in the parts' order, and a caller
that stops early leaves no validation running."""
from __future__ import annotations

import datetime as dt
import threading
import time

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.ingest import service
from xinyong.ingest.rules import BatchRefused
from xinyong.law import citation_codes

DAY = dt.date(2026, 12, 4)


def _fake_validate(events: list, delay: float = 0.0, refuse: int | None = None, deferred: list | None = None):
    def validate(part, item, profile, today, defer_stored=False, sender_uscc=None):
        n = part["n"][0]
        if deferred is not None and defer_stored:
            deferred.append(n)
        events.append(("start", n, threading.current_thread().name))
        time.sleep(delay)
        if n == refuse:
            raise BatchRefused("missing_columns", "缺少必填列", "mandatory column(s) missing")
        events.append(("end", n, threading.current_thread().name))
        return n
    return validate


def test_later_parts_are_validated_while_the_caller_takes_in_an_earlier_one(monkeypatch):
    events: list = []
    monkeypatch.setattr(service, "validate", _fake_validate(events, delay=0.05))
    parts = ((pl.DataFrame({"n": [i]}), i == 5) for i in range(6))
    got = []
    for future, final in service._validated(parts, None, None, DAY):
        got.append((future.result(), final))
        events.append(("taken", got[-1][0], threading.current_thread().name))
        time.sleep(0.1)   # the caller's work on a result: the next parts validate meanwhile
    assert got == [(i, i == 5) for i in range(6)]
    taken_0 = events.index(("taken", 0, threading.current_thread().name))
    assert {n for kind, n, _ in events[:taken_0 + 1] if kind == "start"} >= {0, 1, 2}
    later = [e for e in events[taken_0:] if e[0] == "end"]
    assert later and all(name.startswith("validate") for _, _, name in later)


@pytest.mark.parametrize("parts", [1, 2, 5])
def test_only_a_batch_of_one_part_leaves_its_stored_only_columns_for_later(monkeypatch, parts):
    """A batch of one part makes them beside its subjects' merge (rules.ValidationResult.with_stored);
    a larger batch's parts make them as they are validated, in threads ahead of the caller."""
    deferred: list = []
    monkeypatch.setattr(service, "validate", _fake_validate([], deferred=deferred))
    cut = ((pl.DataFrame({"n": [i]}), i == parts - 1) for i in range(parts))
    assert [future.result() for future, _final in service._validated(cut, None, None, DAY)] == list(range(parts))
    assert deferred == ([0] if parts == 1 else [])


def test_a_refused_first_part_cancels_the_parts_not_yet_started(monkeypatch):
    events: list = []
    monkeypatch.setattr(service, "validate", _fake_validate(events, delay=0.05, refuse=0))
    parts = ((pl.DataFrame({"n": [i]}), i == 19) for i in range(20))
    validations = service._validated(parts, None, None, DAY)
    future, _final = next(validations)
    try:
        future.result()
    except BatchRefused:
        validations.close()
    started = {n for kind, n, _ in events if kind == "start"}
    assert 0 in started and len(started) <= 1 + service.VALIDATE_AHEAD
    assert not [t for t in threading.enumerate() if t.name.startswith("validate")]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from(sorted(citation_codes.table())),
                          st.text(max_size=12)), max_size=30), st.text(max_size=6))
def test_citations_encoded_once_per_distinct_value_read_as_every_row_encoded(values, prefix):
    frame = pl.DataFrame({"c": [None if v is None else prefix + v + "，" + v for v in values]},
                         schema={"c": pl.String})
    assert frame.select(service._encoded(frame, "c")).equals(
        frame.select(citation_codes.encode_expr(pl.col("c"))))
