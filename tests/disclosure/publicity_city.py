"""A generated city for the publicity crawl (tests/disclosure/test_publicity_crawl.py), seeded:
organisations and natural persons with penalties inside and outside their windows (some decided
in 2019, loaded today), records announced on the feed and expired since, repaired records,
government-breach records (not public by catalogue), two masked persons with the same surname.

Loaded on LOAD_DAY with a feed receiver already registered; then the platform clock moves to
CRAWL_DAY and the sweeps and the evaluation run, as they would in production."""
from __future__ import annotations

import dataclasses
import datetime as dt
import random

from sqlalchemy import select

from tests.evaluation.conftest import breach_row
from tests.support.builders import agency, to_csv
from xinyong.accounts.service import create_user
from xinyong.agencies.service import register
from xinyong.disclosure import sweep as disclosure_sweep
from xinyong.disclosure.publicity import in_public_view
from xinyong.evaluation import service as evaluation
from xinyong.feed import service as feed
from xinyong.feed import sweep as feed_sweep
from xinyong.ingest.service import ingest_file, ingest_rows
from xinyong.models import Record, Subject
from xinyong.registry import run_hook
from xinyong.repair.service import change_record
from xinyong.synthetic import make_resident_id, make_uscc, penalty_row

LOAD_DAY, CRAWL_DAY = "2026-06-01", "2027-06-01"
PW = "crawl-pass-2026"
KINDS = ("吊销许可证件", "罚款", "警告")     # serious, general, minor
SURNAMES = "林陈黄"


@dataclasses.dataclass
class City:
    public: dict[str, Record]           # decision_no -> record in public view on CRAWL_DAY
    hidden: dict[str, Record]           # decision_no -> record not in public view on CRAWL_DAY
    announced: set[str]                 # decision numbers in public view on LOAD_DAY (told to the feed)
    subjects: dict[int, Subject]
    persons_out_of_view: set[int]       # natural persons with no record in public view
    twins: tuple[int, int]              # two persons in view with the same masked name
    marker: dict[str, str]              # decision_no -> a content marker only that record carries


def _decision_day(rng: random.Random, where: str) -> dt.date:
    if where == "old":                  # long closed: loaded today, never public
        return dt.date(2019, 3, 1) + dt.timedelta(days=rng.randrange(600))
    if where == "ending":               # public on LOAD_DAY, closed by CRAWL_DAY (Order 58: 3 months - 3 years)
        return dt.date(2023, 6, 1) + dt.timedelta(days=rng.randrange(300))
    return dt.date(2026, 4, 5) + dt.timedelta(days=rng.randrange(50))


def _rows(rng: random.Random, regulator_uscc: str, n_orgs: int, n_persons: int) -> list[dict]:
    rows, seq = [], 0
    people = [(f"{SURNAMES[0]}晓{n}", make_resident_id(rng)) for n in range(2)]      # the twins
    people += [(f"{SURNAMES[1 + n % 2]}某{n}", make_resident_id(rng)) for n in range(n_persons)]
    orgs = [(f"泉州市巡检{n}贸易有限公司", make_uscc(rng)) for n in range(n_orgs)]
    for i, (name, ident) in enumerate(people + orgs):
        person = i < len(people)
        wheres = ["now"] if i < 2 else rng.sample(["now", "old", "ending", "old"], k=rng.randint(1, 3))
        for where in wheres:
            seq, day = seq + 1, _decision_day(rng, where)
            row = penalty_row(rng, name=name, subject_uscc="" if person else ident,
                              decision_no=f"泉巡罚〔{day.year}〕{seq}号", decision_date=day,
                              kind=KINDS[0] if i < 2 else rng.choice(KINDS),   # twins: serious, 3 years
                              agency_uscc=regulator_uscc, person_id=ident if person else None)
            row["违法行为类型"] = f"巡检标记{seq:04d}"
            rows.append(row)
    return rows


def build(session, set_today, seed: int = 22, n_orgs: int = 6, n_persons: int = 5) -> City:
    set_today(LOAD_DAY)
    rng = random.Random(seed)
    regulator = agency(session)
    cs = register(session, uscc=make_uscc(rng, kind="11"), name="泉州市巡检信用服务有限公司", kind="credit_service")
    create_user(session, username="cs1", password=PW, role="credit_service", agency_uscc=cs.uscc)
    feed.register_receiver(session, None, cs.id)           # follows every change from before the load
    rows = _rows(rng, regulator.uscc, n_orgs, n_persons)
    out = ingest_file(session, data=to_csv(rows), filename="p.csv", source_uscc=regulator.uscc, item_code="penalty")
    assert out.accepted == len(rows), out
    body_uscc = make_uscc(rng, kind="11")
    # government breaches are published by severity (QZ art. 26 para. 2): a serious one is in view,
    # a minor one is not published at all
    breaches = [breach_row("泉州市巡检区人民政府", body_uscc, "政巡〔2026〕1号", dt.date(2026, 5, 1), "严重"),
                breach_row("泉州市巡检区人民政府", body_uscc, "政巡〔2026〕2号", dt.date(2026, 5, 2), "轻微")]
    assert ingest_rows(session, rows=breaches, source_uscc=regulator.uscc, item_code="government_breach").accepted == 2
    load_day = dt.date.fromisoformat(LOAD_DAY)
    records = list(session.scalars(select(Record).order_by(Record.id)))
    announced = {r.decision_no for r in records if in_public_view(r, load_day)}
    twins = {r.subject_id for r in records if r.fields.get("subject_name", "").startswith(f"{SURNAMES[0]}晓")}
    _repair_some(session, rng, [r for r in records if r.decision_no in announced and r.subject_id not in twins],
                 load_day)
    session.commit()

    set_today(CRAWL_DAY)
    crawl_day = dt.date.fromisoformat(CRAWL_DAY)
    disclosure_sweep.run_sweep(session, crawl_day)
    feed_sweep.run_sweep(session, crawl_day)
    evaluation.recompute_full(session)
    session.commit()
    return _city(session, records, announced, crawl_day, rows)


def _repair_some(session, rng: random.Random, candidates: list[Record], day: dt.date) -> None:
    """Repair approved (its effect on the record and the hooks, as repair.service.approve does)."""
    for record in rng.sample(candidates, k=max(2, len(candidates) // 5)):
        change_record(session, record, None, "信用修复（巡检）", status="repaired")
        run_hook("on_records_repaired", session, record.subject_id, [record.id], day)


def _city(session, records: list[Record], announced: set[str], today: dt.date, rows: list[dict]) -> City:
    for r in records:
        session.refresh(r)
    public = {r.decision_no: r for r in records if in_public_view(r, today)}
    hidden = {r.decision_no: r for r in records if not in_public_view(r, today)}
    subjects = {s.id: s for s in session.scalars(select(Subject))}
    in_view = {r.subject_id for r in public.values()}
    persons = {sid for sid, s in subjects.items() if s.kind == "natural_person"}
    twins = tuple(sorted(s.id for s in subjects.values() if s.name.startswith(f"{SURNAMES[0]}晓")))
    marker = {row["行政处罚决定书文号"]: row["违法行为类型"] for row in rows}
    return City(public, hidden, announced, subjects, persons - in_view, twins, marker)
