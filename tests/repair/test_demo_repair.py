"""The demo city shows credit repair: repair-demo speaks for an enterprise with a record it can
repair today and one it cannot (with the reason and article); the record's source agency sees an
application in its queue; loading again changes nothing."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from xinyong.accounts.service import authenticate, principal_of
from xinyong.db import session_scope
from xinyong.demo import DEMO_PASSWORD, run_demo
from xinyong.demo.load import summary
from xinyong.models import User
from xinyong.repair import service
from xinyong.repair.service import Upload

TODAY = dt.date(2026, 11, 23)
PDF = b"%PDF-1.4\n%%EOF\n"


def test_the_demo_has_a_repairable_and_an_unrepairable_record_and_stays_idempotent(db, today):
    today(TODAY.isoformat())
    text = summary(run_demo(subjects=30, seed=7))
    assert "repair-demo" in text and "eligible today:" in text and "not eligible:" in text
    with session_scope() as s:
        user = authenticate(s, "repair-demo", DEMO_PASSWORD)
        items = service.eligibility(s, user.subject_id)
        eligible = [e for e in items if e.result.eligible]
        assert eligible and any(not e.result.eligible and e.result.blocking[0].citation for e in items)
        record = eligible[0].record
        app = service.apply(s, principal_of(user, "session"), subject_id=user.subject_id, record_id=record.id,
                            statement="", uploads=[Upload("commitment_letter", "c.pdf", "application/pdf", PDF)],
                            channel="online")
        assert app.status == "received"
        decider = s.scalar(select(User).where(User.role == "agency", User.agency_id == record.source_agency_id))
        assert decider is not None and decider.username.startswith("agency-")
        users = s.scalar(select(func.count()).select_from(User))
    again = run_demo(subjects=30, seed=7)
    assert not any(a.created for a in again.accounts if a.username == "repair-demo")
    with session_scope() as s:
        assert s.scalar(select(func.count()).select_from(User)) == users
        assert authenticate(s, "repair-demo", DEMO_PASSWORD).subject_id == user.subject_id
