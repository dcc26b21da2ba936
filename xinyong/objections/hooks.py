"""Reactions of the objections domain to other domains' changes (xinyong/registry.py HOOKS)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from xinyong.objections import rights


def on_batch_ingested(session: Session, batch_id: int) -> None:
    """QZ art. 20: the subjects of new dishonesty records are told of their rights."""
    rights.notify_batch(session, batch_id)
