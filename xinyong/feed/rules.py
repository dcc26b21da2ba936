"""Pure rules of the change feed: when a change is due to be acknowledged, and from which
occurrence date on an unacknowledged change is overdue today.

QZ art. 36 para. 2 / NDRC Order 36: receiving systems update within 3 working days
(``deadline.feed.ack`` in the profile). A change that occurred on day d is due on
``calendar.add(d, n)``; it is overdue when today is after that day. Because ``add`` never
decreases as d grows, "overdue today" is the same as ``occurred_on <= cutoff`` for one cutoff
date: the overdue changes of every receiver are then counted with one grouped query."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from xinyong.law.loader import Profile, RuleNotInForce
from xinyong.workdays import WorkCalendar

ONE_DAY = dt.timedelta(days=1)
ACK_RULE = "deadline.feed.ack"
RECEIVER_RULE = "feed.receivers"
EVENT_KINDS = ("published", "publication_ended", "corrected", "repaired", "repair_revoked", "listed", "delisted",
               "objection_opened", "objection_closed",   # a record under objection is marked downstream too
               "tree_head")   # a signed head of the public transparency log (QZ art. 14(1), 15(2)): copies outside the platform
# events about no subject (a signed tree head) carry subject id 0
NO_SUBJECT = 0
# changes that show a record: only while it is in public view (xinyong/disclosure/publicity.py), when
# emitted and when read — a receiver reading a backlog today sees nothing of a record no longer public
REVEALING_KINDS = ("published", "corrected", "repair_revoked", "objection_opened", "objection_closed")
# changes that take a record down: only for a record once announced on the feed (a receiver may have it),
# and read only by a receiver that followed the feed when it was announced (it could have been shown it)
ENDING_KINDS = ("publication_ended", "repaired")
# the same two for list entries (details.entry_id): "listed" shows an entry, read only while the entry is
# on the public list (xinyong.lists.repository.in_force); "delisted" takes it down, read only by a
# receiver that followed the feed when the entry was listed
LIST_REVEALING_KINDS = ("listed",)
LIST_ENDING_KINDS = ("delisted",)


@dataclass(frozen=True)
class AckPolicy:
    working_days: int | None      # None: no acknowledgement deadline in force on that day
    citation: str
    reason: str


def ack_policy(profile: Profile, on: dt.date) -> AckPolicy:
    """The acknowledgement deadline in force on ``on``, with its citation."""
    try:
        rule = profile.rule(ACK_RULE, on)
    except RuleNotInForce:
        return AckPolicy(None, "", "no_ack_deadline_in_force")
    return AckPolicy(int(rule.value["working_days"]), str(rule.citation), "ack_within_working_days")


def ack_due(calendar: WorkCalendar, occurred_on: dt.date, working_days: int) -> dt.date:
    """The last day on which a change that occurred on ``occurred_on`` may be acknowledged."""
    return calendar.add(occurred_on, working_days).on


def is_overdue(calendar: WorkCalendar, occurred_on: dt.date, working_days: int, today: dt.date) -> bool:
    return today > ack_due(calendar, occurred_on, working_days)


def overdue_cutoff(calendar: WorkCalendar, today: dt.date, working_days: int) -> dt.date:
    """The latest occurrence date whose change is overdue today: every change with
    ``occurred_on <= cutoff`` (and only those) is past its acknowledgement day."""
    day = today - ONE_DAY
    while ack_due(calendar, day, working_days) >= today:
        day -= ONE_DAY
    return day


def receiver_refusal(org_kind: str, org_in_standing: bool, receiver_kinds: list[str]) -> str | None:
    """Why an organisation cannot be registered as a receiving system, or None (standing:
    xinyong.agencies.standing)."""
    if not org_in_standing:
        return "organisation_not_in_standing"
    if org_kind not in receiver_kinds:
        return "kind_not_a_receiver"
    return None


def may_self_register(org_kind: str, self_registering_kinds: list[str]) -> bool:
    """Credit service agencies follow the feed by right (QZ art. 36 para. 2): their first call
    registers them, from that moment on."""
    return org_kind in self_registering_kinds
