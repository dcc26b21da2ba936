"""Which subjects a recompute's statements touch (xinyong/evaluation/repository.py): a subject
range (the full recompute), named subjects, or a batch's subjects staged in a keyed temporary
table; and how a per-subject scope is planned on PostgreSQL."""
from __future__ import annotations

import contextlib
import dataclasses
import json

from sqlalchemy import text
from sqlalchemy.orm import Session

from xinyong.kit.pgarray import IdList


@dataclasses.dataclass(frozen=True)
class Scope:
    """Which subjects a statement touches: `sql` is a predicate on `{col}`, with its params.
    A `per_subject` scope (named subjects, a batch's staged subjects) is read subject by subject
    through the indexes on subject_id, whatever share of the city it is (`per_subject_plans`)."""
    sql: str
    params: dict
    expanding: tuple[str, ...] = ()
    per_subject: bool = False
    # a per-subject scope's ids as a relation of one column `id` (PostgreSQL), for statements
    # that drive their reads from the scope (repository: `FROM <relation> k CROSS JOIN LATERAL …`)
    relation: str = ""

    def on(self, column: str) -> str:
        return self.sql.format(col=column)

    @staticmethod
    def subject_range(lo: int, hi: int) -> "Scope":
        return Scope("{col} BETWEEN :scope_lo AND :scope_hi", {"scope_lo": lo, "scope_hi": hi})

    @staticmethod
    def staged(table: str) -> "Scope":
        """The subject ids staged in a temporary table of this transaction (`stage_batch_subjects`)."""
        return Scope(f"{{col}} IN (SELECT subject_id FROM {table})", {}, per_subject=True,
                     relation=f"(SELECT subject_id AS id FROM {table})")

    @staticmethod
    def subjects(ids: list[int]) -> "Scope":
        return Scope("{col} IN :scope_ids", {"scope_ids": IdList(sorted(set(ids)))}, ("scope_ids",), per_subject=True,
                     relation="(SELECT unnest(CAST(:scope_ids AS bigint[])) AS id)")


# Issue #14 point 4: a per-subject scope must cost the same per touched subject in any city.
# PostgreSQL's planner, costing a batch that touches a large share of a small city (or misjudging
# a large one: 353k subjects estimated for 30k touched), reads whole tables with a hash join
# instead; these settings, local to the recompute's statements, leave it only index lookups
# driven by the scope (tests/evaluation/test_incremental_plans.py checks every plan). JIT is off
# too: a per-subject statement reads a few rows per subject, and the planner's cost for a
# batch's thousands of subjects (which grows with the city's statistics) crossed
# jit_above_cost, compiling expressions for every statement that read records (31 functions); a 10,000-row
# daily batch's records contributions statement (cost 519,312) took 0.25 s to compile against
# 0.015 s of execution (auto_explain). Bitmap scans are off as well: with the records just loaded
# and not analysed, the planner ANDed each subject's index with ix_records_item_date, re-reading
# all of the batch's records of the catalogue's items for every subject (quadratic: a 1M-row
# first load's outbox ran for minutes; tests/evaluation/test_incremental_plans.py).
PER_SUBJECT_SETTINGS = ("enable_seqscan", "enable_hashjoin", "enable_mergejoin", "enable_bitmapscan", "jit")


@contextlib.contextmanager
def per_subject_plans(session: Session, scope: Scope):
    """Within: on PostgreSQL, a per-subject scope's statements are planned as nested loops over
    index lookups (the settings are restored after; an error aborts the transaction, whose
    rollback drops them). A subject range (the full recompute) is planned freely."""
    if not scope.per_subject or session.get_bind().dialect.name != "postgresql":
        yield
        return
    names = PER_SUBJECT_SETTINGS
    before = session.execute(text("SELECT " + ", ".join(f"current_setting('{n}')" for n in names))).one()
    session.execute(text("SELECT " + ", ".join(f"set_config('{n}', 'off', true)" for n in names)))
    yield
    session.execute(text("SELECT " + ", ".join(f"set_config('{n}', :v{i}, true)" for i, n in enumerate(names))),
                    {f"v{i}": v for i, v in enumerate(before)})


