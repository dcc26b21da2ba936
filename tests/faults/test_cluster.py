"""Stateless web nodes (issue 16 point 2, and the second half of point 5): two `xinyong serve`
nodes and a worker on one PostgreSQL, behind a real nginx on loopback (xinyong.devtools.cluster).
Over ONE keep-alive client connection, requests land on both nodes; a client signed in on one
is signed in on the other, and signed out on both at once; the rate limit is one limit across
both nodes (429 after the limit, not after twice the limit); so is the sign-in delay.

Which node answered: nginx's X-Xinyong-Upstream header (the cluster tool's config only) and
its access log, which also names the client connection of each request."""
from __future__ import annotations

import os
import re
import time

import httpx
import pytest

from tests.support.builders import staff_user
from tests.support.web import CSRF, page_login
from xinyong.devtools.cluster import NODE_HEADER, running_cluster

PW = "Cluster-pass-2026"
LIMIT = 8   # anonymous requests per minute (and burst) in this cluster
pytestmark = pytest.mark.parametrize("backend", ["postgresql"])   # N nodes share a server database


@pytest.fixture
def cluster(db, session):
    staff_user(session, "cluster-staff", PW)
    session.commit()
    env = {"XINYONG_RATE_ANON_PER_MINUTE": str(LIMIT), "XINYONG_RATE_USER_PER_MINUTE": "600",
           "XINYONG_RATE_LOGIN_PER_MINUTE": "30", "XINYONG_DEV": "1"}   # the suite's fixed secrets
    with running_cluster(db.url.render_as_string(hide_password=False), nodes=2, worker=True,
                         env={**os.environ, **env}) as running:
        yield running


def _one_connection(cluster) -> httpx.Client:
    """A client that can hold only one connection: every request reuses it (keep-alive)."""
    return httpx.Client(base_url=cluster.url, limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
                        timeout=30)


def test_two_nodes_behind_nginx_share_sessions_limits_and_sign_in_delays_over_one_connection(cluster):
    nodes = set(cluster.nodes)
    with _one_connection(cluster) as client:
        # one session across both nodes: signed in through whichever node, then every page
        # request, on either node, sees it
        csrf = page_login(client, "cluster-staff", PW)
        pages = [client.get("/workbench", follow_redirects=False) for _ in range(6)]
        assert [p.status_code for p in pages] == [200] * 6
        assert {p.headers[NODE_HEADER] for p in pages} == nodes      # both nodes served the session
        # signed out through one node, signed out on the other too
        assert client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
        after = [client.get("/workbench", follow_redirects=False) for _ in range(2)]
        assert [a.status_code for a in after] == [303, 303] and {a.headers[NODE_HEADER] for a in after} == nodes

        # one rate limit across both nodes: LIMIT answers, then 429 from either node
        client.cookies.clear()
        started = time.monotonic()
        answers = [client.get("/search", follow_redirects=False) for _ in range(2 * LIMIT + 2)]
        refills = int((time.monotonic() - started) * LIMIT / 60)   # tokens that came back meanwhile
        statuses = [a.status_code for a in answers]
        assert set(statuses) == {200, 429}, statuses
        assert LIMIT <= statuses.count(200) <= LIMIT + refills, statuses   # one limit, not two
        refused = [a for a in answers if a.status_code == 429]
        assert {a.headers[NODE_HEADER] for a in refused} == nodes and all("Retry-After" in a.headers for a in refused)

        # the sign-in delay (accounts.throttle) counts in the database: wrong passwords on
        # alternating nodes, and the guesser is made to wait whichever node it reaches
        csrf = CSRF.search(client.get("/login").text).group(1)
        tries = [client.post("/login", data={"username": "cluster-staff", "password": f"wrong-guess-{n}-x",
                                             "csrf_token": csrf, "next": "/"}, follow_redirects=False)
                 for n in range(8)]
        assert [t.status_code for t in tries[:3]] == [401] * 3 and [t.status_code for t in tries[-2:]] == [429] * 2
        assert {t.headers[NODE_HEADER] for t in tries[-2:]} == nodes

    assert cluster.processes["worker"].poll() is None   # the worker ran beside the nodes all along
    # the same client connection all along, its requests spread over both nodes (nginx's log)
    lines = [line for line in cluster.log_file("access.log").splitlines() if "/api/v1/health" not in line]
    connections = {re.search(r"conn=(\d+)/", line).group(1) for line in lines}
    upstreams = {re.search(r"upstream=(\S+)", line).group(1) for line in lines if "/workbench" in line}
    assert len(lines) >= 2 * LIMIT + 10 and len(connections) == 1 and upstreams == nodes
    assert all("?" not in line for line in lines)   # no query string in the proxy's log
