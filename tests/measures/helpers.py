"""Builders for measures and commitments tests: lists synced and published, a subject with a
record of a given severity (through ingest), an agency principal."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from tests.support.builders import agency, agency_user, penalty_rows, staff_user
from xinyong.accounts.service import principal_of
from xinyong.ingest.service import ingest_rows
from xinyong.measures import service
from xinyong.models import Record, Subject
from xinyong.models.measure import MeasureList


def published_lists(session, staff):
    service.sync(session, None)
    for lst in session.scalars(select(MeasureList).where(MeasureList.status == "draft")):
        service.publish(session, staff, lst.id, f"泉信用办〔2026〕{lst.id}号")
    session.flush()


def setup(session):
    ag = agency(session)
    user = agency_user(session, ag.uscc)
    staff = staff_user(session)
    return ag, principal_of(user, "session"), principal_of(staff, "session")


def subject_with_record(session, ag, severity: str, seed: int = 1, decided: dt.date = dt.date(2026, 5, 4)):
    """One legal person with one penalty record of the given severity (轻微/一般/严重)."""
    rows = penalty_rows(1, ag.uscc, seed=seed, start=decided, prefix=f"测罚{seed}")
    rows[0]["失信严重程度"] = severity
    outcome = ingest_rows(session, rows=rows, source_uscc=ag.uscc, item_code="penalty")
    assert outcome.accepted == 1, outcome
    record = session.scalar(select(Record).where(Record.batch_id == outcome.batch_id))
    return session.get(Subject, record.subject_id), record
