"""Loading the synthetic city through the real aggregation path: agencies are registered,
accounts created, and every file is ingested with ``ingest_file`` exactly as the agency would
send it — nothing is inserted behind ingestion's back. Each file is its own unit of work, as
separate submissions are. Running it again (same seed, same day) changes no record or
subject: existing agencies and accounts are kept, and every re-sent decision is found
unchanged. Each run does add its 16 batches (and their return reports) to the batch log, as
real re-submissions would."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import and_, func, not_, select
from sqlalchemy.orm import Session, aliased

from xinyong import clock
from xinyong.accounts.service import create_user
from xinyong.agencies import service as agencies
from xinyong.config import get_settings
from xinyong.db import session_scope
from xinyong.demo.access import AccessDemo, setup_access
from xinyong.demo.access import summary_lines as access_summary_lines
from xinyong.demo.city import City, DemoFile, build_city
from xinyong.disclosure.repository import public_condition
from xinyong.ingest.service import BatchOutcome, ingest_file
from xinyong.models import BatchRejection, Record, Subject, User
from xinyong.registry import DEMO_STEPS
from xinyong.registry import load as load_module

DEMO_PASSWORD = "Demo-2026-xinyong"
STAFF_ACCOUNTS = (("admin", "admin", "平台管理员 / administrator"),
                  ("staff", "staff", "信用主管部门 / credit department"))

KIND_LABELS = {"legal_person": "legal persons", "individual_business": "individual businesses",
               "natural_person": "natural persons (with legal representatives)", "public_body": "public bodies",
               "unincorporated_org": "unincorporated organisations"}


@dataclass
class Account:
    username: str
    role: str
    display_name: str
    created: bool


@dataclass
class DemoContext:
    """What a demo step (xinyong.registry.DEMO_STEPS) gets: the city, the day, the demo
    password, and the accounts list it may append new demo accounts to (they are printed)."""
    city: City
    today: dt.date
    password: str
    accounts: list[Account]


@dataclass
class DemoReport:
    city: City
    agencies_created: int
    accounts: list[Account]
    outcomes: list[tuple[DemoFile, BatchOutcome]]
    counts: dict[str, int] = field(default_factory=dict)
    examples: list[tuple[str, str]] = field(default_factory=list)
    access: AccessDemo | None = None
    extra_lines: list[str] = field(default_factory=list)

    @property
    def returned_rows(self) -> int:
        return sum(o.rejected for _, o in self.outcomes)

    def total(self, key: str) -> int:
        return sum(getattr(o, key) for _, o in self.outcomes)


def run_demo(subjects: int = 400, seed: int = 2026, console=None) -> DemoReport:
    today = clock.today()
    city = build_city(subjects=subjects, seed=seed, today=today)
    with session_scope() as session:
        created = _register_agencies(session, city)
        accounts = _create_accounts(session, city)
        senders = _agency_users(session, city)
    outcomes = _ingest(city, senders, console)
    with session_scope() as session:   # subject accounts need the subjects ingestion created
        access = setup_access(session, city, today, DEMO_PASSWORD, Account)
    report = DemoReport(city, created, accounts + access.accounts, outcomes, access=access)
    ctx = DemoContext(city=city, today=today, password=DEMO_PASSWORD, accounts=report.accounts)
    for module in map(load_module, DEMO_STEPS):
        with session_scope() as session:
            report.extra_lines += module.load(session, ctx)
    with session_scope() as session:
        report.counts = _counts(session, today, [o.batch_id for _, o in outcomes])
        report.examples = _examples(session, today)
    report.extra_lines.append(_publish_head())
    return report


def _publish_head() -> str:
    """The demo ends with a published tree head over its whole log (issue 12)."""
    from xinyong.transparency.archive import ArchiveConflict
    from xinyong.transparency.worker import sequence_and_publish
    try:
        head = sequence_and_publish()
    except ArchiveConflict as exc:  # e.g. a fresh database next to the archive of an older one
        return (f"transparency log: head signed but NOT published: {exc}; give a new database a new "
                "XINYONG_TRANSPARENCY_ARCHIVE (or move the old archive away)")
    return (f"transparency log: signed tree head of size {head.tree_size}, root {head.root_hash[:16]}…, "
            "published at /api/v1/transparency/sth/latest")


def _register_agencies(session: Session, city: City) -> int:
    created = 0
    for agency in city.agencies:
        if agencies.by_uscc(session, agency.uscc) is None:
            agencies.register(session, uscc=agency.uscc, name=agency.spec.name, kind="public_body")
            created += 1
    return created


def _create_accounts(session: Session, city: City) -> list[Account]:
    wanted = [(u, r, d, None) for u, r, d in STAFF_ACCOUNTS]
    wanted += [(f"agency-{a.spec.key}", "agency", a.spec.name, a.uscc) for a in city.agencies]
    existing = set(session.scalars(select(User.username).where(User.username.in_([w[0] for w in wanted]))))
    accounts = []
    for username, role, display, agency_uscc in wanted:
        if username not in existing:
            create_user(session, username=username, password=DEMO_PASSWORD, role=role, display_name=display,
                        agency_uscc=agency_uscc)
        accounts.append(Account(username, role, display, username not in existing))
    return accounts


def _agency_users(session: Session, city: City) -> dict[str, int]:
    """The account each agency's files are submitted by (when it belongs to that agency)."""
    rows = session.execute(select(User.username, User.id, User.agency_id)).all()
    by_name = {name: (uid, agency_id) for name, uid, agency_id in rows}
    senders = {}
    for agency in city.agencies:
        uid, agency_id = by_name.get(f"agency-{agency.spec.key}", (None, None))
        registered = agencies.by_uscc(session, agency.uscc)
        if uid is not None and registered is not None and agency_id == registered.id:
            senders[agency.uscc] = uid
    return senders


