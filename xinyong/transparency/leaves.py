"""The publication leaves of a batch's records, vectorised (issue 14): the same bytes as
``xinyong.transparency.rules.publication_leaf`` (canonical JSON: sorted keys, no spaces,
UTF-8, Python's escapes), built as polars text expressions in one pass over the batch, and
hashed with hashlib in one loop. No per-record JSON encoding, no read-back of the records.

The input frame holds the records as the ingest wrote them; its ``fields`` column must already
be the canonical JSON of the fields (the ingest builds it so: xinyong.ingest.rules._fields_json),
which tests/transparency/test_leaves.py checks against the reference function."""
from __future__ import annotations

import hashlib

import polars as pl

from xinyong.kit.canonical import PY_JSON_ESCAPES
from xinyong.transparency.rules import PUBLICATION_VERSION

CONTENT_COLUMNS = ("subject_id", "item_code", "decision_no", "source_agency_id", "decision_date", "valid_to",
                   "severity", "fields")
LEAF_COLUMNS = ("id", "version", *CONTENT_COLUMNS, "publicity_published", "disclosure", "publicity_start",
                "publicity_end")


def json_text(col: pl.Expr) -> pl.Expr:
    """A text column as JSON (null as null), escaped as Python's json does."""
    return (pl.when(col.is_null()).then(pl.lit("null"))
            .otherwise(pl.concat_str([pl.lit('"'), col.str.replace_many(PY_JSON_ESCAPES), pl.lit('"')])))


def json_date(col: pl.Expr) -> pl.Expr:
    return pl.when(col.is_null()).then(pl.lit("null")).otherwise(
        pl.concat_str([pl.lit('"'), col.dt.to_string("%Y-%m-%d"), pl.lit('"')]))


def json_int(col: pl.Expr) -> pl.Expr:
    return pl.when(col.is_null()).then(pl.lit("null")).otherwise(col.cast(pl.Int64).cast(pl.String))


def _object(pairs: list[tuple[str, pl.Expr]]) -> pl.Expr:
    """{"k":v,...} with the keys sorted (canonical); every value already JSON text."""
    parts: list[pl.Expr] = [pl.lit("{")]
    for i, (key, value) in enumerate(sorted(pairs, key=lambda p: p[0])):
        parts += [pl.lit(("," if i else "") + f'"{key}":'), value]
    return pl.concat_str([*parts, pl.lit("}")])


def content_json() -> pl.Expr:
    c = pl.col
    return _object([("subject_id", json_int(c("subject_id"))), ("item_code", json_text(c("item_code"))),
                    ("decision_no", json_text(c("decision_no"))), ("source_agency_id", json_int(c("source_agency_id"))),
                    ("decision_date", json_date(c("decision_date"))), ("valid_to", json_date(c("valid_to"))),
                    ("severity", json_text(c("severity"))), ("fields", c("fields"))])


HASH_SLICE = 8192   # rows turned into Python bytes at a time (a 100,000-row chunk's leaves are ~50 MB)


def _slices(texts: pl.Series):
    """The UTF-8 bytes of each text (straight from the column: no str per row to encode), a
    slice at a time."""
    binary = texts.cast(pl.Binary)
    for start in range(0, binary.len(), HASH_SLICE):
        yield binary.slice(start, HASH_SLICE).to_list()


def _sha256_hex(texts: pl.Series) -> pl.Series:
    sha = hashlib.sha256
    return pl.Series([sha(t).digest() for part in _slices(texts) for t in part], dtype=pl.Binary).bin.encode("hex")


def leaf_texts(frame: pl.DataFrame, batch_id: int, first_position: int = 0) -> pl.Series:
    """The leaf text of every row of `frame` (LEAF_COLUMNS, in position order from
    `first_position`)."""
    if frame.height == 0:
        return pl.Series("leaf", [], dtype=pl.String)
    c = pl.col
    sha = _sha256_hex(frame.select(content_json()).to_series())
    work = frame.with_columns(sha.alias("__sha"), pl.int_range(first_position, first_position + frame.height, dtype=pl.Int64).alias("__pos"))
    key = _object([("source_agency_id", json_int(c("source_agency_id"))), ("item_code", json_text(c("item_code"))),
                   ("decision_no", json_text(c("decision_no")))])
    published = pl.when(c("publicity_published").cast(pl.Boolean)).then(pl.lit("true")).otherwise(pl.lit("false"))
    leaf = _object([("v", pl.lit(str(PUBLICATION_VERSION))), ("kind", pl.lit('"record.publication"')),
                    ("batch", pl.lit(str(int(batch_id)))), ("position", c("__pos").cast(pl.String)),
                    ("record", json_int(c("id"))), ("version", json_int(c("version"))), ("key", key),
                    ("content_sha256", pl.concat_str([pl.lit('"'), c("__sha"), pl.lit('"')])),
                    ("published", published), ("disclosure", json_text(c("disclosure"))),
                    ("publicity_start", json_date(c("publicity_start"))),
                    ("publicity_end", json_date(c("publicity_end")))])
    return work.select(leaf.alias("leaf")).to_series()


def leaf_hashes(leaves: pl.Series) -> list[bytes]:
    """RFC 9162 leaf hashes, SHA-256(0x00 || leaf), in one loop."""
    sha = hashlib.sha256
    return [sha(b"\x00" + t).digest() for part in _slices(leaves) for t in part]
