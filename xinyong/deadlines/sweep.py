"""`xinyong sweep` step: mark steps that ran past their deadline as overdue (one UPDATE) and tell
whoever is responsible once per step (one INSERT of notifications). QZ art. 23 and 36."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.deadlines import repository, rules, wording
from xinyong.notifications.service import notify_many

DEFAULT_ROLE = "staff"   # nobody named as responsible: the credit department


def run_sweep(session: Session, today: dt.date) -> dict[str, int | str]:
    ended = _close_elapsed_periods(session, today)
    found = repository.newly_overdue(session, today)
    marked = repository.mark_overdue(session, [r.id for r in found], today)
    rows = []
    for r in found:
        role = "agency" if r.responsible_org_id else (r.responsible_role or DEFAULT_ROLE)
        link = rules.procedure_link(r.procedure, r.procedure_id, role)
        rows.append({
            "kind": "deadline_overdue",
            "recipient_org_id": r.responsible_org_id,
            "recipient_role": None if r.responsible_org_id else (r.responsible_role or DEFAULT_ROLE),
            "text_zh": f"办理期限已过：{wording.matter(r.procedure, r.procedure_id, r.step)}应于 {r.due_on} 前完成"
                       f"（依据：{r.citation}）",
            "text_en": f"Deadline passed: {wording.matter(r.procedure, r.procedure_id, r.step, 'en')} was due by "
                       f"{r.due_on} (basis: {r.citation})",
            "link": link or f"/staff/deadlines?procedure={r.procedure}",
            "dedupe_key": rules.overdue_dedupe_key(r.id, r.extensions),
        })
    notified = notify_many(session, rows)
    session.flush()
    return {"periods_ended": ended, "deadlines_marked_overdue": marked, "deadlines_overdue_notified": notified}


def _close_elapsed_periods(session: Session, today: dt.date) -> int:
    """A period given to the subject (e.g. the notice before listing) that has run is closed,
    and whoever acts next is told they may now act; nobody is told they are late."""
    found = repository.elapsed_periods(session, today)
    closed = repository.close_periods(session, [r.id for r in found], clock.now())
    notify_many(session, [{
        "kind": "period_ended",
        "recipient_org_id": r.responsible_org_id,
        "recipient_role": None if r.responsible_org_id else (r.responsible_role or DEFAULT_ROLE),
        "text_zh": f"{wording.matter(r.procedure, r.procedure_id, r.step)}已于 {r.due_on} 届满，可以办理下一步"
                   f"（依据：{r.citation}）",
        "text_en": f"{wording.matter(r.procedure, r.procedure_id, r.step, 'en').capitalize()} ended on {r.due_on}: "
                   f"the next step may be taken (basis: {r.citation})",
        "link": rules.procedure_link(r.procedure, r.procedure_id,
                                     "agency" if r.responsible_org_id else (r.responsible_role or DEFAULT_ROLE)),
        "dedupe_key": f"period_ended:{r.id}",
    } for r in found])
    return closed
