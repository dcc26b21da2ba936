"""History by mechanism, not by hand (ARCHITECTURE.md habit 7).

Models marked with `@versioned("entity")` get the before-image of every change written to
the shared `history` table by a before-flush hook, with who changed it and why. Bulk
paths that change many rows at once (ingestion) write the same table set-based in SQL
(xinyong.ingest.repository.update_records), so there is one history and one reader.

A service that changes a versioned entity first says who and why:

    change_context(session, user_id=principal.user_id, reason="revoked by the subject")
"""
from __future__ import annotations

import datetime as dt
import decimal

from sqlalchemy import event, func, inspect, select
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.models.history import History

CTX_KEY = "xinyong.history"


class HistoryError(RuntimeError):
    """A versioned entity changed without a stated reason: a bug, never bad input."""


def versioned(entity: str, ignore: tuple[str, ...] = (), secret: tuple[str, ...] = ()):
    """Version a model; changes only to `ignore` columns (counters, caches) make no version;
    `secret` columns (password hashes) are versioned as changed, never copied."""
    def mark(cls):
        cls.__versioned__ = entity
        cls.__versioned_ignore__ = frozenset(ignore)
        cls.__versioned_secret__ = frozenset(secret)
        return cls
    return mark


def change_context(session: Session, *, user_id: int | None, reason: str) -> None:
    if not reason or not reason.strip():
        raise HistoryError("a change needs a reason")
    session.info[CTX_KEY] = (user_id, reason.strip())


def versions(session: Session, entity: str, entity_id: int) -> list[History]:
    """Every version of one entity; on PostgreSQL only the months from its first to its last
    change are read (xinyong.partitions.repository.history_window)."""
    from xinyong.partitions.repository import history_window
    stmt = (select(History).where(History.entity == entity, History.entity_id == entity_id,
                                  history_window(session, entity, entity_id))
            .order_by(History.version))
    return list(session.scalars(stmt))


def _plain(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes):
        return "<encrypted>"
    return value


def _before_image(obj) -> tuple[dict, bool]:
    state = inspect(obj)
    ignored = getattr(type(obj), "__versioned_ignore__", frozenset())
    secrets = getattr(type(obj), "__versioned_secret__", frozenset())
    snapshot, changed = {}, False
    for attr in state.mapper.column_attrs:
        hist = state.attrs[attr.key].history
        if hist.has_changes():
            changed = changed or attr.key not in ignored
            old = hist.deleted[0] if hist.deleted else None
        else:
            old = getattr(obj, attr.key)
        snapshot[attr.key] = "<secret>" if attr.key in secrets else _plain(old)
    return snapshot, changed


def _next_version(session: Session, obj, entity: str, snapshot: dict) -> int:
    if "version" in snapshot and snapshot["version"] is not None:
        obj.version = snapshot["version"] + 1
        return snapshot["version"]
    with session.no_autoflush:
        from xinyong.partitions.repository import history_window
        last = session.scalar(select(func.max(History.version)).where(
            History.entity == entity, History.entity_id == obj.id, history_window(session, entity, obj.id)))
    return (last or 0) + 1


@event.listens_for(Session, "before_flush")
def _record_versions(session: Session, _flush_context, _instances) -> None:
    for obj in list(session.dirty):
        entity = getattr(type(obj), "__versioned__", None)
        if entity is None:
            continue
        snapshot, changed = _before_image(obj)
        if not changed:
            continue
        ctx = session.info.get(CTX_KEY)
        if ctx is None:
            raise HistoryError(f"{entity} {obj.id} changed without change_context(reason=...)")
        user_id, reason = ctx
        version = _next_version(session, obj, entity, snapshot)
        session.add(History(entity=entity, entity_id=obj.id, subject_id=getattr(obj, "subject_id", None),
                            version=version, snapshot=snapshot, change_reason=reason, changed_by=user_id,
                            changed_at=clock.now()))
