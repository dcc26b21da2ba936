"""Credit repair in the demo city: firm-demo's enterprise gets one penalty it can apply to repair
today (general severity, past its 3-month minimum publicity) and one it cannot yet (inside the
minimum), both sent by the market regulator through the ingest service like any batch. The
enterprise applies at /me/repair; agency-scjg (or staff) decides at /repair/queue. Idempotent:
decisions already present are not sent again."""
from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.ingest.service import ingest_file
from xinyong.models import Agency, Record, Subject, User
from xinyong.repair import service
from xinyong.synthetic import penalty_row, to_csv

REGULATOR = "agency-scjg"
# (suffix, days before today): past the 3-month minimum, and inside it
DECISIONS = (("XF1", 150), ("XF2", 30))
BASIS = "《中华人民共和国广告法》第五十八条"   # not a 1-year sector (Order 58): the 3-month minimum applies


def load(session: Session, ctx) -> list[str]:
    firm = session.scalar(select(User).where(User.username == "firm-demo"))
    regulator_user = session.scalar(select(User).where(User.username == REGULATOR))
    if firm is None or firm.subject_id is None or regulator_user is None or regulator_user.agency_id is None:
        return ["", "Credit repair: skipped (no firm-demo or agency-scjg account in this demo)"]
    subject = session.get(Subject, firm.subject_id)
    regulator = session.get(Agency, regulator_user.agency_id)
    numbers = {suffix: f"泉市监罚〔{(ctx.today - dt.timedelta(days=days)).year}〕{suffix}-{subject.id}号"
               for suffix, days in DECISIONS}
    have = set(session.scalars(select(Record.decision_no).where(Record.subject_id == subject.id,
                                                                Record.decision_no.in_(list(numbers.values())))))
    rows = []
    rng = random.Random(subject.id)
    for suffix, days in DECISIONS:
        if numbers[suffix] in have:
            continue
        row = penalty_row(rng, name=subject.name, subject_uscc=subject.uscc, decision_no=numbers[suffix],
                          decision_date=ctx.today - dt.timedelta(days=days), kind="罚款", fine_wan="2",
                          agency_name=regulator.name, agency_uscc=regulator.uscc, legal_rep=subject.legal_rep_name or "张三")
        row.update({"处罚依据": BASIS, "违法行为类型": "发布虚假广告", "违法事实": "在网店页面发布虚假宣传内容"})
        rows.append(row)
    if rows:
        outcome = ingest_file(session, data=to_csv(rows), filename="repair-demo.csv", source_uscc=regulator.uscc,
                              item_code="penalty")
        if outcome.status != "completed":
            return ["", f"Credit repair: the demo penalties were refused by ingest ({outcome.status})"]
    results = {e.record.decision_no: e.result for e in service.eligibility(session, subject.id, ctx.today)}
    eligible, early = results.get(numbers["XF1"]), results.get(numbers["XF2"])
    lines = ["", "Credit repair (信用修复: eligibility with reasons and articles, apply, decide within deadlines)"]
    if eligible is not None:
        state = "eligible" if eligible.eligible else "NOT eligible: " + "; ".join(r.code for r in eligible.blocking)
        lines.append(f"  firm-demo: {numbers['XF1']} is {state} today (general penalty past its minimum publicity)")
    if early is not None:
        when = early.from_date.isoformat() if early.from_date else "-"
        lines.append(f"  firm-demo: {numbers['XF2']} is not eligible until {when} (minimum publicity period);")
        lines.append("            see both with reasons and articles at /me/repair, apply with a commitment letter (PDF/JPG/PNG)")
    lines.append(f"  {REGULATOR} (the deciding body) or staff accept and approve at /repair/queue; after approval the")
    lines.append("            record leaves the public subject page; staff file for a subject at /repair/window")
    return lines
