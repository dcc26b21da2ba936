"""Subject queries. The bulk path resolves or creates every subject of a batch set-based,
once per batch, never a query per row. PostgreSQL: one staging COPY (analysed when large), one
INSERT .. ON CONFLICT returning the subjects it created, one UPDATE for legal representatives
(when the batch names any), and one look-up of only the subjects that existed. SQLite: one
look-up of every key, one ``executemany`` of the new subjects, one UPDATE for legal representatives."""
from __future__ import annotations

import json

import polars as pl
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.kit import bulk, pgarray
from xinyong.kit.crypto import keyed_hash_many
from xinyong.models import Subject
from xinyong.subjects import names
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


def make_stage(session: Session) -> bool:
    """PostgreSQL: the merge's stage table (temporary, dropped at the commit) made ahead, while the
    session's connection would otherwise wait: the ingest makes it while its batch validates
    (3-14 ms of a daily batch's merge). Returns whether it was made (``resolve_subjects``'s
    ``stage_made``); SQLite merges without one."""
    if bulk.dialect(session) != "postgresql":
        return False
    bulk.create_temp_table(session, STAGE, STAGE_COLUMNS)
    return True


def resolve_subjects(session: Session, accepted: pl.DataFrame | None = None,
                     staged: tuple[pl.Series, pl.DataFrame] | None = None, stage_made: bool = False,
                     registers: bool = False) -> pl.Series:
    """Create missing subjects; return the subject id of every accepted row, in order. The
    ingest calls it once per batch (all its parts' rows): one merge. ``staged``: the rows'
    ``stage_frame``, if already made (instead of ``accepted``); ``stage_made``: the stage table
    too (``make_stage``, in this transaction). ``registers``: the batch is of the registration
    item (catalogue flag ``registers_subjects``), whose legal representative replaces a subject's;
    any other batch sets one only where a subject has none yet (an agency's penalty batch changed
    any enterprise's public legal representative)."""
    row_keys, staged = staged if staged is not None else stage_frame(accepted)
    if bulk.dialect(session) == "postgresql":
        mapping = _merge_staged(session, staged, clock.now(), stage_made, registers)
    else:
        mapping = _merge_sqlite(session, staged, clock.now(), registers)
    ids = row_keys.to_frame().join(mapping, on="skey", how="left", maintain_order="left")["subject_id"]
    if ids.null_count():
        raise RuntimeError("subjects could not be resolved for some rows")  # a bug, never bad input
    return ids


_MAPPING_SCHEMA = {"skey": pl.Utf8, "subject_id": pl.Int64}


def _merge_staged(session: Session, staged: pl.DataFrame, now, stage_made: bool = False,
                  registers: bool = False) -> pl.DataFrame:
    """PostgreSQL: the staged subjects COPYed into a temporary table (made here unless
    ``stage_made``), merged by one INSERT .. ON CONFLICT DO NOTHING that returns the subjects it
    created, the legal representatives set by one UPDATE, and only the staged subjects that
    existed looked up. Each staged key's id."""
    if not stage_made:
        bulk.create_temp_table(session, STAGE, STAGE_COLUMNS)
    bulk.load_frame(session, STAGE, staged)
    # the planner sees the staged rows' real count (an unanalysed temp table is guessed at a
    # few thousand rows, and a batch of 300,000 new subjects got nested loops); statistics of
    # the key columns the statements below join and filter on only: the names and the resident
    # IDs' ciphertexts were two thirds of the ANALYZE's time and no statement's plan reads them.
    # A stage of a few thousand rows is what the planner guesses anyway: not analysed (~3 ms)
    if staged.height >= ANALYSE_STAGE_AT:
        session.execute(text(f"ANALYZE {STAGE} ({', '.join(ANALYSED_STAGE_COLUMNS)})"))
    # the merge returns the keys and ids of the subjects it created: only the staged subjects
    # that existed are looked up after it (a daily batch's are mostly new: every staged key
    # was looked up again, ~12 ms for 3,800 subjects)
    created_keys = bulk.copy_out(session, (
        f"INSERT INTO subjects (kind, name, uscc, resident_id_hash, resident_id_enc, other_id, legal_rep_name, "
        f"created_at) SELECT kind, name, uscc, rid_hash, rid_enc, other_id, legal_rep_name, {_literal(now)} "
        f"FROM {STAGE} WHERE true ON CONFLICT DO NOTHING RETURNING uscc, resident_id_hash, other_id, id"),
        {"uscc": pl.Utf8, "rid_hash": pl.Utf8, "other_id": pl.Utf8, "subject_id": pl.Int64},
    ).select(_subject_key().alias("skey"), "subject_id")   # each created subject's key, as its staged row has it
    names.note_created(session, created_keys["subject_id"])   # their names: after the commit (subjects/names.py)
    _analyse_if_outgrown(session, created_keys.height)
    if staged["legal_rep_hash"].is_not_null().any():   # nothing to update without one
        session.execute(text(
            f"UPDATE subjects SET legal_rep_id = rep.id, legal_rep_name = st.legal_rep_name "
            f"FROM {STAGE} st JOIN subjects rep ON rep.resident_id_hash = st.legal_rep_hash "
            f"WHERE st.legal_rep_hash IS NOT NULL AND subjects.uscc = st.uscc "
            f"AND subjects.legal_rep_id IS DISTINCT FROM rep.id"
            f"{'' if registers else ' AND subjects.legal_rep_id IS NULL'}"))
    existed = staged.select("skey").join(created_keys, on="skey", how="anti")["skey"]
    mapping = created_keys if existed.is_empty() else pl.concat([created_keys, bulk.copy_out(   # COPY out: no Python row per subject
        session, _mapping_sql(" AND st.skey = ANY(CAST(%(existed)s AS text[]))"), _MAPPING_SCHEMA,
        {"existed": pgarray.text_array(existed)})])
    bulk.drop_temp_table(session, STAGE)
    return mapping


