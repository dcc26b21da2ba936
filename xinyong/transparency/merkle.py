"""The Merkle tree of RFC 9162 (Certificate Transparency 2.0) section 2.1, pure.

Leaf hash SHA-256(0x00 || data), interior node SHA-256(0x01 || left || right); a tree of n
leaves splits at k, the largest power of two smaller than n. Stored nodes are the complete
subtrees: node (level, index) covers leaves [index * 2**level, (index + 1) * 2**level).
Proof functions return the node keys they need (`*_keys`), so the caller fetches them in
one query, and then assemble the proof from those hashes (`*_from`).
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping

Key = tuple[int, int]            # (level, index) of a complete subtree
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(n: int) -> int:
    """The largest power of two smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


# ---- ranges of leaves as complete subtrees -------------------------------------------------

def range_keys(start: int, end: int) -> list[Key]:
    """The complete subtrees whose hashes make MTH(D[start:end]), left to right, for the
    ranges RFC 9162's recursion produces (start aligned to a power of two >= end - start)."""
    keys: list[Key] = []
    while start < end:
        size = end - start
        level = size.bit_length() - 1 if size & (size - 1) == 0 else split(size).bit_length() - 1
        if start % (1 << level):
            raise ValueError(f"range [{start}, {end}) is not aligned as RFC 9162 splits it")
        keys.append((level, start >> level))
        start += 1 << level
    return keys


def range_hash(start: int, end: int, nodes: Mapping[Key, bytes]) -> bytes:
    """MTH(D[start:end]) from the complete subtrees: the rightmost ones fold first."""
    if start == end:
        return EMPTY_ROOT
    hashes = [nodes[k] for k in range_keys(start, end)]
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def root_keys(size: int) -> list[Key]:
    return range_keys(0, size)


def root_from(size: int, nodes: Mapping[Key, bytes]) -> bytes:
    return range_hash(0, size, nodes)


# ---- inclusion (RFC 9162 2.1.3.1) ----------------------------------------------------------

def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose hashes form the audit path of leaf `index` in a tree of `size`,
    from the leaf up."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of size {size}")
    ranges: list[tuple[int, int]] = []
    start, end = 0, size
    while end - start > 1:
        k = split(end - start)
        if index - start < k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
    return list(reversed(ranges))


def inclusion_keys(index: int, size: int) -> set[Key]:
    return {key for r in inclusion_ranges(index, size) for key in range_keys(*r)}


def inclusion_from(index: int, size: int, nodes: Mapping[Key, bytes]) -> list[bytes]:
    return [range_hash(a, b, nodes) for a, b in inclusion_ranges(index, size)]


# ---- consistency (RFC 9162 2.1.4.1) --------------------------------------------------------

def consistency_ranges(first: int, second: int) -> list[tuple[int, int]]:
    """The leaf ranges whose hashes form the consistency proof from `first` to `second`."""
    if not 0 <= first <= second:
        raise ValueError(f"no consistency proof from size {first} to size {second}")
    if first in (0, second):
        return []
    return _subproof(first, 0, second, True)


def _subproof(m: int, start: int, end: int, whole: bool) -> list[tuple[int, int]]:
    n = end - start
    if m == n:
        return [] if whole else [(start, end)]
    k = split(n)
    if m <= k:
        return _subproof(m, start, start + k, whole) + [(start + k, end)]
    return _subproof(m - k, start + k, end, False) + [(start, start + k)]


def consistency_keys(first: int, second: int) -> set[Key]:
    return {key for r in consistency_ranges(first, second) for key in range_keys(*r)}


def consistency_from(first: int, second: int, nodes: Mapping[Key, bytes]) -> list[bytes]:
    return [range_hash(a, b, nodes) for a, b in consistency_ranges(first, second)]


# ---- building nodes ------------------------------------------------------------------------

