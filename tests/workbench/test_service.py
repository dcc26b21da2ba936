"""The to-do aggregation of the workbench, on SQLite and PostgreSQL: each role sees the steps it
is responsible for (an organisation its own, the credit department its own tasks and an
oversight line), soonest first, each with the state the deadline rules give it and a link for
that role; a subject sees its procedures in progress; the unread count is the inbox's; and the
number of queries does not grow with the number of items."""
from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import event

from xinyong.deadlines import repository as deadline_repository
from xinyong.deadlines import service as deadlines
from xinyong.kit.access import Principal
from xinyong.notifications.service import notify
from xinyong.workbench import rules, service

D = dt.date
TODAY = D(2026, 9, 28)


def principal(user) -> Principal:
    return Principal(user_id=user.id, username=user.username, role=user.role, agency_id=user.agency_id,
                     subject_id=user.subject_id)


def step(session, city, procedure, step_, started_on, *, org=None, role="agency", pid=1, subject=None):
    return deadlines.open_step(session, procedure=procedure, procedure_id=pid, step=step_, started_on=started_on,
                               subject_id=subject, responsible_org_id=city.orgs[org].id if org else None,
                               responsible_role=role)


def test_each_role_sees_its_own_work_soonest_first(session, city):
    late = step(session, city, "objection", "verify", D(2026, 9, 1), org="scjg", pid=11, subject=city.subject_id)
    soon = step(session, city, "repair", "acceptance", D(2026, 9, 25), org="scjg", pid=12)
    later = step(session, city, "repair", "result", D(2026, 9, 25), org="scjg", pid=12)
    step(session, city, "repair", "result", D(2026, 9, 2), org="swj", pid=13)
    complaint = step(session, city, "complaint", "handle", D(2026, 9, 21), role="staff", pid=14)
    period = step(session, city, "listing", "notice_period", D(2026, 9, 24), org="scjg", pid=15,
                  subject=city.subject_id)
    session.commit()

    bench = service.workbench(session, principal(city.users["scjg"]), TODAY)
    assert [(i.kind, i.ref) for i in bench.items] == [("objection_verify", 11), ("repair_acceptance", 12),
                                                     ("repair_result", 12)]
    assert [i.due_on for i in bench.items] == [late.due_on, soon.due_on, later.due_on]
    assert [i.state for i in bench.items] == [deadlines.state_of(session, d, TODAY) for d in (late, soon, later)]
    assert bench.items[0].state == "overdue" and bench.items[0].link == "/agency/objections/11"
    assert bench.items[1].link == "/repair/12" and bench.items[0].citation == late.citation
    assert period.id not in {i.ref for i in bench.items if i.kind.startswith("listing")}   # a period is no task
    assert bench.counts["overdue"] == 1 and bench.unread == 0

    swj = service.workbench(session, principal(city.users["swj"]), TODAY)
    assert [(i.kind, i.ref, i.state) for i in swj.items] == [("repair_result", 13, "overdue")]

    staff = service.workbench(session, principal(city.users["staff"]), TODAY)
    own = [i for i in staff.items if i.kind == "complaint_handle"]
    assert [(i.ref, i.link, i.due_on) for i in own] == [(14, "/complaints/14", complaint.due_on)]
    overseen = [i for i in staff.items if i.kind == "oversight_overdue"]
    assert [i.count for i in overseen] == [deadline_repository.counts(session, TODAY)["overdue"]]
    assert overseen[0].link == "/staff/deadlines?state=overdue"

    for who in ("auditor", "rating"):
        assert service.workbench(session, principal(city.users[who]), TODAY).items == []


def test_the_subject_sees_its_procedures_in_progress_and_not_anothers(session, city):
    mine = step(session, city, "objection", "verify", D(2026, 9, 21), org="scjg", pid=21, subject=city.subject_id)
    period = step(session, city, "listing", "notice_period", D(2026, 9, 24), org="scjg", pid=22,
                  subject=city.subject_id)
    step(session, city, "objection", "verify", D(2026, 9, 21), org="scjg", pid=23, subject=city.other_subject_id)
    done = step(session, city, "repair", "acceptance", D(2026, 9, 21), org="scjg", pid=24, subject=city.subject_id)
    deadlines.complete_step(session, done, "accepted")
    session.commit()
    home = service.home(session, principal(city.users["firm"]), TODAY)
    assert [(i.kind, i.ref, i.link) for i in home.items] == sorted(
        [("objection_verify", 21, "/me/objections/21"), ("listing_notice_period", 22, "/me/lists")],
        key=lambda x: {21: mine.due_on, 22: period.due_on}[x[1]])
    other = service.home(session, principal(city.users["other"]), TODAY)
    assert [i.ref for i in other.items] == [23]


