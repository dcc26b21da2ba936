"""Gates other domains put on every batch, found through ``xinyong.registry.BATCH_GATES``: each
listed module exposes

  refusal(session, agency, item, today) -> (code, message) | None
      the whole batch is refused (recorded with its reason) before any row is read;
  screen(session, agency, item, accepted: pl.DataFrame, today) -> (accepted, rejections)
      rows it takes out of the accepted ones go back for review (退回复核) with a reason, in
      rules.REJECTION_SCHEMA; set-based (no query per row).

E.g. market credit information: only an approved provider's rows, each under its subject's
written authorisation (xinyong/market/gate.py, QZ art. 12)."""
from __future__ import annotations

import datetime as dt

import polars as pl

from xinyong.registry import BATCH_GATES, load


def refusal(session, agency, item, today: dt.date) -> tuple[str, ...] | None:
    """The first gate's refusal: (code, message) or (code, message, zh, en)."""
    for name in BATCH_GATES:
        found = load(name).refusal(session, agency, item, today)
        if found is not None:
            return found
    return None


def screen(session, agency, item, accepted: pl.DataFrame, rejections: pl.DataFrame,
           today: dt.date) -> tuple[pl.DataFrame, pl.DataFrame]:
    for name in BATCH_GATES:
        if not accepted.height:
            break
        accepted, returned = load(name).screen(session, agency, item, accepted, today)
        if returned.height:
            rejections = pl.concat([rejections, returned.cast(rejections.schema)]).sort("row_no", maintain_order=True)
    return accepted, rejections
