"""Subject queries. The bulk path resolves or creates every subject of a batch set-based,
once per batch: one staging load (analysed when large), one INSERT .. ON CONFLICT, one UPDATE for legal representatives
(when the batch names any), and one query that maps keys back to ids (PostgreSQL: the INSERT's RETURNING, then a look-up of
only the subjects that existed) — never a query per row."""
from __future__ import annotations

import polars as pl
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.kit import bulk, pgarray
from xinyong.kit.crypto import keyed_hash_many
from xinyong.models import Subject
from xinyong.subjects.opener import ciphertexts
from xinyong.subjects.rules import kind_from_uscc_expr

STAGE = "stage_subjects"
STAGE_COLUMNS = [
    ("skey", "text"), ("kind", "text"), ("name", "text"), ("uscc", "text"), ("rid_hash", "text"),
    ("rid_enc", "bytes"), ("other_id", "text"), ("legal_rep_name", "text"), ("legal_rep_hash", "text"),
]
ANALYSED_STAGE_COLUMNS = ("uscc", "rid_hash", "other_id", "legal_rep_hash")


def _protect(ids: pl.Series) -> pl.DataFrame:
    """Keyed hash and ciphertext for each distinct resident ID (computed, not queried)."""
    uniq = ids.drop_nulls().unique().to_list()
    return pl.DataFrame({"rid": uniq, "rid_hash": keyed_hash_many(uniq), "rid_enc": ciphertexts(uniq)},
                        schema={"rid": pl.Utf8, "rid_hash": pl.Utf8, "rid_enc": pl.Binary})


def _subject_key() -> pl.Expr:
    return (pl.when(pl.col("uscc").is_not_null()).then(pl.lit("U:") + pl.col("uscc"))
            .when(pl.col("rid_hash").is_not_null()).then(pl.lit("R:") + pl.col("rid_hash"))
            .otherwise(pl.lit("O:") + pl.col("other_id")))


def stage_frame(accepted: pl.DataFrame) -> tuple[pl.Series, pl.DataFrame]:
    """Each row's subject key, and the distinct subjects (with legal representatives as
    person subjects) of a batch."""
    protected = _protect(pl.concat([accepted["subject_resident_id"], accepted["legal_rep_resident_id"]]))
    reps = protected.select(pl.col("rid").alias("legal_rep_resident_id"), pl.col("rid_hash").alias("legal_rep_hash"))
    direct = (
        accepted.select(
            pl.col("subject_kind").alias("kind"), pl.col("subject_name").alias("name"),
            pl.col("subject_uscc").alias("uscc"), pl.col("subject_resident_id").alias("rid"),
            pl.col("subject_other_id").alias("other_id"), "legal_rep_name", "legal_rep_resident_id")
        .join(protected, on="rid", how="left")
        .join(reps, on="legal_rep_resident_id", how="left")
        .with_columns(_subject_key().alias("skey"), kind_from_uscc_expr(pl.col("uscc"), pl.col("kind")).alias("kind"))
    )
    rep_rows = (
        accepted.filter(pl.col("legal_rep_resident_id").is_not_null())
        .select(pl.col("legal_rep_name").alias("name"), pl.col("legal_rep_resident_id").alias("rid"))
        .join(protected, on="rid", how="left")
        .with_columns(pl.lit("natural_person").alias("kind"), pl.lit(None, pl.Utf8).alias("uscc"),
                      pl.lit(None, pl.Utf8).alias("other_id"), pl.lit(None, pl.Utf8).alias("legal_rep_name"),
                      pl.lit(None, pl.Utf8).alias("legal_rep_hash"))
        .with_columns(_subject_key().alias("skey"))
    )
    cols = [c for c, _ in STAGE_COLUMNS]
    # direct rows first so that a person who is both subject and representative keeps the subject's row
    staged = pl.concat([direct.select(cols), rep_rows.select(cols)]).unique(subset="skey", keep="first",
                                                                            maintain_order=True)
    return direct["skey"], staged


