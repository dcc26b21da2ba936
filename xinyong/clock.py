"""The one source of "today" and "now".

Every time-dependent rule (publicity windows, deadlines, sweeps) reads this module,
so the whole platform can be run as of any date by setting ``XINYONG_TODAY``.
"""
from __future__ import annotations

import datetime as dt
import os

CHINA_TZ = dt.timezone(dt.timedelta(hours=8), name="Asia/Shanghai")


class ClockError(ValueError):
    pass


def _override() -> dt.date | None:
    raw = os.environ.get("XINYONG_TODAY", "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise ClockError(f"XINYONG_TODAY must be an ISO date (YYYY-MM-DD), got {raw!r}") from exc


def today() -> dt.date:
    """Today's date in China Standard Time, or XINYONG_TODAY when set."""
    override = _override()
    if override is not None:
        return override
    return dt.datetime.now(CHINA_TZ).date()


def now() -> dt.datetime:
    """The current instant (timezone-aware, UTC).

    With XINYONG_TODAY set, the date part is moved to that day while the time of day
    stays real, so ordering of events inside one run is preserved.
    """
    real = dt.datetime.now(dt.timezone.utc)
    override = _override()
    if override is None:
        return real
    local = real.astimezone(CHINA_TZ)
    moved = local.replace(year=override.year, month=override.month, day=override.day)
    return moved.astimezone(dt.timezone.utc)
