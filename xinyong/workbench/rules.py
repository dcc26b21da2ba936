"""Pure rules of the workbench: which sources of work each role has, how an item's state is
read from its deadline, and the order (soonest first: overdue, then by due date; items without
a statutory deadline last)."""
from __future__ import annotations

import dataclasses
import datetime as dt

from xinyong.deadlines import rules as deadline_rules
from xinyong.models.org_roles import ORG_ROLES, roles_with

# a public body's own work besides its queue: listing decisions it takes (QZ art. 23) and the
# batches returned to it for review (QZ art. 10 para. 1)
PUBLIC_BODY_SOURCES = {"agency": ("listing_steps", "returned_batches")}


def _org_sources(role: str) -> tuple[str, ...]:
    """An organisation's sources, from what its role may do (xinyong.models.org_roles)."""
    return (*(("org_deadlines",) if role in roles_with("organisation_deadlines") else ()),
            *PUBLIC_BODY_SOURCES.get(role, ()),
            *(("feed",) if role in roles_with("receive_feed") else ()))


# the sources of work of each role (repository/service functions of the same name); a role
# not named here (auditor) has nothing waiting, only its notifications
SOURCES: dict[str, tuple[str, ...]] = {
    "staff": ("own_deadlines", "listing_steps", "oversight"),
    "admin": ("oversight", "calendar"),
    "supervisor": ("reassignments",),
    **{role: _org_sources(role) for role in ORG_ROLES},
}
# a batch with rows returned for review (退回复核, QZ art. 10 para. 1) is shown for this long
RETURNED_BATCH_DAYS = 30
LIMIT = 50            # items read per source: the page stays bounded whatever the backlog
NO_DEADLINE = "no_deadline"
STATE_RANK = {deadline_rules.OVERDUE: 0, deadline_rules.DUE_SOON: 1, deadline_rules.ON_TIME: 2, NO_DEADLINE: 3}


@dataclasses.dataclass(frozen=True)
class Todo:
    """One thing waiting: ``kind`` names it (messages key workbench.todo.<kind>), ``ref`` is
    the case number, ``count`` how many it stands for (a backlog shown as one line)."""
    kind: str
    link: str
    due_on: dt.date | None = None
    state: str = NO_DEADLINE
    working_days_left: int | None = None
    citation: str = ""
    ref: int | None = None
    count: int = 1
    provisional: bool = False


def sources_for(role: str) -> tuple[str, ...]:
    return SOURCES.get(role, ())


def deadline_kind(procedure: str, step: str) -> str:
    """objection.verify -> objection_verify: one message per procedure step."""
    return f"{procedure}_{step}"


def open_state(state: str) -> str:
    """A deadline view's state as a to-do state (an open step is on time, due soon or overdue)."""
    return state if state in STATE_RANK else NO_DEADLINE


def ordered(items: list[Todo]) -> list[Todo]:
    """Soonest first: overdue before due soon before on time, then by due date; those without
    a statutory deadline last, oldest case first."""
    far = dt.date.max
    return sorted(items, key=lambda i: (STATE_RANK.get(i.state, 3), i.due_on or far, i.kind, i.ref or 0))


def counts_by_state(items: list[Todo]) -> dict[str, int]:
    out = {state: 0 for state in STATE_RANK}
    for item in items:
        out[item.state] = out.get(item.state, 0) + item.count
    return out
