"""Issue 16, "load held", end to end through the front door: two `xinyong serve` nodes and a
worker behind a real nginx, on a primary and its synchronous standby (the nodes on the two-host
URL, public reads on XINYONG_READ_DATABASE_URL), under concurrent anonymous profile reads and an
agency's batch uploads (xinyong.devtools.loadgen). The primary is killed with kill -9 mid-load
and the standby promoted a moment later: nothing is restarted, no request gets a 500, every
answer of the outage is a 503 with Retry-After (or a refused connection, never from nginx
here), the platform serves reads and writes again after the promotion, and every batch a
client was told was stored is there exactly once and whole. The long version, with figures:
bench/failover_bench.py (docs/RELIABILITY.md, "Load held")."""
from __future__ import annotations

import os
import time

from sqlalchemy import select

from tests.support.builders import agency, agency_user, penalty_rows, to_csv
from xinyong.accounts.tokens import issue_token
from xinyong.db import session_scope
from xinyong.devtools import loadgen
from xinyong.devtools.cluster import running_cluster
from xinyong.ingest.service import ingest_file
from xinyong.models import Record

BEFORE, OUTAGE, AFTER = 3.0, 2.0, 6.0      # seconds of load before the kill, until the promotion, after


def _warm(load, timeout: float = 40) -> None:
    """Until both writers have had a batch acknowledged (a node's first batch is slow: imports,
    caches), so that the kill falls on a platform in its stride."""
    deadline = time.monotonic() + timeout
    while len({a.key.rsplit("-", 1)[0] for a in load.acks}) < load.writers:
        assert time.monotonic() < deadline, ("the platform never took a batch", load.refused, load.samples[-5:])
        time.sleep(0.2)
    load.mark("start")           # the figures count from here


def _world() -> tuple[loadgen.Agency, list[int]]:
    """An agency with an account and a token, and 30 subjects with a public penalty to read."""
    with session_scope() as s:
        source = agency(s)
        agency_user(s, source.uscc, username="load-agency")
        ingest_file(s, data=to_csv(penalty_rows(30, source.uscc, seed=16)), filename="p.csv",
                    source_uscc=source.uscc, item_code="penalty")
        token = issue_token(s, "load-agency", "load", scopes=["batches:write"], days=1)
        ids = sorted(set(s.scalars(select(Record.subject_id))))
        return loadgen.Agency(source.uscc, source.name, token), ids


def test_the_platform_holds_its_load_through_a_kill9_of_the_primary_and_loses_no_acknowledged_write(
        pair):
    rs = pair
    who, ids = _world()
    rs.wait_replayed()
    env = {**os.environ, "XINYONG_DEV": "1", "XINYONG_READ_DATABASE_URL": rs.read_url,
           "XINYONG_RATE_ANON_PER_MINUTE": "100000", "XINYONG_RATE_USER_PER_MINUTE": "100000"}
    with running_cluster(rs.url, nodes=2, worker=True, env=env) as cluster:
        load = loadgen.Load(cluster.url, who, ids, readers=3, writers=2, rows=5, prefix="faultload").start()
        _warm(load)
        time.sleep(BEFORE)
        acked_before = len(load.acks)
        load.mark("kill")
        rs.kill_primary()
        time.sleep(OUTAGE)
        rs.promote()
        load.mark("promoted")
        time.sleep(AFTER)
        load.stop()
        alive = {name: proc.poll() for name, proc in cluster.processes.items()}

    figures = loadgen.summary(load)
    print(figures)
    assert alive == {name: None for name in alive}, alive            # nothing restarted or dead
    assert acked_before > 0 and figures["phases"]["before"]["read_ok_per_s"] > 0
    statuses = {**figures["read_statuses"], **{f"w{k}": v for k, v in figures["write_statuses"].items()}}
    assert "500" not in figures["read_statuses"] and "500" not in figures["write_statuses"], statuses
    failed = [x for x in load.samples if x.status >= 500 or x.status == loadgen.CONNECTION_FAILED]
    assert failed, "the kill was never seen by a client"
    assert all(x.status == 503 and x.retry_after for x in failed), statuses  # only 503 + Retry-After
    k, p = load.marks["kill"], load.marks["promoted"]
    assert all(x.ended >= k and x.started < p + 5 for x in failed)      # all in the outage
    # reads and writes served again after the promotion, by the same processes
    assert figures["phases"]["after"]["read_ok_per_s"] > 0 and figures["phases"]["after"]["write_ok_per_s"] > 0
    assert figures["promoted_to_first_write_seconds"] < 15, figures
    assert figures["resent_batches"] >= 1                     # a batch was in flight across the outage
    assert not load.unacknowledged and not load.refused, (load.unacknowledged, load.refused)

    check = loadgen.check_writes(rs.url, load)                 # on the promoted standby
    assert not loadgen.data_lost(check), check
    assert check["found"] == check["acknowledged"] == len(load.acks) > acked_before
    assert check["records_of_acknowledged"] == 5 * len(load.acks)