# the subjects of these keys (JSON arrays of the USCCs, resident ID hashes and other identifiers),
# each by its unique index, as their keys: what the staged rows' _subject_key names
_SQLITE_LOOKUP = (   # json_each joined, not IN (...): no temporary index of the keys (300,000 keys: 0.29 s, not 0.45)
    "SELECT 'U:' || s.uscc, s.id FROM json_each(:u) j JOIN subjects s ON s.uscc = j.value "
    "UNION ALL SELECT 'R:' || s.resident_id_hash, s.id FROM json_each(:r) j JOIN subjects s ON s.resident_id_hash = j.value "
    "UNION ALL SELECT 'O:' || s.other_id, s.id FROM json_each(:o) j JOIN subjects s ON s.other_id = j.value")
# the staged columns' places in subjects (the resident ID's ciphertext is written, never read here)
_SQLITE_INSERT = ("INSERT INTO subjects (kind, name, uscc, resident_id_hash, resident_id_enc, other_id, legal_rep_name, "
                  "created_at)")
_SQLITE_LEGAL_REPS = (
    "UPDATE subjects SET legal_rep_id = rep.id, legal_rep_name = json_extract(j.value, '$[2]') "
    "FROM json_each(:reps) j JOIN subjects rep ON rep.resident_id_hash = json_extract(j.value, '$[1]') "
    "WHERE subjects.uscc = json_extract(j.value, '$[0]') AND subjects.legal_rep_id IS NOT rep.id")


def _merge_sqlite(session: Session, staged: pl.DataFrame, now, registers: bool = False) -> pl.DataFrame:
    """SQLite: no stage. The staged subjects that exist are looked up by key (one statement, the
    keys passed as JSON arrays), the others inserted by one ``executemany`` (``ON CONFLICT DO
    NOTHING``, as the merge from a stage was), and the legal representatives set by one UPDATE
    over a JSON array. Under the batch's write lock each new row takes max(id) + 1 in turn, so
    when all were inserted their ids are known without a look-up; else their keys are looked up.
    A 1M-row batch's 380,000 new subjects: staging them cost 1.0 s and the merge from the stage
    2.4 s, against 2.2 s for loading them alone. Each staged key's id."""
    existing = bulk.query_frame(session, _SQLITE_LOOKUP, _MAPPING_SCHEMA, _key_arrays(staged["skey"]))
    new = staged.join(existing, on="skey", how="anti", maintain_order="left")
    mapping = existing
    if not new.is_empty():
        bulk.hold_write_lock(session, "subjects")
        first = session.execute(text("SELECT coalesce(max(id), 0) + 1 FROM subjects")).scalar()
        inserted = bulk.insert_new(session, _SQLITE_INSERT, new.select(
            "kind", "name", "uscc", "rid_hash", "rid_enc", "other_id", "legal_rep_name",
            pl.lit(now).dt.replace_time_zone(None).alias("created_at")))
        if inserted == new.height:   # each row took max(id) + 1 in turn
            created = new.select("skey", pl.int_range(first, first + new.height, dtype=pl.Int64).alias("subject_id"))
        else:   # a new key whose other identifier a subject already holds: skipped, as the merge skips it
            created = bulk.query_frame(session, _SQLITE_LOOKUP, _MAPPING_SCHEMA, _key_arrays(new["skey"]))
        names.note_created(session, created["subject_id"])
        mapping = pl.concat([existing, created])
    reps = staged.filter(pl.col("legal_rep_hash").is_not_null() & pl.col("uscc").is_not_null())
    if not reps.is_empty():
        session.execute(text(_SQLITE_LEGAL_REPS + ("" if registers else " AND subjects.legal_rep_id IS NULL")),
                        {"reps": json.dumps(
            reps.select("uscc", "legal_rep_hash", "legal_rep_name").rows(), ensure_ascii=False)})
    return mapping


def _key_arrays(keys: pl.Series) -> dict[str, str]:
    """The identifiers in subject keys ("U:uscc", "R:resident ID hash", "O:other id") as three
    JSON arrays, for _SQLITE_LOOKUP."""
    return {name: json.dumps(keys.filter(keys.str.starts_with(prefix)).str.slice(2).to_list(), ensure_ascii=False)
            for name, prefix in (("u", "U:"), ("r", "R:"), ("o", "O:"))}


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
