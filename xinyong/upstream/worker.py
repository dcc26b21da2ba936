"""The reporting pass of sharing upward: the feed's new changes into the outbox, then the due
submissions sent in batches, each batch in its own transaction, so a receipt once stored is never
lost to a later failure. Run by the worker job `upstream` and `xinyong upstream run`."""
from __future__ import annotations

import datetime as dt

from xinyong import clock
from xinyong.config import get_settings
from xinyong.upstream import repository
from xinyong.upstream.client import Upstream, UpstreamError, from_settings
from xinyong.upstream.service import PassReport, build_items, store


def run_pass(upstream: Upstream, now: dt.datetime | None = None, max_batches: int = 50) -> PassReport:
    """Queue the feed's new changes, then send what is due in batches, each batch in its own
    transaction (claimed rows are locked against a second worker until their receipts are stored)."""
    from xinyong.db import session_scope
    report, size = PassReport(), get_settings().upstream_batch_size
    now = now or clock.now()
    with session_scope() as session:
        report.queued = repository.enqueue_from_feed(session, now)
    for _ in range(max_batches):
        with session_scope() as session:
            rows = repository.claim_due(session, now, size)
            if not rows:
                break
            report.sent += len(rows)
            items = build_items(session, rows)
            try:
                receipts, error = upstream.submit(items), ""
            except UpstreamError as exc:
                receipts, error = None, str(exc)
                report.errors.append(error)
            store(session, rows, items, receipts, error, now, report)
            if receipts is None:
                break   # the upstream is down: the rest waits for its back-off too
    return report


def run_job(payload: dict) -> dict:
    """The worker job `upstream` (schedule `upstream`, default every 10 min)."""
    upstream = from_settings(get_settings())
    if upstream is None:
        return {"configured": False}
    return {"configured": True, **run_pass(upstream).as_dict()}
