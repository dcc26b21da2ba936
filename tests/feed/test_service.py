"""The change feed on both backends: events from ingest (published, corrected), the sweep
(publication ended) and repair hooks; receivers, acknowledgements and the grouped overdue count."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from tests.feed.support import events, ingest, published_count, world
from tests.support.builders import to_csv
from xinyong.feed import hooks, service, sweep
from xinyong.ingest.service import ingest_file
from xinyong.kit.access import Principal
from xinyong.models import Record
from xinyong.models.feed import FeedAck

STAFF = Principal(user_id=None, username="staff-test", role="staff")


def test_ingest_emits_one_published_event_per_public_record(session, today):
    today("2026-11-23")
    regulator, _, _ = world(session)
    _, out = ingest(session, regulator, 8)
    published = published_count(session, out.batch_id)
    assert published > 0
    found = events(session)
    assert len(found) == published and {e.kind for e in found} == {"published"}
    assert all(e.occurred_on == dt.date(2026, 11, 23) and "QZ art. 36" in e.citation for e in found)
    assert all(e.details["decision_no"].startswith("泉市监罚") for e in found)


def test_a_changed_resend_is_corrected_and_an_identical_one_emits_nothing(session, today):
    today("2026-11-23")
    regulator, _, _ = world(session)
    rows, _ = ingest(session, regulator, 4)
    before = len(events(session))
    ingest_file(session, data=to_csv(rows), filename="p.csv", source_uscc=regulator.uscc, item_code="penalty")
    assert len(events(session)) == before        # identical re-send: nothing changed, nothing to follow
    rows[0] = {**rows[0], **{k: v + "（更正）" for k, v in rows[0].items() if k.startswith("违法行为类型")}}
    changed = ingest_file(session, data=to_csv(rows), filename="p2.csv", source_uscc=regulator.uscc,
                          item_code="penalty", change_reason="更正违法行为类型")
    assert changed.updated == 1, changed
    corrected = events(session, "corrected")
    assert len(corrected) == published_count(session, changed.batch_id)
    assert all(e.details["version"] == 2 for e in corrected)


def test_sweep_emits_publication_ended_once(session, today):
    today("2026-11-23")
    regulator, _, _ = world(session)
    _, out = ingest(session, regulator, 5)
    ids = [r.id for r in session.query(Record).filter(Record.batch_id == out.batch_id).limit(2)]
    session.execute(update(Record).where(Record.id.in_(ids)).values(publicity_ended_on=dt.date(2026, 11, 23)))
    first = sweep.run_sweep(session, dt.date(2026, 11, 23))
    again = sweep.run_sweep(session, dt.date(2026, 11, 24))
    assert first["feed_publication_ended"] == 2 and again["feed_publication_ended"] == 0
    assert sorted(e.record_id for e in events(session, "publication_ended")) == sorted(ids)


def test_repair_hooks_emit_their_kinds(session, today):
    today("2026-11-23")
    regulator, _, _ = world(session)
    _, out = ingest(session, regulator, 3)
    rec = session.query(Record).filter(Record.batch_id == out.batch_id).first()
    hooks.on_records_repaired(session, rec.subject_id, [rec.id], dt.date(2026, 11, 23))
    hooks.on_repair_revoked(session, rec.subject_id, [rec.id], dt.date(2026, 11, 24))
    hooks.on_records_corrected(session, rec.subject_id, [rec.id, rec.id], dt.date(2026, 11, 24))
    kinds = [(e.kind, e.record_id, e.occurred_on) for e in events(session) if e.kind != "published"]
    assert kinds == [("repaired", rec.id, dt.date(2026, 11, 23)), ("repair_revoked", rec.id, dt.date(2026, 11, 24)),
                     ("corrected", rec.id, dt.date(2026, 11, 24))]


def test_overdue_after_three_working_days_and_acknowledging_clears(session, today):
    today("2026-11-20")   # a Friday
    regulator, cs, bank = world(session)
    receiver = service.register_receiver(session, STAFF, cs.id)
    bank_receiver = service.register_receiver(session, STAFF, bank.id)
    _, out = ingest(session, regulator, 6)
    n = published_count(session, out.batch_id)
    on_time = service.status_of(session, receiver, today=dt.date(2026, 11, 25))   # Wednesday: the last day
    assert (on_time.unacknowledged, on_time.overdue) == (n, 0)
    late = {s.receiver.id: s for s in service.statuses(session, today=dt.date(2026, 11, 26))}
    assert late[receiver.id].overdue == n and late[bank_receiver.id].overdue == n
    assert late[receiver.id].oldest_due_on == dt.date(2026, 11, 25)
    first_ids = [e.id for e in events(session)]
    # single ids above the watermark, then the gap is closed and the watermark moves over them
    service.acknowledge(session, STAFF, receiver, ids=first_ids[1:])
    assert session.query(FeedAck).count() == len(first_ids) - 1
    partial = service.status_of(session, receiver, today=dt.date(2026, 11, 26))
    assert (partial.unacknowledged, partial.overdue) == (1, 1)
    service.acknowledge(session, STAFF, receiver, ids=[first_ids[0]])
    done = service.status_of(session, receiver, today=dt.date(2026, 11, 26))
    assert (done.unacknowledged, done.overdue) == (0, 0)
    assert receiver.acked_through_id == first_ids[-1] and session.query(FeedAck).count() == 0
    # the bank is still overdue: acknowledgements are per receiver
    assert service.status_of(session, bank_receiver, today=dt.date(2026, 11, 26)).overdue == n


def test_a_receiver_follows_only_changes_after_its_registration(session, today):
    today("2026-11-20")
    regulator, cs, _ = world(session)
    ingest(session, regulator, 4)
    receiver = service.register_receiver(session, STAFF, cs.id)
    status = service.status_of(session, receiver, today=dt.date(2026, 12, 31))
    assert (status.unacknowledged, status.overdue) == (0, 0)
    service.acknowledge(session, STAFF, receiver, up_to=10**9)   # never past the newest event
    assert receiver.acked_through_id == receiver.start_after_event_id