def resolve_subjects(session: Session, accepted: pl.DataFrame) -> pl.Series:
    """Create missing subjects; return the subject id of every accepted row, in order. The
    ingest calls it once per batch (all its parts' rows): one staging table, one merge."""
    row_keys, staged = stage_frame(accepted)
    pg = bulk.dialect(session) == "postgresql"
    bulk.create_temp_table(session, STAGE, STAGE_COLUMNS)
    bulk.load_frame(session, STAGE, staged)
    # the planner sees the staged rows' real count (an unanalysed temp table is guessed at a
    # few thousand rows, and a batch of 300,000 new subjects got nested loops); statistics of
    # the key columns the statements below join and filter on only: the names and the resident
    # IDs' ciphertexts were two thirds of the ANALYZE's time and no statement's plan reads them.
    # A stage of a few thousand rows is what the planner guesses anyway: not analysed (~3 ms)
    if not pg or staged.height >= ANALYSE_STAGE_AT:
        columns = f" ({', '.join(ANALYSED_STAGE_COLUMNS)})" if pg else ""
        session.execute(text(f"ANALYZE {STAGE}{columns}"))
    now = clock.now()
    schema = {"skey": pl.Utf8, "subject_id": pl.Int64}
    insert = (f"INSERT INTO subjects (kind, name, uscc, resident_id_hash, resident_id_enc, other_id, legal_rep_name, "
              f"created_at) SELECT kind, name, uscc, rid_hash, rid_enc, other_id, legal_rep_name, :now FROM {STAGE} "
              f"WHERE true ON CONFLICT DO NOTHING")
    if pg:
        # the merge returns the keys and ids of the subjects it created: only the staged subjects
        # that existed are looked up after it (a daily batch's are mostly new: every staged key
        # was looked up again, ~12 ms for 3,800 subjects)
        returning = f"{insert.replace(':now', _literal(now))} RETURNING {_KEY_SQL}, id"
        created_keys = bulk.copy_out(session, returning, schema)
        created = created_keys.height
    else:
        # SQLite returns the created ones' keys too (a batch into an empty city: no look-up after
        # it), as columns made into the key here: SQLite 3.40 returned NULL for the key's CASE
        created_keys = bulk.query_frame(
            session, f"{insert} RETURNING uscc, resident_id_hash, other_id, id",
            {"uscc": pl.Utf8, "rid_hash": pl.Utf8, "other_id": pl.Utf8, "subject_id": pl.Int64}, {"now": now},
        ).select(_subject_key().alias("skey"), "subject_id")
        created = created_keys.height
    _analyse_if_outgrown(session, created)
    if not pg or staged["legal_rep_hash"].is_not_null().any():   # (PostgreSQL: nothing to update without one)
        distinct = "IS DISTINCT FROM" if pg else "IS NOT"
        session.execute(text(
            f"UPDATE subjects SET legal_rep_id = rep.id, legal_rep_name = st.legal_rep_name "
            f"FROM {STAGE} st JOIN subjects rep ON rep.resident_id_hash = st.legal_rep_hash "
            f"WHERE st.legal_rep_hash IS NOT NULL AND subjects.uscc = st.uscc AND subjects.legal_rep_id {distinct} rep.id"))
    if not pg:   # every staged subject created, or else all of them looked up (no array to pass the rest in)
        mapping = created_keys if created == staged.height else bulk.query_frame(session, _mapping_sql(), schema)
    else:   # COPY out: no Python row per subject
        existed = staged.select("skey").join(created_keys, on="skey", how="anti")["skey"]
        mapping = created_keys if existed.is_empty() else pl.concat([created_keys, bulk.copy_out(
            session, _mapping_sql(" AND st.skey = ANY(CAST(%(existed)s AS text[]))"), schema,
            {"existed": pgarray.text_array(existed)})])
    bulk.drop_temp_table(session, STAGE)
    ids = row_keys.to_frame().join(mapping, on="skey", how="left", maintain_order="left")["subject_id"]
    if ids.null_count():
        raise RuntimeError("subjects could not be resolved for some rows")  # a bug, never bad input
    return ids


