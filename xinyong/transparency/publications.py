"""Every publication of a record is provable (issue 12): a batch's audit entry carries the
RFC 9162 root over one leaf per record the batch wrote, and a record's proof is its audit path
in that batch sub-tree plus the batch entry's inclusion in the signed log.

Set-based: the leaves are built from the frame the ingest wrote (only ids and versions read
back, in one query; on PostgreSQL the ingest takes the new records' ids before loading them and
builds their leaves in a thread meanwhile: ``build`` then ``store``), hashed in polars, and
bulk-loaded (COPY on PostgreSQL); no statement and no JSON encoding per record.

A leaf's content hash is blinded with a secret of the platform's (xinyong.transparency.rules,
leaf version 2): a proof tells the public that a record was published, when and for how long,
and binds its content; only the platform (``content_matches``) can recompute that hash."""
from __future__ import annotations

import dataclasses
import io

import polars as pl
from sqlalchemy.orm import Session

from xinyong.config import get_settings
from xinyong.kit import bulk
from xinyong.transparency import leaves, merkle, repository, rules

TABLE, NODES = "transparency_publications", "transparency_publication_nodes"
LEAF_CHUNK_LEVEL = 16   # 65,536 leaves built, hashed and loaded at a time (their polars work's memory)
BLOCK_LEVEL = 10   # subtrees of 1024 publications and up are stored; below, computed from one block
# the leaf versions whose proofs anonymous callers get: blinded ones (xinyong.transparency.rules)
PUBLIC_LEAF_VERSIONS = frozenset({2})


@dataclasses.dataclass
class BuiltLeaves:
    """A batch's publication rows, built and hashed, not yet stored (see ``build``)."""
    # LZ4-compressed Arrow IPC: a 1M-record batch's leaves are ~0.5 GB as text; a batch of one
    # chunk keeps its frame (packing and unpacking 10,000 leaves cost the client ~14 ms)
    chunks: list[bytes | pl.DataFrame]
    root: bytes
    upper: dict
    count: int


def blind_key() -> str:
    """The content blinds' key (``rules.blind_key`` of XINYONG_SECRET_KEY): never published."""
    return rules.blind_key(get_settings().secret_key)


def record_batch(session: Session, batch_id: int, written: pl.DataFrame) -> dict:
    """Write the leaves of the records this batch wrote; the details for its audit entry:
    {"records": n, "records_root": hex}. `written`: the batch's records as the ingest wrote
    them (leaves.LEAF_COLUMNS but id and version, with ``row_no``); the ids and versions are
    read back in one query (rows the batch left unchanged keep their earlier batch and drop
    out), the leaves built and hashed vectorised (xinyong.transparency.leaves)."""
    ids = repository.batch_record_ids(session, batch_id)
    # positions in id order, as row indices into `written`: a chunk is gathered at a time
    order = (written.select("row_no").with_row_index("__i").join(ids, on="row_no", how="inner").sort("id"))
    return store(session, batch_id, build(batch_id, written, order.select("__i", "id", "version")))


def build(batch_id: int, written: pl.DataFrame, order: pl.DataFrame) -> BuiltLeaves:
    """The publication rows of a batch's records, hashed, and its sub-tree's root: leaf
    `position` p is the row ``order["__i"][p]`` of `written` (leaves.LEAF_COLUMNS but id and
    version), with id and version ``order["id"][p]``, ``order["version"][p]`` (ids ascending).
    No database work, so the ingest runs it in a thread while the server loads the records
    (polars, its hashing included, releases the GIL); ``store`` writes the result."""
    size, key = 1 << LEAF_CHUNK_LEVEL, blind_key()
    tree = leaves.ChunkedTree(LEAF_CHUNK_LEVEL, BLOCK_LEVEL)   # each chunk's subtree as it comes
    chunks: list[bytes | pl.DataFrame] = []
    pack = _packed if order.height > size else (lambda frame: frame)
    for start in range(0, order.height, size):   # a chunk's texts at a time
        keys = order.slice(start, size)
        part = written.select(pl.all().gather(keys["__i"])).with_columns(keys["id"], keys["version"])
        texts = leaves.leaf_texts(part.select(leaves.LEAF_COLUMNS), batch_id, start, blind_key=key)
        chunk = leaves.leaf_hashes(texts)
        tree.add(chunk)
        chunks.append(pack(pl.DataFrame({
            "batch_id": pl.repeat(batch_id, part.height, dtype=pl.Int64, eager=True),
            "position": pl.int_range(start, start + part.height, dtype=pl.Int32, eager=True),
            "record_id": keys["id"].cast(pl.Int64), "leaf": texts, "leaf_hash": chunk})))
    root, upper = tree.result()
    return BuiltLeaves(chunks, root, upper, order.height)


