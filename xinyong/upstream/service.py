"""Use cases of sharing upward, in the caller's unit of work (they flush, never commit): the
items of a batch of submissions in the national layout, storing receipts or failures with
their back-off, the reconciliation against what the upstream holds, and the per-agency,
per-month timeliness figures. The reporting pass that commits per batch is worker.py."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.catalogue.loader import CatalogueError, get_catalogue
from xinyong.config import get_settings
from xinyong.models.upstream import UpstreamSubmission
from xinyong.upstream import repository, rules
from xinyong.upstream.client import Item, Receipt, Upstream

PAGE = 1000


def _record_data(record, catalogue, subject, agency) -> tuple[str, dict]:
    try:
        item = catalogue.get(record.item_code)
    except CatalogueError:
        return record.item_code, {}
    stored = {"decision_no": record.decision_no, "decision_date": record.decision_date.isoformat(),
              "valid_to": record.valid_to.isoformat() if record.valid_to else None,
              "source_agency_uscc": agency.uscc if agency else None,
              "subject_uscc": subject.uscc if subject else None, "subject_kind": subject.kind if subject else None,
              "subject_name": subject.name if subject else None}
    return item.code, rules.national_layout(item, record.fields or {}, stored)


def build_items(session: Session, rows: list[UpstreamSubmission]) -> list[Item]:
    """The national-layout items of some submissions (their records and events read in two queries)."""
    records = repository.records_of(session, [r.record_id for r in rows if r.record_id])
    subjects = repository.subjects_of(session, {r.subject_id for r in records.values()})
    agencies = repository.agencies_of(session, {r.source_agency_id for r in records.values()})
    details = repository.event_details(session, [r.event_id for r in rows if r.record_id is None and r.event_id])
    catalogue, items = get_catalogue(), []
    for row in rows:
        record = records.get(row.record_id) if row.record_id else None
        if record is not None:
            layout, data = _record_data(record, catalogue, subjects.get(record.subject_id),
                                        agencies.get(record.source_agency_id))
            data = {**data, "数据版本": record.version, "公示状态": record.status}
        else:
            layout, data = "list", dict(details.get(row.event_id) or {})
        items.append(Item(row.item_key, row.version, row.action, layout, data, row.id))
    return items


@dataclass
class PassReport:
    queued: int = 0
    sent: int = 0
    acknowledged: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"queued": self.queued, "sent": self.sent, "acknowledged": self.acknowledged, "failed": self.failed,
                "errors": self.errors[:5]}


def store(session: Session, rows: list[UpstreamSubmission], items: list[Item], receipts: list[Receipt] | None,
           error: str, now: dt.datetime, report: PassReport) -> None:
    s = get_settings()
    by_key = {r.idempotency_key: r for r in receipts or []}
    acked, failed = [], []
    for row, item in zip(rows, items):
        receipt = by_key.get(item.idempotency_key)
        if receipt is not None and receipt.accepted and receipt.upstream_id:
            acked.append({"sid": row.id, "b_upstream_id": receipt.upstream_id, "b_at": receipt.acknowledged_at or now})
        else:
            reason = (receipt.error if receipt else "") or error or "no receipt for this item"
            wait = rules.backoff_seconds(row.attempts + 1, s.upstream_backoff_seconds, s.upstream_backoff_max_seconds)
            failed.append({"sid": row.id, "b_error": reason[:500], "b_next_at": now + dt.timedelta(seconds=wait)})
    repository.mark_acknowledged(session, acked)
    repository.mark_failed(session, failed)
    report.acknowledged += len(acked)
    report.failed += len(failed)


# ---- reconciliation -----------------------------------------------------------------------------------

@dataclass
class Reconciliation:
    as_of: dt.date
    checked: int = 0
    missing: list[int] = field(default_factory=list)          # in public view, not held upstream
    held_withdrawn: list[int] = field(default_factory=list)   # not in public view, still held upstream
    stale: list[int] = field(default_factory=list)            # held, but an older version than our last acknowledged
    resent: int = 0

    @property
    def clean(self) -> bool:
        return not (self.missing or self.held_withdrawn or self.stale)


def reconcile(session: Session, upstream: Upstream, today: dt.date | None = None, resend: bool = False) -> Reconciliation:
    """Every record in public view today that the upstream does not hold (and what it holds of
    records no longer public), asked page by page; ``resend`` queues a resend for each gap."""
    today = today or clock.today()
    out = Reconciliation(today)
    _walk(session, upstream, lambda after: repository.public_record_ids(session, today, after, PAGE), out, True)
    _walk(session, upstream, lambda after: repository.reported_not_public(session, today, after, PAGE), out, False)
    if resend:
        out.resent = queue_resends(session, out.missing + out.held_withdrawn + out.stale)
    return out


def _walk(session: Session, upstream: Upstream, page, out: Reconciliation, public: bool) -> None:
    after = 0
    while ids := page(after):
        after = ids[-1]
        keys = {rules.record_key(i): i for i in ids}
        held = upstream.holdings(list(keys))
        if public:
            out.checked += len(ids)
            versions = repository.latest_versions(session, [k for k in keys if k in held])
            out.missing += [i for k, i in keys.items() if k not in held]
            out.stale += [i for k, i in keys.items() if k in held and held[k].version < versions.get(k, 0)]
        else:
            out.held_withdrawn += [i for k, i in keys.items() if k in held]


def queue_resends(session: Session, record_ids: list[int]) -> int:
    """A resend of each record's present state (a withdrawal for one no longer public), at the
    item's latest version, unless one is already waiting."""
    from xinyong.disclosure.publicity import in_public_view
    records = repository.records_of(session, record_ids)
    keys = [rules.record_key(i) for i in records]
    versions, waiting, now = repository.latest_versions(session, keys), repository.pending_resends(session, keys), clock.now()
    today = clock.today()
    rows = []
    for rid, record in records.items():
        key = rules.record_key(rid)
        if key in waiting:
            continue
        action = "resend" if in_public_view(record, today) else "withdraw"
        rows.append(UpstreamSubmission(event_id=None, item_key=key, version=versions.get(key, 0), action=action,
                                       record_id=rid, agency_id=record.source_agency_id,
                                       decision_date=record.decision_date, received_at=record.received_at,
                                       attempts=0, next_attempt_at=now, last_error=""))
    session.add_all(rows)
    session.flush()
    return len(rows)


