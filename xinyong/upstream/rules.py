"""Pure rules of sharing upward: which change of the feed becomes which submission, the
national 双公示 layout of a record, the wait before a retry, and the working-day span rule of
timeliness. No I/O."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from xinyong.law.loader import Profile, RuleNotInForce
from xinyong.workdays import WorkCalendar

DEADLINE_RULE = "deadline.upstream.shuanggongshi"
# feed event kind -> the action the upstream hears: a publication, a correction (a new version
# replaces the held one), a repair or a withdrawal (the upstream stops showing it), a list entry
ACTIONS = {"published": "publish", "corrected": "correct", "repair_revoked": "republish",
           "repaired": "repair", "publication_ended": "withdraw", "listed": "list", "delisted": "delist"}
FEED_KINDS = tuple(ACTIONS)
# actions after which the upstream no longer shows the item
ENDING = ("repair", "withdraw", "delist")
ACTION_LABELS = {"publish": ("公示", "publication"), "republish": ("撤销修复后重新公示", "republication"),
                 "resend": ("对账补报", "resend"), "correct": ("更正", "correction"),
                 "repair": ("信用修复", "repair"), "withdraw": ("撤下", "withdrawal"),
                 "list": ("列入名单", "list entry"), "delist": ("移出名单", "list removal")}


def record_key(record_id: int) -> str:
    return f"record:{record_id}"


def list_key(entry_id: int) -> str:
    return f"list:{entry_id}"


def backoff_seconds(attempts: int, base: int, cap: int) -> int:
    """Wait after the ``attempts``-th failure: base, 2 x base, 4 x base ... at most ``cap``."""
    if attempts < 1:
        return 0
    return min(cap, base * 2 ** min(attempts - 1, 30))


def national_layout(item, fields: dict, stored: dict | None = None) -> dict:
    """A record's fields under the national 双公示 column names (the catalogue item's header_zh),
    only the columns the record has; other catalogue items keep their own headers, which are the
    catalogue's national names too. ``stored`` gives, by field role, what the platform keeps in
    typed columns rather than in the fields (decision number and dates, codes, subject kind as the
    platform's meaning, mapped back to the standard's code). Sensitive identifiers (a natural person's ID number) are not
    sent upward."""
    out, stored = {}, stored or {}
    for f in item.fields:
        if f.sensitive:
            continue
        value = fields.get(f.code, stored.get(f.role) if f.role else None)
        if f.type == "subject_kind" and value is not None:
            value = next((code for code, meaning in f.meanings.items() if meaning == value), value)
        if value not in (None, ""):
            out[f.header_zh] = value
    return out


@dataclass(frozen=True)
class DeadlinePolicy:
    working_days: int | None
    items: tuple[str, ...]
    citation: str


def deadline_policy(profile: Profile, on: dt.date) -> DeadlinePolicy:
    try:
        rule = profile.rule(DEADLINE_RULE, on)
    except RuleNotInForce:
        return DeadlinePolicy(None, (), "")
    return DeadlinePolicy(int(rule.value["working_days"]), tuple(rule.value.get("items") or ()), str(rule.citation))


def working_span(calendar: WorkCalendar, start: dt.date, end: dt.date) -> int:
    """Working days from ``start`` to ``end`` (the start day itself never counts; 0 when end <= start)."""
    return calendar.between(start, end)


def within(calendar: WorkCalendar, decided: dt.date, acknowledged: dt.date, working_days: int) -> bool:
    """Reported in time: acknowledged on or before the ``working_days``-th working day after the
    decision. Not the same as ``working_span <= working_days``: an acknowledgement on the weekend
    after the last working day has spanned no further working day, yet the period ended with that
    working day (tests/upstream/test_rules.py states the exact relation)."""
    return acknowledged <= calendar.add(decided, working_days).on