SCOPE_TABLE = "eval_scope"


def stage_batch_subjects(session: Session, batch_id: int) -> int:
    """The distinct subjects of a batch's records in a temporary table, with planner
    statistics: each statement of the recompute joins this small table instead of reading
    the batch's records again (six passes over 1M records for a 1M-row batch, ~1 s each)."""
    _create_staged(session)
    session.execute(text(f"INSERT INTO {SCOPE_TABLE} (subject_id) "
                         f"SELECT DISTINCT subject_id FROM records WHERE batch_id = :b"), {"b": batch_id})
    session.execute(text(f"ANALYZE {SCOPE_TABLE}"))
    return session.execute(text(f"SELECT count(*) FROM {SCOPE_TABLE}")).scalar() or 0


def stage_subjects(session: Session, ids: list[int]) -> int:
    """``stage_batch_subjects`` for subjects already known (distinct ids): the batch's records
    are not read (a 1M-row first load on SQLite: 0.4-0.5 s of its evaluation)."""
    _create_staged(session)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"INSERT INTO {SCOPE_TABLE} (subject_id) SELECT unnest(CAST(:ids AS bigint[]))"),
                        {"ids": IdList(ids)})
    else:
        session.execute(text(f"INSERT INTO {SCOPE_TABLE} (subject_id) SELECT value FROM json_each(:ids)"),
                        {"ids": json.dumps(ids)})
    session.execute(text(f"ANALYZE {SCOPE_TABLE}"))
    return len(ids)


def _create_staged(session: Session) -> None:
    session.execute(text(f"DROP TABLE IF EXISTS {SCOPE_TABLE}"))
    pg = session.get_bind().dialect.name == "postgresql"
    # keyed: each subject once, and an index the per-subject plans can start from
    session.execute(text(f"CREATE TEMP TABLE {SCOPE_TABLE} (subject_id BIGINT PRIMARY KEY)"
                         f"{' ON COMMIT DROP' if pg else ''}"))


def batch_subject_ids(session: Session, batch_id: int, at_most: int) -> list[int] | None:
    """PostgreSQL: the distinct subjects of a batch's records, ascending, in one statement
    answering one row, when the batch wrote at most BATCH_IDS_RECORDS_PER_SUBJECT x ``at_most``
    records and they name at most ``at_most`` subjects; else None (``stage_batch_subjects``).
    The same ids the staged table gives, without making, filling, analysing, counting and reading
    it (five statements and a Python row per subject: ~30 ms of a 10,000-row daily batch's
    evaluation, the longer of its two outbox hooks). A batch of more records is staged at once
    (its records are not read twice); one of more subjects is read again to stage them."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    row = session.execute(text(
        "SELECT x.n, CASE WHEN x.n <= :most THEN (SELECT string_agg(CAST(d.subject_id AS text), ',' "
        "ORDER BY d.subject_id) FROM (SELECT DISTINCT subject_id FROM records WHERE batch_id = :b) d) END "
        "FROM (SELECT coalesce(created_records, 0) + coalesce(updated_records, 0) AS n FROM batches WHERE id = :b) x"),
        {"b": batch_id, "most": BATCH_IDS_RECORDS_PER_SUBJECT * at_most}).first()
    if row is None or row[0] > BATCH_IDS_RECORDS_PER_SUBJECT * at_most:
        return None
    ids = [int(v) for v in row[1].split(",")] if row[1] else []
    return ids if len(ids) <= at_most else None


# a batch's records per subject up to which its subjects are read in one statement (a daily
# batch: ~2.6); beyond, the records are staged at once (`batch_subject_ids`)
BATCH_IDS_RECORDS_PER_SUBJECT = 4


def staged_subject_ids(session: Session) -> list[int]:
    return [r[0] for r in session.execute(text(f"SELECT subject_id FROM {SCOPE_TABLE} ORDER BY subject_id"))]


def drop_staged(session: Session) -> None:
    session.execute(text(f"DROP TABLE IF EXISTS {SCOPE_TABLE}"))
