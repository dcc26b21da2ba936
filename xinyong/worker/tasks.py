"""The jobs the platform's own schedules queue. Each is a unit of work of its own (it opens and
commits its transactions, as a CLI command does), takes the job's payload and returns a small
report that the job row keeps. Every one is safe to run again: a job whose worker was killed
half-way is run again by another worker."""
from __future__ import annotations

from xinyong import clock
from xinyong.kit.access import Principal


def run_sweep(actor: Principal | None) -> tuple[dict, int, object]:
    """The daily sweep (`xinyong sweep`): every domain's run_sweep in one transaction, an audit
    checkpoint over the chain heads, then a published tree head. Returns (report, checkpoint
    id, head)."""
    from xinyong.audit import create_checkpoint, record_event
    from xinyong.db import session_scope
    from xinyong.registry import SWEEPS, load
    from xinyong.transparency.worker import sequence_and_publish
    today = clock.today()
    report: dict = {"as_of": today.isoformat()}
    with session_scope() as session:
        for module in map(load, SWEEPS):
            report.update(module.run_sweep(session, today))
        record_event(session, actor, "sweep.run", target_type="sweep", details=report)
        checkpoint = create_checkpoint(session)  # sign the chain heads as of every sweep
        checkpoint_id = checkpoint.id
    head = sequence_and_publish()  # and publish a tree head outside the database
    return report, checkpoint_id, head


def daily_sweep(payload: dict) -> dict:
    report, checkpoint_id, head = run_sweep(None)  # actor None: the platform itself
    return {**report, "checkpoint": checkpoint_id, "tree_size": head.tree_size if head else None}


def tree_head(payload: dict) -> dict:
    """Sign and publish a tree head when entries wait and the last head is old enough (the
    same rule as the web application's opportunistic trigger, which stays a second caller)."""
    from xinyong.db import session_scope
    from xinyong.transparency.worker import due, sequence_and_publish
    with session_scope() as session:
        wanted = due(session)
    if not wanted:
        return {"signed": False}
    head = sequence_and_publish()
    return {"signed": True, "tree_size": head.tree_size if head else None}


def feed_deadlines(payload: dict) -> dict:
    """The change feed's step of the sweep, more often than daily: "publication ended" changes
    and overdue acknowledgements (QZ art. 36 para. 2) show within the hour."""
    return _one_sweep("xinyong.feed.sweep")


def evaluation_recompute(payload: dict) -> dict:
    """The full evaluation recompute of the day (QZ art. 16), once per day and model."""
    return _one_sweep("xinyong.evaluation.sweep")


def partition_maintenance(payload: dict) -> dict:
    """On PostgreSQL: months of the partitioned tables made ahead, months wholly past their
    retention period (profile rule retention.partitions) dropped (issue 16 point 6)."""
    from xinyong.db import session_scope
    from xinyong.partitions.service import maintain
    with session_scope() as session:
        return maintain(session)


def _one_sweep(module: str) -> dict:
    from xinyong.db import session_scope
    from xinyong.registry import load
    with session_scope() as session:
        return dict(load(module).run_sweep(session, clock.today()))
