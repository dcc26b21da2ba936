"""Joint incentive and punishment and credit commitments in the demo city, made through the
real services: the city's measure lists are synced and published; one measure is applied by
an agency after a joint check (with feedback); one incentive-materials commitment stays open
and one approval-replacing commitment is breached, which writes a dishonesty record through
the ingest path. Idempotent: what exists is kept as it was."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts.service import principal_of
from xinyong.commitments import service as commitments
from xinyong.law import active_profile
from xinyong.measures import service
from xinyong.models import Record, Subject, User
from xinyong.models.commitment import Commitment
from xinyong.models.measure import MeasureApplication, MeasureList

APPLYING_AGENCY = "scjg"
CASE_REF = "DEMO-CZ-0001"
PUNITIVE_LISTS = ("serious_dishonesty", "black")


def load(session: Session, ctx) -> list[str]:
    admin = _user(session, "admin") or _user(session, "staff")
    agent = _user(session, f"agency-{APPLYING_AGENCY}") or session.scalar(
        select(User).where(User.role == "agency").order_by(User.id))
    if admin is None or agent is None:
        return ["Measures: no admin or agency account, nothing done"]
    staff, agency = principal_of(admin, "cli"), principal_of(agent, "cli")
    synced = service.sync(session, staff)
    published = _publish_drafts(session, staff, ctx.today)
    listed = _listed_subject(session, ctx.today)
    applied = _apply_one(session, agency, listed)
    open_c, breached = _commitments(session, agency, ctx.today)
    lines = ["", "Measures and commitments (FZ art. 15-17, QZ art. 18-19, 24-25)",
             f"  lists: {synced['added']} new draft version(s), {len(published)} published now; public at /measures",
             "  (publish a later draft at /admin/measures as admin or staff, or `xinyong measures publish CODE --document-no ...`)"]
    if listed is not None:
        subject, kind = listed
        lines += [f"  joint check: sign in as {agent.username}, open /agency/joint-check, enter {subject.uscc or subject.id} "
                  f"({subject.name}, on the {kind} list)",
                  "            and the matter 政府采购 (government_procurement): the restriction is shown with its basis;",
                  "            give a case reference and apply it; it is recorded at /agency/measure-applications"]
    else:
        lines.append("  joint check: no subject is on a punitive list yet (the lists demo step lists one); try a subject "
                     "with a serious record in 财政性资金 at /agency/joint-check")
    if applied is not None:
        lines.append(f"  applied already: application #{applied.id} ({applied.matter}, case {applied.case_ref}) with feedback")
    if open_c is not None:
        lines.append(f"  commitments: {open_c.commitment_no} open until {open_c.deadline}; {breached.commitment_no if breached else '-'} "
                     f"breached -> record #{breached.breach_record_id if breached else '-'}; public at /commitments, "
                     f"agency view /agency/commitments, accept-first at /agency/accept-first")
    return lines


def _user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def _publish_drafts(session: Session, staff, today: dt.date) -> list[MeasureList]:
    drafts = list(session.scalars(select(MeasureList).where(MeasureList.status == "draft",
                                                            MeasureList.jurisdiction == service.jurisdiction())
                                  .order_by(MeasureList.id)))
    city = active_profile().title_zh
    return [service.publish(session, staff, d.id, f"{city}信用办〔{today.year}〕{d.id}号") for d in drafts]


def _listed_subject(session: Session, today: dt.date) -> tuple[Subject, str] | None:
    """The first subject on a punitive list today (the lists demo step lists one)."""
    try:
        from xinyong.lists.repository import active_entries
        from xinyong.models.listing import ListEntry
    except ImportError:
        return None
    ids = list(session.scalars(select(ListEntry.subject_id).where(ListEntry.kind.in_(PUNITIVE_LISTS))
                               .order_by(ListEntry.id).limit(20)))
    found = active_entries(session, ids, today) if ids else {}
    for sid in ids:
        entry = next((e for e in found.get(sid, []) if e.kind in PUNITIVE_LISTS), None)
        if entry is not None:
            return session.get(Subject, sid), entry.kind
    return None


def _apply_one(session: Session, agency, listed) -> MeasureApplication | None:
    """A fiscal-funds restriction applied after a check, for a listed subject or one with a
    current serious record — so the government-procurement one is left for the visitor."""
    done = session.scalar(select(MeasureApplication).where(MeasureApplication.case_ref == CASE_REF))
    if done is not None:
        return done
    candidates = [listed[0].id] if listed else []
    candidates += list(session.scalars(select(Record.subject_id).where(
        Record.severity == "serious", Record.status == "active", Record.publicity_end > service.clock.today())
        .order_by(Record.id).limit(5)))
    for sid in candidates:
        result = service.joint_check(session, agency, sid, "fiscal_funds")
        punitive = [f for f in result.findings if f.measure.kind == "punishment"]
        if punitive:
            app = service.apply(session, agency, measure_id=punitive[0].measure.id, subject_id=sid,
                                matter="fiscal_funds", case_ref=CASE_REF, check_id=result.check_id)
            return service.feedback(session, agency, app.id, "effective", "申报的财政性资金项目未予立项")
    return None


def _commitments(session: Session, agency, today: dt.date) -> tuple[Commitment | None, Commitment | None]:
    existing = {c.commitment_no: c for c in session.scalars(
        select(Commitment).where(Commitment.commitment_no.in_(["DEMO-CN-0001", "DEMO-CN-0002"])))}
    if len(existing) == 2:
        return existing["DEMO-CN-0001"], existing["DEMO-CN-0002"]
    subject = session.scalar(select(Subject).where(Subject.uscc.is_not(None), Subject.kind == "legal_person")
                             .order_by(Subject.id.desc()).limit(1))
    if subject is None:
        return None, None
    open_c = existing.get("DEMO-CN-0001") or commitments.record(
        session, agency, subject_id=subject.id, type="incomplete_materials", matter="食品经营许可（容缺受理）",
        text="承诺于期限内补齐经营场所使用证明，逾期未补齐的，同意终止办理并记入信用记录",
        commitment_no="DEMO-CN-0001", signed_on=today, deadline=today + dt.timedelta(days=20))
    breached = existing.get("DEMO-CN-0002")
    if breached is None:
        breached = commitments.record(
            session, agency, subject_id=subject.id, type="approval_replacing", matter="食品经营许可（告知承诺）",
            text="承诺已具备许可条件，所报材料真实有效", commitment_no="DEMO-CN-0002",
            signed_on=today - dt.timedelta(days=30), deadline=today - dt.timedelta(days=1))
        commitments.breach(session, agency, breached.id, "事中核查发现经营场所与承诺不符，承诺不实", on=today)
    return open_c, breached
