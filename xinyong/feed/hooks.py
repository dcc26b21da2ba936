"""The feed's reactions to other domains' changes, inside their unit of work
(xinyong/registry.py HOOKS). Each is one INSERT ... SELECT, whatever the number of records."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.feed import repository, rules
from xinyong.feed.service import emit, emit_for_records, feed_citation


def on_batch_ingested(session: Session, batch_id: int, today: dt.date | None = None) -> None:
    """A batch's records in public view today (a 2019 penalty loaded today is not): new ones are "published", re-sent decisions that changed
    a record (version > 1, rewritten by this batch) are "corrected". Unchanged re-sends keep their
    earlier batch id and emit nothing. Applied after the batch's commit (the ingest outbox) with
    ``today`` the day of that commit."""
    today = today or clock.today()
    repository.insert_record_events(
        session, "CASE WHEN r.version > 1 THEN 'corrected' ELSE 'published' END",
        f"r.batch_id = :batch_id AND {repository.emit_condition('published')}", {"batch_id": batch_id, "on": today},
        ":on", feed_citation(today))


def on_records_repaired(session: Session, subject_id: int, record_ids: list[int], today: dt.date) -> None:
    emit_for_records(session, "repaired", record_ids, today)


def on_repair_revoked(session: Session, subject_id: int, record_ids: list[int], today: dt.date) -> None:
    emit_for_records(session, "repair_revoked", record_ids, today)


def on_records_corrected(session: Session, subject_id: int, record_ids: list[int], today: dt.date) -> None:
    emit_for_records(session, "corrected", record_ids, today)


def on_objection_opened(session: Session, subject_id: int, record_ids: list[int], today: dt.date) -> None:
    """Receivers mark the record "under objection" as the portal does (QZ art. 34)."""
    emit_for_records(session, "objection_opened", record_ids, today)


def on_objection_closed(session: Session, subject_id: int, record_ids: list[int], today: dt.date) -> None:
    emit_for_records(session, "objection_closed", record_ids, today)


def on_tree_head_signed(session: Session, head: dict) -> None:
    """Every signed tree head of the transparency log goes to the receivers as an event whose
    details are the head's published document (verifiable with tools/verify_log.py sth), so
    copies exist that the platform's operator cannot take back (issue 12)."""
    today = clock.today()
    emit(session, "tree_head", [{"subject_id": rules.NO_SUBJECT, "record_id": None, "details": head}], today,
         feed_citation(today))
