"""The feed tells only what is in public view (issue #10 point 2; QZ art. 22, NDRC Order 36):
a receiver reading the feed after 2019 penalties were loaded today sees nothing of them — no
"published", no objection marks, no "publication ended" for a record it was never told of. A
receiver registered later, with a backlog, hears no ending of a record or list entry announced
before its start, and no listing of an entry since removed."""
from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select

from tests.feed.support import world
from tests.lists.support import build, run_to_publication
from tests.support.builders import penalty_rows, to_csv
from xinyong.accounts.tokens import issue_token
from xinyong.agencies.service import register
from xinyong.disclosure import sweep as disclosure_sweep
from xinyong.feed import repository, rules, service, views
from xinyong.feed import sweep as feed_sweep
from xinyong.ingest.service import ingest_file
from xinyong.lists import service as lists
from xinyong.models import Record
from xinyong.synthetic import make_uscc


def _read(client, session) -> list[dict]:
    headers = {"Authorization": f"Bearer {issue_token(session, 'cs1')}"}
    session.commit()
    return client.get("/api/v1/feed", params={"after": 0, "limit": 1000}, headers=headers).json()["events"]


def test_a_receiver_reading_after_2019_penalties_were_loaded_sees_nothing_of_them(session, client, today):
    today("2026-06-01")
    regulator, cs, _ = world(session)
    service.register_receiver(session, None, cs.id)
    old = penalty_rows(4, regulator.uscc, seed=19, start=dt.date(2019, 3, 1), persons=2, prefix="泉旧罚")
    new = penalty_rows(2, regulator.uscc, seed=26, start=dt.date(2026, 5, 1), prefix="泉新罚")
    for rows in (old, new):
        out = ingest_file(session, data=to_csv(rows), filename="p.csv", source_uscc=regulator.uscc, item_code="penalty")
        assert out.accepted == len(rows)
    old_ids = list(session.scalars(select(Record.id).where(Record.decision_no.like("泉旧罚%"))))
    assert len(old_ids) == 4
    # an objection to an old record, opened and closed: nothing to tell receivers either
    assert service.emit_for_records(session, "objection_opened", old_ids) == 0
    assert service.emit_for_records(session, "objection_closed", old_ids) == 0
    disclosure_sweep.run_sweep(session, dt.date(2026, 6, 1))      # marks the 2019 windows as ended
    assert feed_sweep.run_sweep(session, dt.date(2026, 6, 1))["feed_publication_ended"] == 0
    session.commit()

    events = _read(client, session)
    told = {e["details"]["decision_no"] for e in events}
    assert told == {r["行政处罚决定书文号"] for r in new}
    assert {e["kind"] for e in events} == {"published"}
    assert not set(old_ids) & {e["record_id"] for e in events}


def _kinds_of(session, receiver) -> list[tuple[str, int | None, int | None]]:
    """(kind, record id, entry id) of what the receiver reads, and its unacknowledged count agrees."""
    page = views.feed_page(session, receiver, None, 1000, False)
    assert service.status_of(session, receiver).unacknowledged == len(page.events)   # counted as read
    return [(e.kind, e.record_id, e.details.get("entry_id")) for e in page.events]


def test_a_receiver_registered_later_hears_no_ending_of_a_record_announced_before_it(session, today):
    """A receiver registered with a backlog reads the publication ended of a record only when the
    record's publication came after its start (it could have been shown it): of two 2023 penalties
    whose windows end in June 2026, it hears the end of the one inside its backlog, not of the one
    announced before; a receiver there from the start hears both."""
    today("2026-06-01")
    regulator, cs, bank = world(session)
    early = service.register_receiver(session, None, cs.id)
    old = penalty_rows(2, regulator.uscc, seed=23, start=dt.date(2023, 6, 5), prefix="泉旧罚")
    new = penalty_rows(2, regulator.uscc, seed=26, start=dt.date(2026, 5, 1), prefix="泉新罚")
    for rows in (old, new):
        assert ingest_file(session, data=to_csv(rows), filename="p.csv", source_uscc=regulator.uscc,
                           item_code="penalty").accepted == 2
    first, second = session.scalars(select(Record.id).where(Record.decision_no.like("泉旧罚%")).order_by(Record.id))
    late = service.register_receiver(session, None, bank.id, backlog=3)   # from the second old publication on
    assert [k for k, *_ in _kinds_of(session, late)] == ["published"] * 3
    today("2026-06-15")
    disclosure_sweep.run_sweep(session, dt.date(2026, 6, 15))
    assert feed_sweep.run_sweep(session, dt.date(2026, 6, 15))["feed_publication_ended"] == 2
    session.flush()
    ended = [("publication_ended", first, None), ("publication_ended", second, None)]
    assert [k for k in _kinds_of(session, early) if k[0] == "publication_ended"] == ended
    assert [k for k in _kinds_of(session, late) if k[0] == "publication_ended"] == ended[1:]
    assert {k for k, *_ in _kinds_of(session, late)} == {"published", "publication_ended"}
    # overdue counts the same: three working days on, the late receiver is overdue for what it reads
    today("2026-06-25")
    status = service.status_of(session, late)
    assert status.overdue == status.unacknowledged == len(_kinds_of(session, late)) == 3
    assert repository.receivers_with_counts(session, None, receiver_id=late.id)[0][2] == 3


def test_a_list_entry_is_told_only_while_on_the_list_and_its_removal_only_to_who_could_know_it(session, today):
    """"listed" is read only while the entry is on the public list; "delisted" only by a receiver
    that followed the feed when the entry was listed. Three receivers: one from the start, one
    whose backlog takes in the listing, one whose backlog starts after it."""
    today("2026-06-01")
    w = build(session)
    bank = register(session, uscc=make_uscc(random.Random(5), kind="11"), name="泉州市示范银行", kind="financial")
    early = service.register_receiver(session, None, w.agency_id)
    entry = run_to_publication(session, w, today)
    service.emit(session, "tree_head", [{"subject_id": rules.NO_SUBJECT, "details": {"size": 1}}])   # a later change
    session.flush()
    middle = service.register_receiver(session, None, w.other_agency.agency_id, backlog=2)   # takes in the listing
    late = service.register_receiver(session, None, bank.id, backlog=1)                    # only the tree head
    listed = ("listed", None, entry.id)
    assert listed in _kinds_of(session, early) and listed in _kinds_of(session, middle)
    assert _kinds_of(session, late) == [("tree_head", None, None)]

    lists.remove(session, w.staff, entry.id, "失信行为已纠正，满足移出条件")
    session.flush()
    delisted = ("delisted", None, entry.id)
    for receiver in (early, middle):
        read = _kinds_of(session, receiver)
        assert delisted in read and listed not in read   # no longer on the list: its listing is not told
    assert _kinds_of(session, late) == [("tree_head", None, None)]
