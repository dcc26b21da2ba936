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
