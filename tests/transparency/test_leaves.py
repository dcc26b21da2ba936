"""The vectorised publication leaves (issue 14) are byte for byte the reference leaves of
xinyong.transparency.rules.publication_leaf, for any text the fields can hold, and hashed and
treed in polars as xinyong.transparency.merkle hashes them; the blind of each leaf's content
hash (leaf version 2) included."""
from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.transparency import merkle
from xinyong.transparency.leaves import LEAF_COLUMNS, ChunkedTree, leaf_hashes, leaf_texts, root_and_subtrees
from xinyong.transparency.merkle import leaf_hash
from xinyong.transparency.rules import blind_key, content_blind, content_sha256, publication_leaf

keys = st.text(alphabet="0123456789abcdef", min_size=64, max_size=64)
texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
dates = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2099, 12, 31))
rows = st.fixed_dictionaries({
    "id": st.integers(1, 2**40), "version": st.integers(1, 9), "subject_id": st.integers(1, 2**40),
    "item_code": texts, "decision_no": texts, "source_agency_id": st.integers(1, 10**6),
    "decision_date": dates, "valid_to": st.none() | dates, "severity": st.none() | texts,
    "fields": st.dictionaries(st.from_regex(r"[a-z_]{1,8}", fullmatch=True), texts, max_size=4),
    "publicity_published": st.none() | st.booleans(), "disclosure": texts,
    "publicity_start": dates, "publicity_end": st.none() | dates})


@settings(max_examples=80, deadline=None)
@given(st.lists(rows, min_size=1, max_size=6), st.integers(1, 2**40), keys)
def test_vectorised_leaves_are_the_reference_leaves(batch, batch_id, key):
    canonical = [{**r, "fields": json.dumps(r["fields"], sort_keys=True, separators=(",", ":"),
                                            ensure_ascii=False)} for r in batch]
    frame = pl.DataFrame(canonical, schema={
        "id": pl.Int64, "version": pl.Int64, "subject_id": pl.Int64, "item_code": pl.String,
        "decision_no": pl.String, "source_agency_id": pl.Int64, "decision_date": pl.Date, "valid_to": pl.Date,
        "severity": pl.String, "fields": pl.String, "publicity_published": pl.Boolean, "disclosure": pl.String,
        "publicity_start": pl.Date, "publicity_end": pl.Date}).select(LEAF_COLUMNS)
    got = leaf_texts(frame, batch_id, blind_key=key)
    want = [publication_leaf(batch_id, i, r, key) for i, r in enumerate(batch)]
    assert got.to_list() == want
    for leaf, r in zip(got.to_list(), batch):   # blinded: the content hash is not the unblinded one
        published = json.loads(leaf)
        assert published["v"] == 2
        assert published["content_sha256"] == content_sha256(r, content_blind(key, r["id"], r["version"]))
        assert published["content_sha256"] != content_sha256(r)
    assert leaf_hashes(got).to_list() == [leaf_hash(w.encode("utf-8")).hex() for w in want]


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=300), st.integers(min_value=0, max_value=9))
def test_the_vectorised_tree_is_the_reference_tree(n, min_level):
    """Root and stored subtrees hashed in polars are merkle.root_and_subtrees' for any size: odd
    levels carried up, complete subtrees only."""
    hashes = [leaf_hash(str(i).encode()) for i in range(n)]
    got = root_and_subtrees(pl.Series([h.hex() for h in hashes], dtype=pl.String), min_level)
    assert got == merkle.root_and_subtrees(hashes, min_level)


@settings(max_examples=80, deadline=None)
@given(st.integers(min_value=0, max_value=300), st.integers(min_value=0, max_value=5),
       st.integers(min_value=0, max_value=9))
def test_the_tree_built_a_chunk_at_a_time_is_the_reference_tree(n, chunk_level, min_level):
    """The ingest hashes a batch's leaves a chunk of 2**k at a time and joins the chunks' roots:
    the same root and the same complete subtrees as the whole tree at once, a short last chunk,
    chunks above and below the stored levels included."""
    hashes = [leaf_hash(str(i).encode()) for i in range(n)]
    tree, size = ChunkedTree(chunk_level, min_level), 1 << chunk_level
    for start in range(0, n, size):
        tree.add(pl.Series([h.hex() for h in hashes[start:start + size]], dtype=pl.String))
    assert tree.result() == merkle.root_and_subtrees(hashes, min_level)


def test_a_chunked_tree_takes_full_chunks_only_before_the_last():
    tree = ChunkedTree(2, 0)
    tree.add(pl.Series([leaf_hash(b"a").hex()] * 3, dtype=pl.String))   # a short chunk: the last one
    with pytest.raises(ValueError):
        tree.add(pl.Series([leaf_hash(b"b").hex()], dtype=pl.String))
    with pytest.raises(ValueError):
        ChunkedTree(1, 0).add(pl.Series([leaf_hash(b"c").hex()] * 3, dtype=pl.String))


def test_the_blind_key_is_a_keyed_sub_key_of_the_secret_and_well_formed():
    """HMAC-SHA256(secret, context): the secret is never hashed in the clear, a key per secret,
    64 hex characters (what the vectorised leaves accept, and nothing else)."""
    import hashlib
    import hmac
    key = blind_key("s3cret")
    assert key == hmac.new(b"s3cret", b"xinyong/transparency/content-blind", hashlib.sha256).hexdigest()
    assert key != blind_key("s3cret2") and key != hashlib.sha256(b"s3cret").hexdigest()
    assert content_blind(key, 7, 1) == hashlib.sha256(f"{key}:7:1".encode()).hexdigest() != content_blind(key, 7, 2)
    frame = pl.DataFrame({c: [None] for c in LEAF_COLUMNS})
    for bad in ("", key.upper(), key[:-1], key + "0", key[:-1] + '"'):
        with pytest.raises(ValueError):
            leaf_texts(frame, 1, blind_key=bad)