def _packed(frame: pl.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.write_ipc(buf, compression="lz4")
    return buf.getvalue()


def store(session: Session, batch_id: int, built: BuiltLeaves) -> dict:
    """Load built leaves (each chunk freed once loaded) and the stored subtrees; the details for
    the batch's audit entry."""
    while built.chunks:
        chunk = built.chunks.pop(0)
        bulk.load_frame(session, TABLE, pl.read_ipc(io.BytesIO(chunk)) if isinstance(chunk, bytes) else chunk)
    upper = built.upper
    if upper:
        bulk.load_frame(session, NODES, pl.DataFrame({
            "batch_id": pl.Series([batch_id] * len(upper), dtype=pl.Int64),
            "level": pl.Series([k[0] for k in upper], dtype=pl.Int16),
            "idx": pl.Series([k[1] for k in upper], dtype=pl.Int64), "hash": [h.hex() for h in upper.values()]}))
    return {"records": built.count, "records_root": built.root.hex()}


def batch_path(session: Session, batch_id: int, position: int, size: int) -> list[bytes]:
    """The audit path of a publication in its batch's sub-tree: stored subtrees of level >=
    BLOCK_LEVEL, and the rest computed from the leaves of the (at most two) blocks it needs."""
    keys = merkle.inclusion_keys(position, size)
    nodes = repository.publication_nodes(session, batch_id, [k for k in keys if k[0] >= BLOCK_LEVEL])
    for block in sorted({(idx << level) >> BLOCK_LEVEL for level, idx in keys if level < BLOCK_LEVEL}):
        start = block << BLOCK_LEVEL
        hashes = [bytes.fromhex(h) for h in repository.publication_hashes(session, batch_id, start,
                                                                          start + (1 << BLOCK_LEVEL))]
        nodes.update(merkle.root_and_subtrees(hashes, 0, start)[1])
    return merkle.inclusion_from(position, size, nodes)


def content_matches(session: Session, record_id: int) -> bool | None:
    """Whether the stored record is still the content its latest publication committed to:
    the same version, and the leaf's content hash recomputed from the record's columns with
    the blind (the platform's own check: nobody else holds the blind key). None when the record
    was never published (or is gone). A change that bypassed a new publication fails it."""
    from xinyong.models import Record
    found = repository.latest_publication(session, record_id)
    record = session.get(Record, record_id)
    if found is None or record is None:
        return None
    row = {k: getattr(record, k) for k in ("id", "version", *rules.CONTENT_FIELDS)}
    return rules.publication_content_ok(found[2], row, blind_key())


def record_proof(session: Session, record_id: int, public: bool = False) -> dict:
    """The record's latest publication: its leaf, its audit path in the batch sub-tree, and the
    batch entry with its inclusion in the latest signed head, both checked here:
    {"status": "included" | "pending" | "absent" | "failed" | "withheld", ...}. `public`: for
    an anonymous caller, who gets no proof from a batch of unblinded leaves ("withheld")."""
    import json

    from xinyong.transparency import service
    found = repository.latest_publication(session, record_id)
    if found is None:
        return {"status": "absent"}
    batch_id, position, leaf = found
    version = json.loads(leaf).get("v")
    if public and version not in PUBLIC_LEAF_VERSIONS:
        # a version 1 leaf's content hash, its leaf hash, the batch's records_root and every
        # audit path in its batch (a neighbour's path holds its hash) test guesses of masked data
        return {"status": "withheld", "record_id": record_id, "leaf_version": version}
    size = repository.publication_count(session, batch_id)
    publication = {"batch_id": batch_id, "position": position, "batch_size": size, "leaf": leaf,
                   "leaf_hash": merkle.leaf_hash(leaf.encode("utf-8")).hex(),
                   "audit_path": [h.hex() for h in batch_path(session, batch_id, position, size)]}
    entry_id = repository.batch_entry_id(session, batch_id)
    entry = service.entry_proof(session, entry_id) if entry_id is not None else None
    if entry is None:
        return {"status": "pending" if entry_id is not None else "absent", "record_id": record_id,
                "publication": publication}
    ok = _checks(publication, entry) and service.check_entry_proof(entry)
    return {"status": "included" if ok else "failed", "record_id": record_id, "publication": publication,
            "batch_entry": entry}


def _checks(publication: dict, entry: dict) -> bool:
    import json
    details = json.loads(entry["leaf"]).get("details", {})
    leaf = merkle.leaf_hash(publication["leaf"].encode("utf-8"))
    return (leaf.hex() == publication["leaf_hash"] and "records_root" in details
            and merkle.verify_inclusion(leaf, publication["position"], publication["batch_size"],
                                        [bytes.fromhex(h) for h in publication["audit_path"]],
                                        bytes.fromhex(details["records_root"])))