def _ingest(city: City, senders: dict[str, int], console) -> list[tuple[DemoFile, BatchOutcome]]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    outcomes = []
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, disable=console is None) as progress:
        task = progress.add_task("归集 / ingesting", total=len(city.files))
        for f in city.files:
            progress.update(task, description=f"归集 {f.filename}")
            with session_scope() as session:
                outcome = ingest_file(session, data=f.data, filename=f.filename, source_uscc=f.agency.uscc,
                                      item_code=f.item_code, channel="cli", user_id=senders.get(f.agency.uscc))
            outcomes.append((f, outcome))
            progress.advance(task)
        progress.update(task, description="归集完成 / ingested")
    return outcomes


def _count(session: Session, *conditions) -> int:
    return session.scalar(select(func.count()).select_from(Record).where(*conditions)) or 0


def _counts(session: Session, today: dt.date, batch_ids: list[int]) -> dict[str, int]:
    counts = {f"subjects.{kind}": n for kind, n in
              session.execute(select(Subject.kind, func.count()).group_by(Subject.kind)).all()}
    counts["subjects"] = sum(counts.values())
    counts["records"] = _count(session)
    for item in ("penalty", "licence"):
        counts[f"records.{item}"] = _count(session, Record.item_code == item)
    for severity in ("minor", "general", "serious"):
        counts[f"penalty.{severity}"] = _count(session, Record.item_code == "penalty", Record.severity == severity)
    counts["public"] = _count(session, public_condition(today))
    counts["penalty.public"] = _count(session, Record.item_code == "penalty", public_condition(today))
    counts["penalty.ended"] = _count(session, Record.item_code == "penalty", Record.publicity_end <= today)
    counts["licence.ended"] = _count(session, Record.item_code == "licence", Record.publicity_end <= today)
    counts["rejection_reasons"] = session.scalar(
        select(func.count()).select_from(BatchRejection).where(BatchRejection.batch_id.in_(batch_ids))) or 0
    return counts


