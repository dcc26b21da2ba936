"""Credit repair in the demo city. firm-demo's enterprise is chosen by the access step for having
no public penalty at all, so it has nothing to repair; adding records to it would change what the
access step picks on a re-run (and add a batch that is no city file). So credit repair gets its
own subject account, repair-demo, for the first enterprise of the city with a general penalty it
can repair today (past its minimum publicity) and a penalty it cannot yet (inside the minimum) —
or, failing that, any record it cannot repair. Made with the real account service; the records
are the city's own. Idempotent: an existing repair-demo account is kept with its subject."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, aliased

from xinyong.accounts.service import create_user
from xinyong.models import Record, Subject, User
from xinyong.repair import service

USERNAME = "repair-demo"
CANDIDATES = 40


def load(session: Session, ctx) -> list[str]:
    from xinyong.demo.load import Account

    user = session.scalar(select(User).where(User.username == USERNAME))
    subject = session.get(Subject, user.subject_id) if user is not None and user.subject_id else None
    items = service.eligibility(session, subject.id, ctx.today) if subject is not None else []
    if subject is None:
        subject, items = _pick(session, ctx.today)
        if subject is None:
            return ["", "Credit repair: no enterprise in this city has a penalty that can be repaired today"]
        display = f"{subject.name}（信用修复演示账户）"
        create_user(session, username=USERNAME, password=ctx.password, role="subject", display_name=display,
                    subject_uscc=subject.uscc)
        ctx.accounts.append(Account(USERNAME, "subject", display, True))
    else:
        ctx.accounts.append(Account(USERNAME, "subject", user.display_name, False))
    eligible = next((e for e in items if e.result.eligible), None)
    waiting = next((e for e in items if not e.result.eligible and e.result.from_date), None)
    other = waiting or next((e for e in items if not e.result.eligible), None)
    lines = ["", "Credit repair (信用修复: eligibility with reasons and articles, apply, decide within deadlines)",
             f"  {USERNAME} speaks for {subject.name} ({subject.uscc}); firm-demo's enterprise has no public penalty,"
             " so nothing to repair"]
    if eligible is not None:
        r = eligible.record
        lines.append(f"  eligible today:     {r.decision_no} ({r.severity or '-'} penalty, minimum publicity ended "
                     f"{r.publicity_min_end}) — apply at /me/repair with the materials it needs "
                     f"({', '.join(eligible.result.materials)}; PDF/JPG/PNG): acceptance refuses an incomplete set")
    if other is not None:
        why = other.result.blocking[0]
        when = f", possible from {other.result.from_date}" if other.result.from_date else ""
        lines.append(f"  not eligible:       {other.record.decision_no} — {why.code}{when} [{why.citation}]")
    decider = session.scalar(select(User.username).where(
        User.role == "agency", User.agency_id == eligible.record.source_agency_id).order_by(User.id).limit(1)) \
        if eligible is not None else None
    lines.append(f"  {decider or 'the deciding agency'} (the record's source agency) or staff accept and approve at")
    lines.append("            /repair/queue, ticking each condition the rule in force names (FZ art. 21 para. 2);")
    lines.append("            after approval the record leaves the public subject page;")
    lines.append("            staff file for a subject at the offline window /repair/window")
    return lines


def _pick(session: Session, today: dt.date):
    """The first enterprise with a repairable penalty today and one inside its minimum period;
    else the first with a repairable one. Candidates are found set-based, then checked by the rules."""
    ready = and_(Record.item_code == "penalty", Record.status == "active", Record.publicity_published.is_(True),
                 Record.severity == "general", Record.publicity_min_end <= today, Record.publicity_end > today,
                 Record.under_objection.is_(False))
    early = aliased(Record)
    waiting = (select(early.id).where(early.subject_id == Subject.id, early.item_code == "penalty",
                                      early.publicity_min_end > today).exists())
    taken = select(User.subject_id).where(User.subject_id.is_not(None))
    base = (select(Subject).join(Record, Record.subject_id == Subject.id)
            .where(Subject.kind == "legal_person", Subject.uscc.is_not(None), ready, Subject.id.not_in(taken))
            .group_by(Subject.id).order_by(Subject.id))
    for stmt in (base.where(waiting), base):
        for subject in session.scalars(stmt.limit(CANDIDATES)):
            items = service.eligibility(session, subject.id, today)
            if any(e.result.eligible for e in items) and any(not e.result.eligible for e in items):
                return subject, items
    return None, []
