"""Times are shown in China time (UTC+8) through one helper, ``local_time`` (and ``local_date`` for
the day): a stored UTC instant printed as it is reads eight hours early, and its date one day early
after 16:00 UTC (the demo audit: /repair/{id}, /transparency, /evaluation, /policies ...)."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from xinyong.kit.web import local_date, local_time

TEMPLATES = Path(__file__).resolve().parents[2] / "xinyong" / "web" / "templates"
# an instant (a column named *_at, or .at) printed by hand: formatted, cut, or its UTC date taken
RAW_INSTANT = re.compile(r"\b\w*(?:_at|\.at|timestamp)\s*(?:\.strftime\(|\.date\(\)|\.isoformat\(\)|\[:\d+\])"
                         r"|\.strftime\(")
# a link's address is not shown: /me/access-log/{id}?on= names the entry's UTC day (its partition)
HREF = re.compile(r'href="[^"]*"')


def test_an_instant_is_shown_in_china_time():
    evening = dt.datetime(2026, 12, 7, 20, 30, tzinfo=dt.timezone.utc)
    assert local_time(evening) == "2026-12-08 04:30"
    assert local_time(evening.replace(tzinfo=None)) == "2026-12-08 04:30"  # SQLite's naive UTC
    assert local_date(evening) == dt.date(2026, 12, 8)
    assert local_date(None) is None and local_time(None) == ""


def test_an_instant_kept_as_iso_text_is_shown_in_china_time():
    assert local_time("2026-12-07T20:30:00+00:00") == "2026-12-08 04:30"
    assert local_time("2026-12-07T20:27:05.513822Z", "%Y-%m-%d %H:%M:%S") == "2026-12-08 04:27:05"
    assert local_date("2026-12-07T15:59:59Z") == dt.date(2026, 12, 7)


def test_no_template_prints_an_instant_without_local_time():
    templates = sorted(TEMPLATES.rglob("*.html"))
    assert len(templates) > 50, "the templates were not found"
    found = {str(p.relative_to(TEMPLATES)): [m.group(0) for m in RAW_INSTANT.finditer(HREF.sub("", p.read_text("utf-8")))]
             for p in templates}
    found = {name: hits for name, hits in found.items() if hits}
    assert not found, f"instants printed without local_time (UTC, or its UTC date): {found}"
