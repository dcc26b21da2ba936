"""The one unit of work a scheduler or worker calls: sequence pending audit entries, sign a
head, commit, then copy the head out of the database (archive). `xinyong audit sequence`,
`xinyong sweep`, `xinyong demo` and the web application's opportunistic trigger all call
`sequence_and_publish`; a future `xinyong worker` calls it too."""
from __future__ import annotations

import datetime as dt
import json
import logging

from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.config import get_settings
from xinyong.transparency import archive, repository, service
from xinyong.transparency.rules import TreeHead, head_from_document

log = logging.getLogger("xinyong.transparency")


def sequence_and_publish(*, force_head: bool = False, engine=None) -> TreeHead | None:
    """Sequence in its own transaction, commit, then publish the latest head. Returns it."""
    from xinyong.db import session_scope
    with session_scope(engine) as session:
        service.sequence(session, force_head=force_head)
    with session_scope(engine) as session:
        return publish_latest(session)


def publish_latest(session: Session) -> TreeHead | None:
    """Copy the database's latest head to the archive, with every leaf hash since the last
    archived head (so a publication missed after a crash is caught up)."""
    # one publisher at a time, across processes and nodes (the state row's lock, as sequencing
    # takes it): otherwise a publisher that read an older head could write it after a newer
    # one, moving latest.json back, or take the newer archive for a rolled-back database
    repository.lock_state(session)
    head = service.latest_head(session)
    if head is None:
        return None
    archived = last_archived_size()
    if archived is not None and archived > head.tree_size:
        raise archive.ArchiveConflict(f"the archive holds a head of size {archived}, the database's latest is "
                                      f"{head.tree_size}: the database was rolled back")
    start = archived or 0
    archive.publish(head, start, repository.leaf_hashes(session, start, head.tree_size), service.keys_doc())
    return head


def last_archived_size() -> int | None:
    latest = archive.archive_dir() / "sth" / "latest.json"
    if not latest.exists():
        return None
    return head_from_document(json.loads(latest.read_text(encoding="utf-8"))).tree_size


def due(session: Session, now: dt.datetime | None = None) -> bool:
    """Entries wait and the latest head is older than the interval (or there is none)."""
    if not repository.pending_ids(session, 1):
        return False
    head = repository.latest_head(session)
    now = now or clock.now()
    return head is None or (now - head.at).total_seconds() >= get_settings().transparency_interval_seconds


def sequence_if_due(engine=None) -> TreeHead | None:
    """The opportunistic trigger: cheap when nothing is due; never raises into a request."""
    from xinyong.db import session_scope
    try:
        with session_scope(engine) as session:
            if not due(session):
                return None
        return sequence_and_publish(engine=engine)
    except Exception:  # the next request or run tries again; the log says why
        log.exception("sequencing the transparency log failed")
        return None


def sequence_and_publish_quietly(engine=None) -> TreeHead | None:
    """After a commit: sign and publish now; a failure is logged, the next trigger retries."""
    try:
        return sequence_and_publish(engine=engine)
    except Exception:
        log.exception("sequencing the transparency log failed")
        return None
