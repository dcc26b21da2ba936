"""The demo city shows an objection: firm-demo's record is marked under objection, the summary
names the record and the agency account that resolves it — and loading it again files nothing
new."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from xinyong.db import session_scope
from xinyong.demo import run_demo
from xinyong.demo.load import summary
from xinyong.models import Record, User
from xinyong.models.objection import Objection

TODAY = dt.date(2026, 11, 23)


def test_the_demo_files_one_open_objection_and_stays_idempotent(db, today):
    today(TODAY.isoformat())
    text = summary(run_demo(subjects=30, seed=7))
    assert "Objections (异议" in text and "resolve it as the source agency: sign in as agency-" in text
    with session_scope() as s:
        # one objection to a public credit record; the market step files its own to market information
        [objection] = s.scalars(select(Objection).join(Record, Record.id == Objection.record_id)
                                .where(Record.disclosure != "market")).all()
        filed = s.scalar(select(func.count(Objection.id)))
        firm = s.scalar(select(User).where(User.username == "firm-demo"))
        assert objection.subject_id == firm.subject_id and objection.status == "open"
        assert s.get(Record, objection.record_id).under_objection is True
        agency = s.scalar(select(User.username).where(User.agency_id == objection.source_agency_id))
        assert f"sign in as {agency}" in text and f"/agency/objections/{objection.id}" in text
    text = summary(run_demo(subjects=30, seed=7))
    with session_scope() as s:
        assert s.scalar(select(func.count(Objection.id))) == filed
    assert "kept (open)" in text
