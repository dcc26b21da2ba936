"""Data for the feed tests: a regulator's published penalties, a credit service agency and a bank."""
from __future__ import annotations

import random

from sqlalchemy import func, select

from tests.support.builders import agency, penalty_rows, to_csv
from xinyong.accounts.service import create_user
from xinyong.agencies.service import register
from xinyong.ingest.service import ingest_file
from xinyong.models import FeedEvent, Record
from xinyong.synthetic import make_uscc

PW = "feed-pass-1234"


def world(session, n: int = 6):
    regulator = agency(session)
    rng = random.Random(36)
    cs = register(session, uscc=make_uscc(rng, kind="11"), name="泉州市示范信用服务有限公司", kind="credit_service")
    bank = register(session, uscc=make_uscc(rng, kind="11"), name="泉州市示范银行", kind="financial")
    create_user(session, username="cs1", password=PW, role="credit_service", agency_uscc=cs.uscc)
    create_user(session, username="bank1", password=PW, role="financial", agency_uscc=bank.uscc)
    create_user(session, username="staff1", password=PW, role="staff")
    return regulator, cs, bank


def ingest(session, regulator, n: int = 6, seed: int = 1, prefix: str = "泉市监罚"):
    rows = penalty_rows(n, regulator.uscc, seed=seed, prefix=prefix)
    out = ingest_file(session, data=to_csv(rows), filename="p.csv", source_uscc=regulator.uscc, item_code="penalty")
    return rows, out


def published_count(session, batch_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Record).where(
        Record.batch_id == batch_id, Record.publicity_published.is_(True)))


def events(session, kind: str | None = None) -> list[FeedEvent]:
    q = select(FeedEvent).order_by(FeedEvent.id)
    if kind:
        q = q.where(FeedEvent.kind == kind)
    return list(session.scalars(q))
