"""`xinyong sweep` step: mark steps that ran past their deadline as overdue (one UPDATE) and tell
whoever is responsible once per step (one INSERT of notifications). QZ art. 23 and 36."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from xinyong.deadlines import repository, rules
from xinyong.notifications.service import notify_many

DEFAULT_ROLE = "staff"   # nobody named as responsible: the credit department


def run_sweep(session: Session, today: dt.date) -> dict[str, int | str]:
    found = repository.newly_overdue(session, today)
    marked = repository.mark_overdue(session, [r.id for r in found], today)
    rows = []
    for r in found:
        link = rules.procedure_link(r.procedure, r.procedure_id)
        rows.append({
            "kind": "deadline_overdue",
            "recipient_org_id": r.responsible_org_id,
            "recipient_role": None if r.responsible_org_id else (r.responsible_role or DEFAULT_ROLE),
            "text_zh": f"办理期限已过：{r.procedure} #{r.procedure_id} 的“{r.step}”步骤应于 {r.due_on} 前完成"
                       f"（依据：{r.citation}）",
            "text_en": f"Deadline passed: step '{r.step}' of {r.procedure} #{r.procedure_id} was due by {r.due_on}"
                       f" (basis: {r.citation})",
            "link": link or f"/staff/deadlines?procedure={r.procedure}",
            "dedupe_key": rules.overdue_dedupe_key(r.id, r.extensions),
        })
    notified = notify_many(session, rows)
    session.flush()
    return {"deadlines_marked_overdue": marked, "deadlines_overdue_notified": notified}
