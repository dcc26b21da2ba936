"""Stateless web nodes (issue 16 point 2, and the second half of point 5): two `xinyong serve`
nodes and a worker on one PostgreSQL, behind a real nginx on loopback (xinyong.devtools.cluster).
Over ONE keep-alive client connection, requests land on both nodes; a client signed in on one
is signed in on the other, and signed out on both at once; the rate limit is one limit across
both nodes (429 after the limit, not after twice the limit), whatever X-Forwarded-For the
client makes up (nginx reaches the nodes from 127.0.0.2, the only proxy they trust); so is the
sign-in delay.

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
ON_POSTGRESQL = pytest.mark.parametrize("backend", ["postgresql"])   # N nodes share a server database


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


@ON_POSTGRESQL
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
        # each with a made-up X-Forwarded-For: only nginx's is believed (XINYONG_TRUSTED_PROXIES)
        answers = [client.get("/search", headers={"X-Forwarded-For": f"203.0.113.{n}"}, follow_redirects=False)
                   for n in range(2 * LIMIT + 2)]
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


def test_the_template_renders_a_production_configuration_nginx_accepts(tmp_path):
    """Filled for three nodes as an operator would (no node header): nginx -t accepts it, and it
    says what the set-up rests on."""
    import subprocess

    from xinyong.devtools.cluster import free_port, nginx_binary, render_nginx
    nodes = ["10.0.0.11:8000", "10.0.0.12:8000", "10.0.0.13:8000"]
    text = render_nginx(f"127.0.0.1:{free_port()}", nodes, tmp_path, max_body="600m")
    conf = tmp_path / "nginx.conf"
    conf.write_text(text, encoding="utf-8")
    check = subprocess.run([nginx_binary(), "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(conf)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    for line in ("least_conn;", "keepalive 32;", 'proxy_set_header Connection "";', "proxy_http_version 1.1;",
                 "X-Forwarded-For $proxy_add_x_forwarded_for", "client_max_body_size 600m;", "location /static/"):
        assert line in text
    assert all(f"server {n} " in text for n in nodes)
    assert NODE_HEADER not in text and "$request " not in text and "proxy_bind" not in text
