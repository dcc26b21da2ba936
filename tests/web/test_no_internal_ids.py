"""A page names a thing by what its reader knows (a decision number, a name, a date), not by
its row in the database: "#{{ r.id }}" after a record's decision number, "#{{ d.id }}" before a
declaration's subject were internal ids shown as text. A number written "#n" is shown only
where it is the number the platform gives that case and its reader quotes (listed here, each
with why); a link may still carry an id in its address."""
from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "xinyong" / "web" / "templates"
HASH_ID = re.compile(r"#\{\{-?\s*([\w.\[\]'\"]+)\s*-?\}\}")
NUMBERS = {
    # an objection's number, as its detail page names it ("异议 第n号")
    ("objections/_table.html", "o.id"),
    # a complaint's case number, as its detail page ("投诉举报 #n") names it for staff
    ("complaints/queue.html", "c.id"), ("complaints/reassignments.html", "r.complaint_id"),
    # the audit log entry of each opening of a sealed identity, as the audit log numbers it for auditors
    ("complaints/identity_views.html", "v.audit_entry_id"),
    # a feed event's sequence number: a receiver acknowledges the feed through it (API)
    ("feed/receivers.html", "s.oldest_unacknowledged_id"), ("feed/mine.html", "e.id"),
}


def hash_ids(text: str) -> list[str]:
    return HASH_ID.findall(text)


def test_a_number_is_shown_only_where_it_is_the_cases_own():
    shown = {(str(p.relative_to(TEMPLATES)), expr) for p in TEMPLATES.rglob("*.html")
             for expr in hash_ids(p.read_text(encoding="utf-8"))}
    assert shown - NUMBERS == set(), "name the thing by what its reader knows, or list its number here with why"
    assert NUMBERS - shown == set(), "listed numbers no longer shown: take them off the list"


def test_the_check_above_can_fail():
    assert hash_ids('{{ r.decision_no }} <span class="muted">#{{ r.id }}</span>') == ["r.id"]
    assert hash_ids('<a href="/complaints/{{ c.id }}#reassignments">') == []     # an address, not text
