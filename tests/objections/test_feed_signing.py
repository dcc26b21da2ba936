"""The path that hung `xinyong demo` under the withdrawn feed lock (docs/RELIABILITY.md, "Feed
delivery never skips a late commit"), with automatic tree-head signing on as in production (the
suite runs with it off): the demo's market step ingests a batch inside the caller's transaction
(ingest_rows(commit=False): the feed hook writes "published" there) and then files an objection
to the new record; filing's savepoint commit runs the after-commit tree-head signer
(xinyong/transparency/trigger.py), whose own sessions sign a head and write a "tree_head" event
while the first transaction is still open. Nothing may wait on that open transaction."""
from __future__ import annotations

import datetime as dt
import random
import threading
import time

import pytest
from sqlalchemy import event, select, text

from xinyong.config import reset_settings
from xinyong.db import session_scope
from xinyong.feed import repository
from xinyong.ingest.service import ingest_rows
from xinyong.models import Record, Subject
from xinyong.objections import service
from xinyong.synthetic import penalty_row

# SQLite has one write transaction at a time: there the signer's session waits out its 30 s busy
# timeout behind the open step and fails quietly (logged; the next trigger signs), as it always did
pytestmark = pytest.mark.parametrize("backend", ["postgresql"])


def _lock_waits_fail_after_10_s(engine) -> None:
    """A hang becomes an error: every connection handed out gives up a lock wait after 10 s."""
    def bounded(dbapi, _record, _proxy) -> None:
        with dbapi.cursor() as cur:
            cur.execute("SET lock_timeout = '10s'")
    event.listen(engine, "checkout", bounded)


def test_a_batch_and_an_objection_in_one_transaction_with_automatic_signing(world, db, monkeypatch):
    monkeypatch.setenv("XINYONG_TRANSPARENCY_AUTO", "1")
    reset_settings()
    s = world.session
    s.commit()
    _lock_waits_fail_after_10_s(s.get_bind().engine)
    s.close()   # the next checkout sets the bound on this session's connection too
    firm = s.get(Subject, world.enterprise_id)
    agency = world.orgs["scjg"]
    row = penalty_row(random.Random(5), name=firm.name, subject_uscc=firm.uscc, decision_no="泉市监罚〔2026〕301号",
                      decision_date=dt.date(2026, 8, 1), agency_name=agency.name, agency_uscc=agency.uscc)
    before = s.scalar(text("SELECT coalesce(max(id), 0) FROM feed_events"))
    outcome: dict[str, object] = {}

    def market_step() -> None:
        try:
            batch = ingest_rows(s, rows=[row], source_uscc=agency.uscc, item_code="penalty",
                                actor=world.principal("scjg"), commit=False)
            record = s.scalar(select(Record).where(Record.batch_id == batch.batch_id))
            service.file_objection(s, world.principal("firm"), record_id=record.id, grounds=["error"],
                                   reasons="该处罚决定日期记载有误，应为2026年7月1日（测试）。", channel="web")
            s.commit()
        except BaseException as exc:   # reported by the assertion below
            outcome["error"] = exc
            s.rollback()

    started = time.monotonic()
    thread = threading.Thread(target=market_step, daemon=True)
    thread.start()
    thread.join(90)
    assert not thread.is_alive(), "the market step hung"
    assert "error" not in outcome, outcome.get("error")
    with session_scope(db) as session:
        kinds = list(session.scalars(text("SELECT kind FROM feed_events WHERE id > :b ORDER BY id"), {"b": before}))
        newest = session.scalar(text("SELECT max(id) FROM feed_events"))
        assert repository.delivery_horizon(session) == newest   # nothing left in flight
    # the signer's head was written while the step's transaction was open: its event is the first
    # to commit, the step's own ("published", "objection_opened") follow it or precede it by id
    assert sorted(kinds) == ["objection_opened", "published", "tree_head"], kinds
    assert time.monotonic() - started < 60
