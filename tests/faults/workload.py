"""The client the fault tests kill the primary under: a separate process that does the
platform's work through its own engine (the multi-host URL in XINYONG_DATABASE_URL) and
prints one line per step, flushed:

    begin <n>        a unit of work starts
    committed <n> <id> [replayed]   its commit was acknowledged (or a retry found it done)
    retry <n> <error class>         the connection broke; the same work is sent again

`ingest <count> <rows> <source uscc>`: batches through the route's idempotent path
(xinyong.ingest.idempotency.submit_once, key "fault-<n>"), as an agency's client retries.
`approve <app id> …`: repair approvals by the deciding agency's account "scjg"; a retry
that finds the application already approved reports it committed (replayed).

Run: python -m tests.faults.workload ingest 6 300 <uscc>
"""
from __future__ import annotations

import os
import sys
import time

from sqlalchemy.exc import DBAPIError, OperationalError

RETRY_FOR_SECONDS = 60


def say(*words) -> None:
    print(*words, flush=True)


def with_retries(n: int, work) -> None:
    """Run `work()` (returns (id, replayed)) until it commits; reconnect on a lost server."""
    deadline = time.monotonic() + RETRY_FOR_SECONDS
    say("begin", n)
    while True:
        try:
            found, replayed = work()
        except (OperationalError, DBAPIError) as exc:
            if not getattr(exc, "connection_invalidated", False) and not isinstance(exc, OperationalError):
                raise
            if time.monotonic() > deadline:
                raise
            say("retry", n, type(exc.orig).__name__ if exc.orig is not None else type(exc).__name__)
            time.sleep(0.2)
            continue
        say("committed", n, found, "replayed" if replayed else "")
        return


HOLD_WRITES = "FAULTS_HOLD_WRITES_SECONDS"


def _hold_after_records(seconds: float) -> None:
    """Keep each batch's transaction open this long after its records are written: a test that
    kills the server "mid-write" (it waits to see the records' lock held) then kills it before the
    commit, not after a 200-row batch has already committed in the few ms the kill takes."""
    from xinyong.ingest import repository
    real = repository.insert_records

    def insert_records(*args, **kwargs):
        loaded = real(*args, **kwargs)
        time.sleep(seconds)
        return loaded
    repository.insert_records = insert_records


def ingest(count: int, rows: int, source: str) -> None:
    from tests.support.builders import penalty_rows, to_csv
    from xinyong.db import session_factory
    from xinyong.ingest import idempotency, service

    if os.environ.get(HOLD_WRITES):
        _hold_after_records(float(os.environ[HOLD_WRITES]))

    for n in range(count):
        data = to_csv(penalty_rows(rows, source, seed=100 + n, prefix=f"泉市监罚F{n}"))
        key = f"fault-{n}"
        fingerprint = idempotency.fingerprint("file", source, "penalty", None, "fault.csv", data)

        def work(data=data, key=key, fingerprint=fingerprint):
            session = session_factory()()
            try:
                def run() -> int:
                    return service.ingest_file(session, data=data, filename="fault.csv", source_uscc=source,
                                               item_code="penalty", channel="api", idempotency_key=key,
                                               request_sha256=fingerprint).batch_id
                return idempotency.submit_once(session, key, source, fingerprint, run)
            finally:
                session.close()

        with_retries(n, work)


def approve(app_ids: list[int]) -> None:
    from sqlalchemy import select

    from tests.repair.conftest import conditions_in_force
    from xinyong.accounts.service import principal_of
    from xinyong.db import session_scope
    from xinyong.kit.errors import Conflict
    from xinyong.models import User
    from xinyong.models.repair import RepairApplication
    from xinyong.repair import service

    hold = float(os.environ.get(HOLD_WRITES) or 0)
    for app_id in app_ids:
        def work(app_id=app_id):
            try:
                with session_scope() as s:
                    agency = principal_of(s.scalar(select(User).where(User.username == "scjg")), "session")
                    service.approve(s, agency, app_id, confirmed=conditions_in_force())
                    time.sleep(hold)   # the decision written, not yet committed (HOLD_WRITES)
                return app_id, False
            except Conflict:   # the first attempt committed; its answer was lost with the server
                with session_scope() as s:
                    if s.get(RepairApplication, app_id).status != "approved":
                        raise
                return app_id, True

        with_retries(app_id, work)


if __name__ == "__main__":
    if sys.argv[1] == "ingest":
        ingest(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
    else:
        approve([int(a) for a in sys.argv[2:]])
