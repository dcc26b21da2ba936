"""The navigation bar as data: every role sees only its links; many links are grouped under
headings, and every link of the role is still there (and leads to a page)."""
from __future__ import annotations

import re

import pytest

from xinyong.web.nav import entries, groups_for, links_for

ROLES = ("anonymous", "subject", "agency", "staff", "admin", "auditor", "credit_service", "financial")


@pytest.mark.parametrize("role", ROLES)
def test_grouping_keeps_every_link_once_in_order(role):
    grouped = groups_for(role)
    flat = [link for _, links in grouped for link in links]
    assert flat == links_for(role)
    labels = [label for label, _ in grouped]
    assert len(labels) == len(set(labels))
    if len(flat) <= 9:
        assert labels == [None]
    else:                                   # the main links first, then the menus
        assert labels[0] is None and None not in labels[1:]
        assert all(link["order"] < 5 for link in grouped[0][1])


def test_staff_see_grouped_headings_and_the_public_a_flat_row(client):
    assert len(groups_for("staff")) > 3 and groups_for("anonymous")[0][0] is None
    html = client.get("/").text
    assert 'class="navgroup"' not in html and 'href="/catalogue"' in html


def test_every_nav_link_is_a_page_of_the_app():
    from xinyong.app import create_app
    from xinyong.kit.access import iter_routes
    pages = [re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", r.path) + "$")
             for r in iter_routes(create_app().routes) if "GET" in getattr(r, "methods", ())]
    assert [e["href"] for e in entries() if not any(p.match(e["href"]) for p in pages)] == []


@pytest.mark.parametrize("role, present, absent", [
    # QZ art. 28 para. 2, 33: an enterprise queries and asks special reports on authorisation; it
    # answers objections to its market records (QZ art. 34 para. 2); it is no feed receiver (FZ art. 8)
    ("enterprise", {"/agency/query", "/reports/special", "/agency/objections", "/provider/market"}, {"/feed"}),
    ("credit_service", {"/agency/objections", "/feed", "/provider/market", "/agency/deadlines"}, set()),
    ("judicial", {"/agency/objections", "/feed", "/agency/query"}, {"/provider/market"}),
    ("staff", {"/agency/query", "/workbench"}, {"/agency/deadlines", "/feed"}),
])
def test_organisation_links_follow_what_the_role_may_do(role, present, absent):
    hrefs = {e["href"] for e in links_for(role)}
    assert present <= hrefs and not absent & hrefs


def test_a_nav_entry_naming_an_unknown_capability_is_refused():
    from xinyong.web.nav import _with_org_roles
    with pytest.raises(ValueError, match="org_roles"):
        _with_org_roles({"href": "/x", "label": "x", "roles": [], "org_roles": "fly"}, "x.yaml")
    assert _with_org_roles({"href": "/x", "label": "x", "roles": ["staff"], "org_roles": "all"},
                           "x.yaml")["roles"][0] == "staff"