def test_unread_notifications_are_counted_for_the_reader(session, city):
    notify(session, kind="test", text_zh="请核查", text_en="verify", org_id=city.orgs["scjg"].id)
    notify(session, kind="test", text_zh="请办理", text_en="handle", role="staff")
    session.commit()
    assert service.workbench(session, principal(city.users["scjg"]), TODAY).unread == 1
    assert service.workbench(session, principal(city.users["swj"]), TODAY).unread == 0
    assert service.workbench(session, principal(city.users["staff"]), TODAY).unread == 1


def _queries(session, run) -> int:
    seen = []
    listener = lambda *args: seen.append(1)  # noqa: E731
    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", listener)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(seen)


def test_the_number_of_queries_does_not_grow_with_the_items(session, city):
    def bench(who):
        session.expire_all()
        return lambda: service.workbench(session, principal(city.users[who]), TODAY)

    for i in range(2):
        step(session, city, "objection", "verify", D(2026, 9, 1) + dt.timedelta(days=i), org="scjg", pid=100 + i)
        step(session, city, "complaint", "handle", D(2026, 9, 1) + dt.timedelta(days=i), role="staff", pid=200 + i)
    session.commit()
    few = {who: _queries(session, bench(who)) for who in ("scjg", "staff")}
    for i in range(2, 40):
        step(session, city, "objection", "verify", D(2026, 9, 1) + dt.timedelta(days=i % 25), org="scjg", pid=100 + i)
        step(session, city, "complaint", "handle", D(2026, 9, 1) + dt.timedelta(days=i % 25), role="staff",
             pid=200 + i)
    session.commit()
    many = {who: _queries(session, bench(who)) for who in ("scjg", "staff")}
    assert many == few
    assert len(service.workbench(session, principal(city.users["scjg"]), TODAY).items) == 40
    for i in range(40, rules.LIMIT + 5):
        step(session, city, "objection", "verify", D(2026, 9, 1), org="scjg", pid=100 + i)
    session.commit()
    capped = service.workbench(session, principal(city.users["scjg"]), TODAY)
    assert len(capped.items) == rules.LIMIT and capped.truncated     # bounded whatever the backlog


states = st.sampled_from(list(rules.STATE_RANK))
todos = st.builds(rules.Todo, kind=st.sampled_from(["a", "b"]), link=st.just(""),
                  due_on=st.one_of(st.none(), st.dates(D(2026, 1, 1), D(2027, 12, 31))), state=states,
                  ref=st.one_of(st.none(), st.integers(1, 10**6)))


@given(st.lists(todos, max_size=30))
def test_order_is_by_state_then_due_date_with_undated_items_last_within_a_state(items):
    out = rules.ordered(items)
    assert sorted(out, key=id) == sorted(items, key=id)
    keys = [(rules.STATE_RANK[i.state], i.due_on is None, i.due_on or D.max) for i in out]
    assert keys == sorted(keys)
    counts = rules.counts_by_state(items)
    assert sum(counts.values()) == sum(i.count for i in items)


def test_a_receivers_unacknowledged_changes_are_one_line_due_by_the_oldest(session, city):
    from sqlalchemy import select

    from xinyong.feed import rules as feed_rules
    from xinyong.feed import service as feed
    from xinyong.law.loader import active_profile
    from xinyong.models import Record
    from xinyong.workdays import load_calendar

    feed.register_receiver(session, None, city.orgs["rating"].id)
    records = list(session.scalars(select(Record.id).order_by(Record.id)))
    assert feed.emit_for_records(session, "published", records[:1], occurred_on=D(2026, 9, 21)) == 1
    assert feed.emit_for_records(session, "published", records[1:2], occurred_on=D(2026, 9, 28)) == 1
    session.commit()
    [item] = service.workbench(session, principal(city.users["rating"]), TODAY).items
    working_days = feed_rules.ack_policy(active_profile(), TODAY).working_days
    assert (item.kind, item.link, item.count) == ("feed_ack", "/feed", 2)
    assert item.due_on == feed_rules.ack_due(load_calendar(session), D(2026, 9, 21), working_days) < TODAY
    assert item.state == "overdue" and item.citation
    assert service.workbench(session, principal(city.users["swj"]), TODAY).items == []   # not a receiver


def test_the_administrator_is_told_when_next_years_holidays_are_not_loaded(session, city):
    from xinyong.workdays import load_calendar

    assert load_calendar(session).covered(2027) is None            # 2027 has no official schedule here
    items = service.workbench(session, principal(city.users["admin"]), TODAY).items
    assert [(i.kind, i.ref, i.link) for i in items] == [("calendar_next_year", 2027, "/staff/calendar")]
    assert service.workbench(session, principal(city.users["admin"]), D(2025, 6, 2)).items == []   # 2026 is loaded
