"""The publication leaves of a batch's records, vectorised (issue 14): the same bytes as
``xinyong.transparency.rules.publication_leaf`` (canonical JSON: sorted keys, no spaces,
UTF-8, Python's escapes), built as polars text expressions in one pass over the batch, and
hashed there too (SHA-256 over the column's own buffers, polars-hash): no Python object per
record, so a build running beside the records' load does not hold the GIL the load needs
(issue 14). No per-record JSON encoding, no read-back of the records.

The input frame holds the records as the ingest wrote them; its ``fields`` column must already
be the canonical JSON of the fields (the ingest builds it so: xinyong.ingest.rules._fields_json),
which tests/transparency/test_leaves.py checks against the reference function.

The content hash is blinded (leaf version 2, xinyong.transparency.rules): the blind is one more
SHA-256 per row, of "<blind key>:<id>:<version>", also hashed here."""
from __future__ import annotations

import re

import polars as pl
import polars_hash  # noqa: F401  (registers the expressions' ``chash`` namespace)

from xinyong.kit.canonical import PY_JSON_ESCAPES
from xinyong.transparency.merkle import EMPTY_ROOT, Key
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


def content_blind(key: str) -> pl.Expr:
    """``rules.content_blind`` of every row: SHA-256 of "<key>:<id>:<version>", hex."""
    if not re.fullmatch(r"[0-9a-f]{64}", key):   # rules.blind_key's form: nothing to escape in the JSON
        raise ValueError("the blind key must be 64 lower-case hex characters (rules.blind_key)")
    c = pl.col
    return sha256_hex(pl.concat_str([pl.lit(key + ":"), c("id").cast(pl.Int64).cast(pl.String), pl.lit(":"),
                                     c("version").cast(pl.Int64).cast(pl.String)]))


def content_json(blind: pl.Expr) -> pl.Expr:
    """The canonical JSON ``rules.content_sha256`` hashes, `blind` (hex text) included."""
    c = pl.col
    return _object([("blind", pl.concat_str([pl.lit('"'), blind, pl.lit('"')])),
                    ("subject_id", json_int(c("subject_id"))), ("item_code", json_text(c("item_code"))),
                    ("decision_no", json_text(c("decision_no"))), ("source_agency_id", json_int(c("source_agency_id"))),
                    ("decision_date", json_date(c("decision_date"))), ("valid_to", json_date(c("valid_to"))),
                    ("severity", json_text(c("severity"))), ("fields", c("fields"))])


def sha256_hex(col: pl.Expr) -> pl.Expr:
    """SHA-256 of each value's bytes (a text's UTF-8), as lower-case hex."""
    return col.chash.sha2_256()


def leaf_texts(frame: pl.DataFrame, batch_id: int, first_position: int = 0, *, blind_key: str) -> pl.Series:
    """The leaf text of every row of `frame` (LEAF_COLUMNS, in position order from
    `first_position`); `blind_key`: ``rules.blind_key`` of the platform's secret key."""
    if frame.height == 0:
        return pl.Series("leaf", [], dtype=pl.String)
    c = pl.col
    work = frame.with_columns(
        sha256_hex(content_json(content_blind(blind_key))).alias("__sha"),
        pl.int_range(first_position, first_position + frame.height, dtype=pl.Int64).alias("__pos"))
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


def leaf_hashes(leaves: pl.Series) -> pl.Series:
    """RFC 9162 leaf hashes, SHA-256(0x00 || leaf), as hex (U+0000 is the byte 0x00 in UTF-8)."""
    # a frame's column, not pl.lit(leaves): a literal Series left ~0.3 GB more in the allocator at 1M
    return pl.DataFrame({"leaf": leaves}).select(
        sha256_hex(pl.concat_str([pl.lit("\x00"), pl.col("leaf")])).alias("leaf_hash")).to_series()


def root_and_subtrees(hashes: pl.Series, min_level: int) -> tuple[bytes, dict[Key, bytes]]:
    """``merkle.root_and_subtrees(leaves, min_level)`` for leaf hashes given as hex, a level at a
    time in polars: each interior node SHA-256(0x01 || left || right), pairs left to right, an odd
    last node carried up; the complete subtrees of level >= min_level returned."""
    if hashes.len() == 0:
        return EMPTY_ROOT, {}
    n, level, lv = hashes.len(), hashes.alias("h"), 0
    out: dict[Key, bytes] = {(0, i): bytes.fromhex(h) for i, h in enumerate(hashes)} if min_level == 0 else {}
    while level.len() > 1:
        pairs = pl.DataFrame({"l": level.gather_every(2).head(level.len() // 2), "r": level.gather_every(2, 1)})
        paired = pairs.select(sha256_hex(pl.concat_str([pl.lit("01"), "l", "r"]).str.decode("hex")).alias("h")).to_series()
        if level.len() % 2:
            paired = paired.append(level.tail(1))   # carried up, not a complete subtree of this level
        lv += 1
        if lv >= min_level:
            out.update({(lv, i): bytes.fromhex(h) for i, h in enumerate(paired.head(n >> lv).to_list())})
        level = paired
    return bytes.fromhex(level[0]), out


class ChunkedTree:
    """``root_and_subtrees(hashes, min_level)`` of leaf hashes given a chunk of
    2**``chunk_level`` at a time, every chunk full but the last: each chunk's subtree is hashed as
    it comes and only its root kept, the chunks' roots joined at the end. No column of every hash
    is held and no level of the whole tree is made at once (a 1M-record batch's tree, built from
    all its hashes, added ~0.15 GB at the batch's peak of memory)."""

    def __init__(self, chunk_level: int, min_level: int):
        self.chunk_level, self.min_level = chunk_level, min_level
        self.count, self.tops, self.nodes = 0, [], {}

    def add(self, hashes: pl.Series) -> None:
        size = 1 << self.chunk_level
        if self.count % size or hashes.len() > size:
            raise ValueError(f"leaf hashes are added {size} at a time; only the last chunk may be shorter")
        if hashes.len() == 0:
            return
        k = self.count >> self.chunk_level
        root, nodes = root_and_subtrees(hashes, self.min_level)
        # a chunk's subtrees are complete in the whole tree too: chunks start at multiples of `size`
        self.nodes.update({(lv, (k << (self.chunk_level - lv)) + i): h for (lv, i), h in nodes.items()})
        self.tops.append(root.hex())
        self.count += hashes.len()

    def result(self) -> tuple[bytes, dict[Key, bytes]]:
        """The root, and every complete subtree of level >= min_level."""
        if not self.count:
            return EMPTY_ROOT, {}
        c = self.chunk_level
        root, top = root_and_subtrees(pl.Series(self.tops, dtype=pl.String), max(0, self.min_level - c))
        # above the chunks, a node is a complete subtree only if every leaf under it was given (a
        # short last chunk's root is carried up, as the whole tree's level-by-level pairing does)
        self.nodes.update({(lv + c, i): h for (lv, i), h in top.items() if i < self.count >> (lv + c)})
        return root, self.nodes