def _examples(session: Session, today: dt.date) -> list[tuple[str, str]]:
    """A few subjects worth searching for, one query each (not per row)."""
    penalty, public = Record.item_code == "penalty", public_condition(today)

    shown: list[str] = []

    def first(label: str, kind: str, *conditions) -> tuple[str, str] | None:
        name = session.scalar(select(Subject.name).join(Record, Record.subject_id == Subject.id)
                              .where(Subject.kind == kind, Subject.name.not_in(shown), *conditions)
                              .order_by(Subject.id).limit(1))
        if name is None:
            return None
        shown.append(name)
        return name, label

    other = aliased(Record)
    other_penalty = select(other.id).where(other.subject_id == Subject.id, other.item_code == "penalty")
    has_public_penalty = other_penalty.where(other.publicity_end > today).exists()
    picks = [
        first("严重失信：公示中的严重处罚 / serious penalty, public", "legal_person", penalty, public,
              Record.severity == "serious"),
        first("一般失信：公示中的罚款 / general penalty, public", "legal_person", penalty, public,
              Record.severity == "general"),
        first("处罚公示期已满，仅见许可 / penalty past its publicity period", "legal_person", penalty,
              Record.publicity_end <= today, not_(has_public_penalty)),
        first("个体工商户：公示中的记录 / individual business", "individual_business", public),
        first("长期有效的行政许可 / long-term licence", "legal_person", Record.item_code == "licence",
              and_(Record.publicity_end.is_(None), Record.publicity_published.is_(True)),
              not_(other_penalty.exists())),
    ]
    return [p for p in picks if p]


def summary(report: DemoReport) -> str:
    c, city = report.counts, report.city
    kinds = ", ".join(f"{label} {c[f'subjects.{kind}']}" for kind, label in KIND_LABELS.items()
                      if c.get(f"subjects.{kind}"))
    lines = [
        f"Xinyong 信用 — demo city 泉州市, as of {city.today.isoformat()}",
        "",
        f"Open {get_settings().base_url}   (start it with: XINYONG_DEV=1 xinyong serve)",
        "",
        f"Demo accounts (password for every new account: {DEMO_PASSWORD})",
    ]
    for a in report.accounts:
        note = "" if a.created else "  (existing account, kept as it was)"
        lines.append(f"  {a.username:<14} {a.role:<7} {a.display_name}{note}")
    lines += [
        "",
        "Loaded through ingestion (归集)",
        f"  agencies        {len(city.agencies):>6}  ({report.agencies_created} newly registered)",
        f"  subjects        {c.get('subjects', 0):>6}  ({kinds})",
        f"  records         {c['records']:>6}  (licences {c['records.licence']}, penalties {c['records.penalty']}: "
        f"minor {c['penalty.minor']} / general {c['penalty.general']} / serious {c['penalty.serious']})",
        f"  public today    {c['public']:>6}  (penalties {c['penalty.public']}; past their publicity period: "
        f"{c['penalty.ended']} penalties, {c['licence.ended']} expired licences)",
        f"  files           {len(report.outcomes):>6}  (this run: created {report.total('created')}, "
        f"updated {report.total('updated')}, unchanged {report.total('unchanged')})",
        f"  returned rows   {report.returned_rows:>6}  (退回复核, {c['rejection_reasons']} reasons; "
        f"see each batch's return report)",
    ]
    refused = [(f, o) for f, o in report.outcomes if o.status != "completed"]
    for f, o in refused:
        lines.append(f"  REFUSED: {f.filename}: {o.error_code} {o.error_message}")
    lines += access_summary_lines(report.access)
    lines += report.extra_lines
    if report.examples:
        lines += ["", "Try searching for"]
        lines += [f"  {name}    {label}" for name, label in report.examples]
    return "\n".join(lines)


def load_demo(subjects: int = 400, seed: int = 2026, console=None) -> str:
    """Load (or re-load) the demo city; returns a summary for the terminal."""
    return summary(run_demo(subjects=subjects, seed=seed, console=console))