def new_nodes(old_size: int, leaves: list[bytes], known: Callable[[Iterable[Key]], Mapping[Key, bytes]]
              ) -> dict[Key, bytes]:
    """Every complete subtree that appending `leaves` to a tree of `old_size` completes,
    including the leaves themselves (level 0). `known` returns stored nodes of the old tree
    (at most one per level is needed: the left sibling of the first new node)."""
    new_size = old_size + len(leaves)
    made: dict[Key, bytes] = {(0, old_size + i): h for i, h in enumerate(leaves)}
    level = 1
    while (new_size >> level) > (old_size >> level):
        first, last = old_size >> level, new_size >> level
        wanted = [(level - 1, 2 * i + c) for i in range(first, last) for c in (0, 1)]
        missing = [k for k in wanted if k not in made]
        made.update(known(missing) if missing else {})
        for i in range(first, last):
            made[(level, i)] = node_hash(made[(level - 1, 2 * i)], made[(level - 1, 2 * i + 1)])
        level += 1
    return made


def root_of(leaves: list[bytes]) -> bytes:
    """MTH of a list of leaf hashes (tests, small trees)."""
    nodes = new_nodes(0, leaves, lambda keys: {})
    return root_from(len(leaves), nodes)


# ---- a whole small tree in memory (a batch's publications) ---------------------------------

def level_root(leaves: list[bytes]) -> bytes:
    """MTH of a list of leaf hashes, level by level in one pass per level (pairs left to
    right, an odd last node carried up): the same root as RFC 9162's split, O(n) time."""
    if not leaves:
        return EMPTY_ROOT
    level = leaves
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def root_and_subtrees(leaves: list[bytes], min_level: int = 0, offset: int = 0) -> tuple[bytes, dict[Key, bytes]]:
    """MTH of `leaves` and, in the same pass, every complete subtree of level >= min_level
    (keys relative to a tree whose leaf `offset`, aligned to the largest level, is leaves[0])."""
    if not leaves:
        return EMPTY_ROOT, {}
    n, level, lv = len(leaves), leaves, 0
    out: dict[Key, bytes] = {(0, offset + i): h for i, h in enumerate(leaves)} if min_level == 0 else {}
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])   # carried up, not a complete subtree of this level
        lv += 1
        if lv >= min_level:
            out.update({(lv, (offset >> lv) + i): paired[i] for i in range(n >> lv)})
        level = paired
    return level[0], out


def inclusion_from_leaves(index: int, leaves: list[bytes]) -> list[bytes]:
    """The audit path of leaf `index` among all `leaves` (they sum to n - 1 leaf hashes)."""
    return [level_root(leaves[a:b]) for a, b in inclusion_ranges(index, len(leaves))]


# ---- verification (RFC 9162 2.1.3.2 and 2.1.4.2) -------------------------------------------

def verify_inclusion(leaf: bytes, index: int, size: int, path: list[bytes], root: bytes) -> bool:
    if not 0 <= index < size or any(len(p) != 32 for p in path) or len(leaf) != 32:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes, proof: list[bytes]) -> bool:
    if not 0 <= first <= second or any(len(p) != 32 for p in proof):
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof and first_root == EMPTY_ROOT
    if not proof:
        return False
    if first & (first - 1) == 0:
        proof = [first_root] + list(proof)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == first_root and sr == second_root


class Frontier:
    """The complete subtrees of a growing tree, O(log n) memory: the root at every size of a
    stream of leaves, without storing the leaves (verifying a 10M-leaf archive)."""

    def __init__(self) -> None:
        self.size = 0
        self._stack: list[tuple[int, bytes]] = []   # (level, hash), largest first

    def append(self, leaf: bytes) -> None:
        level, h = 0, leaf
        while self._stack and self._stack[-1][0] == level:
            h = node_hash(self._stack.pop()[1], h)
            level += 1
        self._stack.append((level, h))
        self.size += 1

    def root(self) -> bytes:
        if not self._stack:
            return EMPTY_ROOT
        acc = self._stack[-1][1]
        for _, h in reversed(self._stack[:-1]):
            acc = node_hash(h, acc)
        return acc