# ---- timeliness ---------------------------------------------------------------------------------------

@dataclass
class Timeliness:
    agency_id: int | None
    agency: str
    month: str                      # YYYY-MM of the decision date
    records: int = 0
    acknowledged: int = 0
    within: int = 0                 # acknowledged within the working days of the rule
    days_to_receipt: float = 0.0    # summed, then averaged: decision -> platform receipt (working days)
    days_to_ack: float = 0.0        # platform receipt -> upstream acknowledgement (working days)
    hours_to_ack: float = 0.0

    @property
    def share_within(self) -> float | None:
        return round(self.within / self.records, 4) if self.records else None

    def averages(self) -> dict:
        return {"avg_workdays_to_receipt": round(self.days_to_receipt / self.records, 1) if self.records else None,
                "avg_workdays_to_ack": round(self.days_to_ack / self.acknowledged, 1) if self.acknowledged else None,
                "avg_hours_to_ack": round(self.hours_to_ack / self.acknowledged, 1) if self.acknowledged else None}


def _as_date(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def timeliness(session: Session, today: dt.date | None = None) -> tuple[rules.DeadlinePolicy, list[Timeliness]]:
    """Per agency and month of decision: decision -> receipt -> acknowledgement in working days,
    and the share acknowledged within the rule's working days (a record not yet acknowledged
    counts as not within). Grouped in SQL by the three days; the calendar is applied once per
    distinct group, never per record."""
    from xinyong.law.loader import active_profile
    from xinyong.workdays import load_calendar
    today = today or clock.today()
    policy = rules.deadline_policy(active_profile(), today)
    if policy.working_days is None:
        return policy, []
    calendar, out = load_calendar(session), {}
    for agency_id, name, decided, received, acked, n, hours in repository.timeliness_groups(session, policy.items):
        decided, received, acked = _as_date(decided), _as_date(received), _as_date(acked)
        if decided is None:
            continue
        t = out.setdefault((agency_id, decided.strftime("%Y-%m")),
                           Timeliness(agency_id, name or f"#{agency_id}", decided.strftime("%Y-%m")))
        n = int(n)
        t.records += n
        if received is not None:
            t.days_to_receipt += n * rules.working_span(calendar, decided, received)
        if acked is not None:
            t.acknowledged += n
            t.hours_to_ack += float(hours or 0)
            if received is not None:
                t.days_to_ack += n * rules.working_span(calendar, received, acked)
            if rules.within(calendar, decided, acked, policy.working_days):
                t.within += n
    return policy, sorted(out.values(), key=lambda t: (t.agency, t.month))
