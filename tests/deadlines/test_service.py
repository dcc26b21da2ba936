"""Deadlines of procedure steps: due dates from the profile, states, views, the extension with
a reason (QZ art. 36), and the overdue sweep (one UPDATE, notifications once per step)."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from xinyong.deadlines import rules, service, sweep
from xinyong.kit.access import Principal
from xinyong.kit.errors import Conflict, InvalidInput, NotFound
from xinyong.models import AuditEntry, Deadline, Document, Notification

D = dt.date


def principal(user) -> Principal:
    return Principal(user_id=user.id, username=user.username, role=user.role, agency_id=user.agency_id,
                     subject_id=user.subject_id)


def open_repair(session, city, started_on, step="result", org="scjg", subject=True):
    return service.open_step(session, procedure="repair", procedure_id=7, step=step, started_on=started_on,
                             subject_id=city.subject_id if subject else None,
                             responsible_org_id=city.orgs[org].id)


def test_due_date_and_citation_come_from_the_profile(session, city):
    d = open_repair(session, city, D(2026, 9, 28))
    # Mon 28 Sep + 10 working days: 29, 30 Sep; 1-7 Oct off; 8, 9, Sat 10 (make-up), 12, 13, 14, 15, 16
    assert d.due_on == D(2026, 10, 16) and d.working_days == 10 and not d.provisional
    from xinyong.law.loader import active_profile
    assert d.citation == str(active_profile().rule("deadline.repair.result", D(2026, 9, 28)).citation) != ""
    acceptance = open_repair(session, city, D(2026, 9, 30), step="acceptance")
    assert acceptance.due_on == D(2026, 10, 10)   # 30 Sep + 3: 8, 9 Oct, Sat 10 Oct (make-up)


def test_a_deadline_running_into_2027_is_provisional(session, city):
    d = open_repair(session, city, D(2026, 12, 24))
    assert d.provisional and d.due_on == D(2027, 1, 8)   # 2027: weekends and the statutory 元旦 (1 Jan)
    [v] = service.views(session, [d], today=D(2026, 12, 24))
    assert v.provisional and v.state == rules.ON_TIME and v.working_days_left == 10


def test_views_give_state_days_left_and_citation(session, city):
    d = open_repair(session, city, D(2026, 9, 28))     # due 16 Oct, due soon within 2 working days
    by_day = {day: service.views(session, [d], today=day)[0] for day in
              (D(2026, 9, 28), D(2026, 10, 13), D(2026, 10, 14), D(2026, 10, 16), D(2026, 10, 19))}
    assert by_day[D(2026, 9, 28)].state == "on_time" and by_day[D(2026, 9, 28)].working_days_left == 10
    assert by_day[D(2026, 10, 13)].state == "on_time" and by_day[D(2026, 10, 13)].working_days_left == 3
    assert by_day[D(2026, 10, 14)].state == "due_soon" and by_day[D(2026, 10, 14)].working_days_left == 2
    assert by_day[D(2026, 10, 16)].state == "due_soon" and by_day[D(2026, 10, 16)].working_days_left == 0
    assert by_day[D(2026, 10, 19)].state == "overdue" and by_day[D(2026, 10, 19)].working_days_left == -1
    assert by_day[D(2026, 10, 19)].citation == d.citation
    assert service.state_of(session, d, today=D(2026, 10, 19)) == "overdue"
    service.complete_step(session, d, "approved")
    assert service.views(session, [d], today=D(2026, 10, 19))[0].state == "done"


def test_extension_needs_a_reason_is_audited_and_tells_the_subject(session, city):
    d = open_repair(session, city, D(2026, 9, 28))
    staff = principal(city.users["staff"])
    with pytest.raises(InvalidInput):
        service.extend(session, staff, d.id, "   ")
    service.extend(session, staff, d.id, "案情复杂，需要现场核查")
    assert d.due_on == D(2026, 10, 30) and d.extensions == 1 and d.extension_reason == "案情复杂，需要现场核查"
    doc = session.scalars(select(Document).where(Document.kind == "deadline_extension")).one()
    assert doc.subject_id == city.subject_id and doc.content.startswith(b"%PDF")
    event = session.scalars(select(AuditEntry).where(AuditEntry.action == "deadline.extended")).one()
    assert event.details["new_due_on"] == "2026-10-30" and event.details["document_id"] == doc.id
    with pytest.raises(Conflict):   # QZ art. 36: once
        service.extend(session, staff, d.id, "再次延长")


def test_a_step_without_extension_in_its_rule_cannot_be_extended(session, city):
    d = open_repair(session, city, D(2026, 9, 28), step="acceptance")
    with pytest.raises(Conflict):
        service.extend(session, principal(city.users["staff"]), d.id, "理由")


def test_only_the_responsible_organisation_may_extend(session, city):
    d = open_repair(session, city, D(2026, 9, 28), subject=False)
    with pytest.raises(NotFound):
        service.extend(session, principal(city.users["swj"]), d.id, "理由")
    service.extend(session, principal(city.users["scjg"]), d.id, "理由")
    assert d.extensions == 1
    assert session.scalar(select(func.count(Document.id))) == 0   # no subject: no notice


def test_the_queue_filters_by_state_procedure_and_organisation(session, city):
    today = D(2026, 10, 14)
    overdue = open_repair(session, city, D(2026, 9, 1))
    soon = open_repair(session, city, D(2026, 9, 28))                       # due 16 Oct: 2 days left
    later = open_repair(session, city, D(2026, 10, 12), org="swj")          # due 26 Oct
    other = service.open_step(session, procedure="objection", procedure_id=3, step="verify", started_on=today,
                              responsible_org_id=city.orgs["swj"].id)
    staff = principal(city.users["staff"])

    def ids(p, **kw):
        return [v.deadline.id for v in service.queue(session, p, today=today, **kw)[0]]

    assert ids(staff) == [overdue.id, soon.id, other.id, later.id]
    assert ids(staff, state="overdue") == [overdue.id]
    assert ids(staff, state="due_soon") == [soon.id]
    assert ids(staff, state="on_time") == [other.id, later.id]
    assert ids(staff, procedure="objection") == [other.id]
    assert ids(principal(city.users["swj"])) == [other.id, later.id]
    assert ids(principal(city.users["rating"])) == []
    service.complete_step(session, soon, "done")
    assert soon.id not in ids(staff)


def test_the_sweep_marks_overdue_once_and_notifies_the_responsible_organisation(session, city):
    late = open_repair(session, city, D(2026, 9, 1))                          # due 15 Sep
    nobody = service.open_step(session, procedure="complaint", procedure_id=5, step="handle",
                               started_on=D(2026, 8, 3))                      # nobody named: staff role
    on_time = open_repair(session, city, D(2026, 9, 28))
    report = sweep.run_sweep(session, D(2026, 9, 28))
    assert report == {"periods_ended": 0, "deadlines_marked_overdue": 2, "deadlines_overdue_notified": 2}
    session.refresh(late), session.refresh(nobody), session.refresh(on_time)
    assert late.overdue_marked_on == D(2026, 9, 28) and on_time.overdue_marked_on is None
    notes = {n.dedupe_key: n for n in session.scalars(select(Notification))}
    assert notes[f"overdue:{late.id}"].recipient_org_id == city.orgs["scjg"].id
    assert notes[f"overdue:{late.id}"].link == "/repair/7"
    assert notes[f"overdue:{nobody.id}"].recipient_role == "staff"
    assert sweep.run_sweep(session, D(2026, 9, 29)) == {"periods_ended": 0, "deadlines_marked_overdue": 0,
                                                       "deadlines_overdue_notified": 0}
    # QZ art. 36: a missed deadline cannot be extended afterwards; its overdue mark stays
    with pytest.raises(Conflict) as refused:
        service.extend(session, principal(city.users["staff"]), late.id, "补充材料")
    assert refused.value.code == "extension_period_passed"
    session.refresh(late)
    assert (late.due_on, late.extensions, late.overdue_marked_on) == (D(2026, 9, 15), 0, D(2026, 9, 28))
    # extended within its period, then late all the same: told once, under the extended date
    service.extend(session, principal(city.users["staff"]), on_time.id, "补充材料")
    assert sweep.run_sweep(session, D(2026, 12, 1))["deadlines_overdue_notified"] == 1
    assert session.scalar(select(func.count(Notification.id))) == 3


def test_a_period_that_has_run_is_done_not_overdue_and_the_sweep_closes_it(session, city):
    """The notice period before a listing is time given to the subject: when it ends nobody is
    late; the proposer is told it may decide. Its state does not wait for the sweep."""
    period = service.open_step(session, procedure="listing", procedure_id=9, step="notice_period",
                               started_on=D(2026, 9, 1), responsible_org_id=city.orgs["scjg"].id)   # due 8 Sep
    task = open_repair(session, city, D(2026, 9, 1))                                                  # due 15 Sep
    staff = principal(city.users["staff"])
    day = D(2026, 9, 28)
    assert [v.state for v in service.views(session, [period, task], today=day)] == ["done", "overdue"]
    assert service.state_of(session, period, day) == "done"
    assert [v.deadline.id for v in service.queue(session, staff, today=day, state="overdue")[0]] == [task.id]
    assert sweep.run_sweep(session, day) == {"periods_ended": 1, "deadlines_marked_overdue": 1,
                                             "deadlines_overdue_notified": 1}
    session.refresh(period)
    assert (period.completed_on, period.outcome, period.overdue_marked_on) == (D(2026, 9, 8), "elapsed", None)
    assert service.state_of(session, period, day) == "done"
    notes = {n.dedupe_key: n for n in session.scalars(select(Notification))}
    assert f"overdue:{period.id}" not in notes
    ended = notes[f"period_ended:{period.id}"]
    assert ended.recipient_org_id == city.orgs["scjg"].id and ended.link == "/office/lists/proposals/9"
    assert sweep.run_sweep(session, D(2026, 9, 29))["periods_ended"] == 0


def test_deadline_rows_are_the_shared_model(session, city):
    open_repair(session, city, D(2026, 9, 28))
    assert session.scalar(select(func.count(Deadline.id))) == 1


def test_procedure_links():
    assert rules.procedure_link("objection", 4) == "/staff/objections/4"
    assert rules.procedure_link("objection", 4, "agency") == "/agency/objections/4"
    assert rules.procedure_link("listing", 4, "agency") == "/office/lists/proposals/4"
    assert rules.procedure_link("repair", 4, "subject") == "/repair/4"
    assert rules.procedure_link("feed", 4) == "/feed/receivers"
    assert rules.procedure_link("feed", 4, "credit_service") == "/feed"
    assert rules.procedure_link("complaint", 4, "agency") == ""   # no page for that reader: no link
    assert rules.procedure_link("unknown", 4) == ""


def test_every_procedure_link_is_a_page_its_reader_may_open():
    """A link in a queue or a notification must lead somewhere: a GET page route of the app
    whose declared roles include the reader's role."""
    import re

    from xinyong.app import create_app
    from xinyong.kit.access import declared_roles, iter_routes
    pages = [(re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", r.path) + "$"), declared_roles(r.dependant) or frozenset())
             for r in iter_routes(create_app().routes) if "GET" in getattr(r, "methods", ()) and hasattr(r, "dependant")]
    for procedure, by_role in rules.PROCEDURE_LINKS.items():
        for role, pattern in by_role.items():
            path = pattern.format(id=7)
            matched = [roles for rx, roles in pages if rx.match(path)]
            assert matched, f"{procedure}/{role}: no page {path}"
            if role == "*":
                continue
            readers = {role}
            assert any(readers <= roles or "public" in roles or "authenticated" in roles for roles in matched), \
                f"{procedure}/{role}: {path} is not open to {readers}"
