"""Shaping deadline views for the API."""
from __future__ import annotations

from xinyong.deadlines.rules import procedure_link
from xinyong.deadlines.schemas import DeadlineOut
from xinyong.deadlines.service import DeadlineView


def deadline_out(v: DeadlineView, org_name: str | None = None, role: str = "staff") -> DeadlineOut:
    d = v.deadline
    return DeadlineOut(id=d.id, procedure=d.procedure, procedure_id=d.procedure_id, step=d.step,
                       link=procedure_link(d.procedure, d.procedure_id, role), subject_id=d.subject_id,
                       responsible_org_id=d.responsible_org_id, responsible_org=org_name,
                       responsible_role=d.responsible_role, started_on=d.started_on, due_on=d.due_on,
                       working_days=d.working_days, working_days_left=v.working_days_left, state=v.state,
                       provisional=v.provisional, citation=v.citation, extensions=d.extensions,
                       extension_reason=d.extension_reason, overdue_marked_on=d.overdue_marked_on,
                       completed_on=d.completed_on)