# a created subject's key, as _subject_key gives it to the staged row it was made from
_KEY_SQL = ("CASE WHEN uscc IS NOT NULL THEN 'U:' || uscc WHEN resident_id_hash IS NOT NULL THEN 'R:' || "
            "resident_id_hash ELSE 'O:' || other_id END")
# below this many staged subjects the stage is not analysed: the planner's guess for an
# unanalysed temp table is of that order, and the statements look each one up by index
ANALYSE_STAGE_AT = 10_000


def _mapping_sql(among: str = "") -> str:
    """Each staged key's subject id (of the staged rows meeting the condition ``among``, if given)."""
    return (f"SELECT st.skey, s.id FROM {STAGE} st JOIN subjects s ON s.uscc = st.uscc WHERE st.uscc IS NOT NULL{among} "
            f"UNION ALL SELECT st.skey, s.id FROM {STAGE} st JOIN subjects s ON s.resident_id_hash = st.rid_hash "
            f"WHERE st.uscc IS NULL AND st.rid_hash IS NOT NULL{among} "
            f"UNION ALL SELECT st.skey, s.id FROM {STAGE} st JOIN subjects s ON s.other_id = st.other_id "
            f"WHERE st.uscc IS NULL AND st.rid_hash IS NULL{among}")


def _literal(now) -> str:
    return f"CAST('{now.isoformat()}' AS timestamptz)"


def read_key_pages(engine, usccs: pl.Series, resident_ids: pl.Series) -> None:
    """PostgreSQL, on a connection of its own, reading only: look up the subjects of these
    USCCs and resident IDs (as a file has them, before validation), so that the pages of the
    key indexes the batch's merge will probe and insert into are read while the batch is being
    validated, not by the merge. In a city just read from disk the merge of a daily batch's
    3,800 subjects spent ~50 ms of its ~105 ms reading ~760 index pages (47 ms with them in
    memory). What it finds is not used: the merge looks the subjects up again."""
    usccs = usccs.drop_nulls().str.strip_chars().str.to_uppercase().unique()
    ids = resident_ids.drop_nulls().str.strip_chars().unique().to_list()
    with engine.connect() as conn:
        conn.execute(text(
            "SELECT count(*) FROM subjects WHERE uscc = ANY(CAST(:u AS text[])) "
            "OR resident_id_hash = ANY(CAST(:r AS text[]))"),
            {"u": pgarray.text_array(usccs), "r": pgarray.text_array(pl.Series(keyed_hash_many(ids), dtype=pl.Utf8))})
        conn.rollback()


# the batch's new subjects at which the table's statistics are taken again inside the batch
REANALYSE_AT = 10_000


def _analyse_if_outgrown(session: Session, created: int) -> None:
    """ANALYZE subjects, in the batch's transaction (its own new rows count), when the batch
    created more than a tenth of what the statistics say the table holds. Statistics taken of a
    nearly empty table (a new city's database, or one emptied and autoanalysed) made the
    legal-representative UPDATE below join 380,000 new subjects by nested loops: an ingest
    re-run after a crash trial ran for 17 minutes instead of seconds (docs/RELIABILITY.md).
    The ANALYZE holds a SHARE UPDATE EXCLUSIVE lock to commit, so only such large batches take it."""
    if created < REANALYSE_AT or bulk.dialect(session) != "postgresql":
        return
    known = session.execute(text("SELECT reltuples FROM pg_class WHERE oid = 'subjects'::regclass")).scalar() or 0
    if created > 0.1 * max(float(known), 0.0):
        session.execute(text("ANALYZE subjects"))


def get(session: Session, subject_id: int) -> Subject | None:
    return session.get(Subject, subject_id)


def find_by_uscc(session: Session, uscc: str) -> Subject | None:
    return session.scalar(select(Subject).where(Subject.uscc == uscc))
