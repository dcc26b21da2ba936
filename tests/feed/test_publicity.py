"""The feed tells only what is in public view (issue #10 point 2; QZ art. 22, NDRC Order 36):
a receiver reading the feed after 2019 penalties were loaded today sees nothing of them — no
"published", no objection marks, no "publication ended" for a record it was never told of."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from tests.feed.support import world
from tests.support.builders import penalty_rows, to_csv
from xinyong.accounts.tokens import issue_token
from xinyong.disclosure import sweep as disclosure_sweep
from xinyong.feed import service
from xinyong.feed import sweep as feed_sweep
from xinyong.ingest.service import ingest_file
from xinyong.models import Record


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
