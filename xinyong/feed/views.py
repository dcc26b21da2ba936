"""Shaping feed events for the API and pages (due dates computed per distinct date)."""
from __future__ import annotations

from functools import lru_cache

from xinyong.feed import repository, service
from xinyong.feed.schemas import FeedEventOut, FeedPage
from xinyong.models.org_roles import roles_with

RECEIVER_ROLES = roles_with("receive_feed")


def feed_page(session, receiver, after: int | None, limit: int, unacked_only: bool) -> FeedPage:
    c = service.ack_clock(session)
    due = lru_cache(maxsize=None)(c.due)
    start = receiver.acked_through_id if after is None else after
    rows = repository.events_for(session, receiver, start, limit + 1, unacked_only)
    more = len(rows) > limit
    rows = rows[:limit]
    events = []
    for e, acked in rows:
        due_on = due(e.occurred_on)
        events.append(FeedEventOut(id=e.id, kind=e.kind, subject_id=e.subject_id, record_id=e.record_id,
                                   occurred_on=e.occurred_on, details=e.details or {}, citation=e.citation,
                                   acknowledged=acked, ack_due_on=due_on,
                                   overdue=(not acked) and due_on is not None and c.today > due_on))
    return FeedPage(receiver_id=receiver.id, acknowledged_through=receiver.acked_through_id, events=events,
                    next_after=events[-1].id if more and events else None, citation=c.policy.citation)
