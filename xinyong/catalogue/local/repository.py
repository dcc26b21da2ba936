"""Reads and writes of the local supplementary catalogue tables."""
from __future__ import annotations

import uuid

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from xinyong.catalogue.local.merge import STATE_ID
from xinyong.models.local_catalogue import LocalCatalogueItem, LocalCatalogueState, LocalCatalogueVersion


def item(session: Session, code: str, *, lock: bool = False) -> LocalCatalogueItem | None:
    stmt = select(LocalCatalogueItem).where(LocalCatalogueItem.code == code)
    return session.scalar(stmt.with_for_update() if lock else stmt)


def current(session: Session) -> list[tuple[LocalCatalogueItem, LocalCatalogueVersion]]:
    stmt = (select(LocalCatalogueItem, LocalCatalogueVersion)
            .join(LocalCatalogueVersion, (LocalCatalogueVersion.code == LocalCatalogueItem.code)
                  & (LocalCatalogueVersion.version == LocalCatalogueItem.current_version))
            .order_by(LocalCatalogueItem.code))
    return [(i, v) for i, v in session.execute(stmt)]


def versions(session: Session, code: str) -> list[LocalCatalogueVersion]:
    stmt = (select(LocalCatalogueVersion).where(LocalCatalogueVersion.code == code)
            .order_by(LocalCatalogueVersion.version))
    return list(session.scalars(stmt))


def touch(session: Session) -> None:
    """Replace the change token in the writer's transaction: every node reloads once it commits.
    The row lock also queues concurrent changes one after another."""
    token = uuid.uuid4().hex
    done = session.execute(update(LocalCatalogueState).where(LocalCatalogueState.id == STATE_ID)
                           .values(token=token)).rowcount
    if not done:
        session.add(LocalCatalogueState(id=STATE_ID, token=token))
    session.flush()
