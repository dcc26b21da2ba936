"""The demo city shows the query gate: subject accounts, non-public information, a published
and a draft query item — and loading it again changes none of them."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from xinyong.access import gate
from xinyong.access.views import read_profile
from xinyong.accounts.service import authenticate, principal_of
from xinyong.db import session_scope
from xinyong.demo import DEMO_PASSWORD, run_demo
from xinyong.demo.load import summary
from xinyong.models import QueryItem, Subject, User

TODAY = dt.date(2026, 11, 23)


def test_the_demo_shows_the_gate_and_stays_idempotent(db, today):
    today(TODAY.isoformat())
    report = run_demo(subjects=30, seed=7)
    text = summary(report)
    for username in ("firm-demo", "person-demo", "auditor"):
        assert f"  {username}" in text
    assert "Query gate" in text and "query item" in text
    with session_scope() as s:
        firm = authenticate(s, "firm-demo", DEMO_PASSWORD)
        person = authenticate(s, "person-demo", DEMO_PASSWORD)
        assert s.get(Subject, person.subject_id).kind == "natural_person"
        assert {q.status for q in s.scalars(select(QueryItem))} == {"published", "draft"}
        published = s.scalars(select(QueryItem).where(QueryItem.status == "published")).one()
        # the enterprise's own view shows a penalty the portal no longer shows
        own = read_profile(s, principal_of(firm, "session"), firm.subject_id, ["penalty", "licence"], "",
                           gate.BasisRequest("self"))
        assert own.decision.allowed and any(r.visibility == "publicity_ended" for r in own.profile.records)
        # the market regulator may read it under its published query item, for that matter only
        scjg = principal_of(s.scalar(select(User).where(User.username == "agency-scjg")), "session")
        allowed = read_profile(s, scjg, firm.subject_id, ["penalty"], published.matter,
                               gate.BasisRequest("query_item", str(published.id)))
        assert allowed.decision.allowed
        users = s.scalar(select(func.count()).select_from(User))
    again = run_demo(subjects=30, seed=7)
    assert not any(a.created for a in again.accounts)
    with session_scope() as s:
        assert s.scalar(select(func.count()).select_from(User)) == users
        assert s.scalar(select(func.count()).select_from(QueryItem)) == 2
