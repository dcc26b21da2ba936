"""RFC 9162 / Certificate Transparency known-answer vectors for the tree hash, inclusion and
consistency proofs, and properties over tree sizes, leaf positions and batch splits, for the
platform's tree (xinyong.transparency.merkle) and the standalone verifier (tools/verify_log.py)
alike: two implementations that must agree with the standard and each other."""
from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.transparency import merkle

TOOL = Path(__file__).resolve().parents[2] / "tools" / "verify_log.py"
_spec = importlib.util.spec_from_file_location("verify_log", TOOL)
standalone = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(standalone)

# the CT reference leaves (certificate-transparency / transparency-dev test data) and roots
DATA = [bytes.fromhex(h) for h in ("", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                   "606162636465666768696a6b6c6d6e6f")]
ROOTS = ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
         "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
         "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
         "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
         "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
         "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
         "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
         "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"]
INCLUSION = {(0, 8): ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"],
             (5, 8): ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]}
CONSISTENCY = {(1, 8): ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"],
               (2, 8): ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"],
               (6, 8): ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"],
               (2, 5): ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]}
LEAVES = [merkle.leaf_hash(d) for d in DATA]
NODES = merkle.new_nodes(0, LEAVES, lambda keys: {})


def test_the_empty_tree_and_every_size_match_the_reference_roots():
    assert merkle.root_of([]).hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    for n in range(1, 9):
        assert merkle.root_of(LEAVES[:n]).hex() == ROOTS[n - 1]
        assert merkle.root_from(n, NODES).hex() == ROOTS[n - 1]


def test_inclusion_proofs_match_the_reference_and_verify_in_both_implementations():
    for (index, size), want in INCLUSION.items():
        got = [h.hex() for h in merkle.inclusion_from(index, size, NODES)]
        assert got == want
        root, path = bytes.fromhex(ROOTS[size - 1]), [bytes.fromhex(h) for h in want]
        assert merkle.verify_inclusion(LEAVES[index], index, size, path, root)
        assert standalone.verify_inclusion(LEAVES[index], index, size, path, root)


def test_consistency_proofs_match_the_reference_and_verify_in_both_implementations():
    for (first, second), want in CONSISTENCY.items():
        assert [h.hex() for h in merkle.consistency_from(first, second, NODES)] == want
        args = (first, second, bytes.fromhex(ROOTS[first - 1]), bytes.fromhex(ROOTS[second - 1]),
                [bytes.fromhex(h) for h in want])
        assert merkle.verify_consistency(*args) and standalone.verify_consistency(*args)


def _tree(n: int, splits: list[int]) -> tuple[list[bytes], dict]:
    """n leaves appended in batches of the given sizes (the sequencer's batches)."""
    leaves = [merkle.leaf_hash(hashlib.sha256(str(i).encode()).digest()) for i in range(n)]
    nodes: dict = {}
    done = 0
    for k in splits + [n]:
        k = min(max(k, 1), n - done)
        if k <= 0:
            break
        nodes.update(merkle.new_nodes(done, leaves[done:done + k], lambda keys: {x: nodes[x] for x in keys}))
        done += k
    if done < n:
        nodes.update(merkle.new_nodes(done, leaves[done:], lambda keys: {x: nodes[x] for x in keys}))
    return leaves, nodes


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 300), splits=st.lists(st.integers(1, 70), max_size=8), data=st.data())
def test_any_batching_gives_the_same_tree_and_every_proof_verifies(n, splits, data):
    leaves, nodes = _tree(n, splits)
    root = merkle.root_of(leaves)
    assert merkle.root_from(n, nodes) == root
    frontier = merkle.Frontier()
    for leaf in leaves:
        frontier.append(leaf)
    assert frontier.root() == root
    index = data.draw(st.integers(0, n - 1))
    path = merkle.inclusion_from(index, n, nodes)
    assert len(merkle.inclusion_keys(index, n)) <= 2 * max(n.bit_length(), 1)   # O(log n) node reads
    assert merkle.verify_inclusion(leaves[index], index, n, path, root)
    assert standalone.verify_inclusion(leaves[index], index, n, path, root)
    first = data.draw(st.integers(0, n))
    proof = merkle.consistency_from(first, n, nodes)
    old_root = merkle.root_from(first, nodes)
    assert merkle.verify_consistency(first, n, old_root, root, proof)
    assert standalone.verify_consistency(first, n, old_root, root, proof)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(2, 200), data=st.data())
def test_wrong_leaves_positions_sizes_and_mangled_proofs_are_rejected(n, data):
    leaves, nodes = _tree(n, [])
    root = merkle.root_of(leaves)
    index = data.draw(st.integers(0, n - 1))
    path = merkle.inclusion_from(index, n, nodes)
    other = data.draw(st.integers(0, n - 1).filter(lambda i: i != index))
    for check in (merkle.verify_inclusion, standalone.verify_inclusion):
        assert not check(leaves[other], index, n, path, root)
        assert not check(leaves[index], other, n, path, root)
        assert not check(leaves[index], index, n, path[:-1], root)
        assert not check(leaves[index], index, n, path + [root], root)
        flipped = [bytes([path[0][0] ^ 1]) + path[0][1:]] + path[1:]
        assert not check(leaves[index], index, n, flipped, root)
    first = data.draw(st.integers(1, n - 1))
    proof = merkle.consistency_from(first, n, nodes)
    old_root = merkle.root_from(first, nodes)
    rewritten = merkle.root_of([leaves[0][::-1]] + leaves[1:first])  # another history of the same size
    for check in (merkle.verify_consistency, standalone.verify_consistency):
        assert not check(first, n, rewritten, root, proof)
        assert not check(first, n, old_root, root, proof[:-1])
        assert not check(first, n, old_root, root, [bytes([proof[0][0] ^ 1]) + proof[0][1:]] + proof[1:])
