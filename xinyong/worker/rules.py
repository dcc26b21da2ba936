"""Pure decisions of the worker: what a schedule says, when it next fires, how long a failed
job waits before its next attempt. No I/O: the worker's repository and runner act on them."""
from __future__ import annotations

import dataclasses
import datetime as dt
import re

from xinyong.clock import CHINA_TZ

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_EVERY = re.compile(r"^every\s+(\d{1,9})\s*([smhd]?)$")
_DAILY = re.compile(r"^daily\s+(\d{1,2}):(\d{2})$")
_NAME = re.compile(r"^[a-z][a-z0-9_.]{0,63}$")


class ScheduleError(ValueError):
    pass


@dataclasses.dataclass(frozen=True)
class Spec:
    """`every N[s|m|h|d]` (from the moment the schedule is first seen), `daily HH:MM` (China
    Standard Time, as the platform's "today" is), or `off`."""
    kind: str
    seconds: int = 0
    at: dt.time | None = None

    @property
    def text(self) -> str:
        if self.kind == "every":
            return f"every {self.seconds}s"
        if self.kind == "daily":
            return f"daily {self.at:%H:%M}"
        return "off"


OFF = Spec("off")


def parse_spec(text: str) -> Spec:
    raw = " ".join(text.strip().lower().split())
    if raw == "off":
        return OFF
    if m := _EVERY.match(raw):
        seconds = int(m.group(1)) * UNITS[m.group(2) or "s"]
        if seconds < 1:
            raise ScheduleError(f"schedule {text!r}: the interval must be at least one second")
        return Spec("every", seconds=seconds)
    if m := _DAILY.match(raw):
        hour, minute = int(m.group(1)), int(m.group(2))
        if hour > 23 or minute > 59:
            raise ScheduleError(f"schedule {text!r}: no such time of day")
        return Spec("daily", at=dt.time(hour, minute))
    raise ScheduleError(f"schedule {text!r}: expected 'every N[s|m|h|d]', 'daily HH:MM' or 'off'")


def parse_schedules(text: str, defaults: dict[str, str]) -> dict[str, Spec]:
    """`name=spec,name=spec` over the defaults; a name the defaults lack is refused (a typo
    must not silently leave a duty unscheduled)."""
    specs = {name: parse_spec(spec) for name, spec in defaults.items()}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, spec = part.partition("=")
        name = name.strip()
        if not sep or not _NAME.match(name):
            raise ScheduleError(f"schedule entry {part!r}: expected name=spec")
        if name not in defaults:
            raise ScheduleError(f"schedule {name!r} is unknown; known: {', '.join(sorted(defaults))}")
        specs[name] = parse_spec(spec)
    return specs


def first_run(spec: Spec, now: dt.datetime) -> dt.datetime | None:
    """When a newly seen schedule first fires: an interval at once, a daily time at its next
    occurrence."""
    if spec.kind == "every":
        return now
    return next_run(spec, now)


def next_run(spec: Spec, after: dt.datetime) -> dt.datetime | None:
    """The first firing strictly after ``after`` (aware); None when the schedule is off."""
    if spec.kind == "every":
        return after + dt.timedelta(seconds=spec.seconds)
    if spec.kind == "daily":
        local = after.astimezone(CHINA_TZ)
        candidate = dt.datetime.combine(local.date(), spec.at, tzinfo=CHINA_TZ)
        if candidate <= local:
            candidate += dt.timedelta(days=1)
        return candidate.astimezone(dt.timezone.utc)
    return None


def backoff_seconds(attempts: int, base: int, cap: int = 3600) -> int:
    """Wait before attempt ``attempts + 1``: base, 2 x base, 4 x base ... at most ``cap``."""
    if attempts < 1:
        return 0
    return min(cap, base * 2 ** min(attempts - 1, 30))


def exhausted(attempts: int, max_attempts: int) -> bool:
    return attempts >= max_attempts
