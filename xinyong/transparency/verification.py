"""Checking the database's log against the heads published before (issue 12): every
archived head must be validly signed and reproduced by the archived leaf hashes; every leaf
in the database must be the entry it was when it was published; no entry may exist outside
the tree and its outbox; and the newest head may not be older than the configured maximum
while entries wait. Names the first bad entry."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.audit.verification import Problem, unknown_key_message
from xinyong.config import get_settings
from xinyong.transparency import archive, merkle, repository, service
from xinyong.transparency.rules import TreeHead, leaf_data


def verify_log(snap: Session, root: Path | None = None, chunk: int = 5000,
               now: dt.datetime | None = None) -> tuple[int, list[Problem]]:
    """(how many archived heads were checked, problems in the order found)."""
    heads = archive.archived_heads(root)
    hashes = archive.archived_leaf_hashes(root)
    problems = _heads(heads, hashes)
    problems += _leaves(snap, hashes, heads, chunk)
    problems += _outside(snap)
    problems += _freshness(snap, heads, now or clock.now())
    return len(heads), problems


def _heads(heads: list[TreeHead], hashes: list[str]) -> list[Problem]:
    keys, problems = service.public_keys(), []
    frontier = merkle.Frontier()
    for head in heads:
        if head.key_id not in keys:
            problems.append(_p("unknown_key", unknown_key_message(f"archived head of size {head.tree_size}",
                                                                  head.key_id)))
            continue
        if not head.signature_ok(keys):
            problems.append(_p("bad_head_signature", f"archived head of size {head.tree_size} (key {head.key_id[:16]}) "
                                                     "does not verify with any accepted public key"))
            continue
        if head.tree_size > len(hashes):
            problems.append(_p("archive_incomplete", f"the archive's leaf hashes stop at {len(hashes)}, before the "
                                                     f"head of size {head.tree_size}"))
            continue
        while frontier.size < head.tree_size:
            frontier.append(bytes.fromhex(hashes[frontier.size]))
        if frontier.root().hex() != head.root_hash:
            problems.append(_p("archive_mismatch", f"the archived leaf hashes do not give the signed root of the head "
                                                  f"of size {head.tree_size}"))
    return problems


def _leaves(snap: Session, hashes: list[str], heads: list[TreeHead], chunk: int) -> list[Problem]:
    published = max((h.tree_size for h in heads), default=0)
    expected = 0
    for index, entry_id, entry in repository.iter_leaves(snap, chunk):
        if index != expected:
            return [_p("missing", f"leaves {expected}-{index - 1} are gone from the tree (deleted)", seq=None)]
        expected += 1
        if entry is None:
            return [_p("missing", f"leaf {index}: audit entry id {entry_id} was deleted", entry_id=entry_id)]
        if index < len(hashes) and merkle.leaf_hash(leaf_data(entry.fields)).hex() != hashes[index]:
            return [Problem("changed", entry.fields.chain, entry.seq, entry.id,
                            f"leaf {index}: the entry is not the one published (a head of size > {index} signed "
                            "another entry here): changed, inserted, deleted or renumbered")]
    if expected < published:
        return [_p("missing", f"the database's tree has {expected} leaves, but a head of size {published} was "
                              "published: entries were deleted or the database was rolled back")]
    return []


def _outside(snap: Session) -> list[Problem]:
    found = repository.unsequenced_entries(snap, 1)
    if not found:
        return []
    e = found[0]
    return [Problem("inserted", e.fields.chain, e.seq, e.id, "in the audit log but neither in the tree nor waiting "
                                                             "to enter it: not written by the platform")]


def _freshness(snap: Session, heads: list[TreeHead], now: dt.datetime) -> list[Problem]:
    """Entries may wait for a head at most the configured maximum: the oldest one not yet
    covered by an archived head (in the outbox, or a leaf beyond the newest archived head)."""
    covered = max((h.tree_size for h in heads), default=0)
    waiting = [e for e in (repository.first_pending_entry(snap), repository.entry_of_leaf(snap, covered)) if e]
    if not waiting:
        return []
    oldest = min(waiting, key=lambda e: e.fields.at.replace(tzinfo=e.fields.at.tzinfo or dt.timezone.utc))
    at = oldest.fields.at if oldest.fields.at.tzinfo else oldest.fields.at.replace(tzinfo=dt.timezone.utc)
    age, limit = (now - at).total_seconds(), get_settings().transparency_max_head_age_seconds
    if age <= limit:
        return []
    kind = "stale_head" if heads else "missing_head"
    return [Problem(kind, oldest.fields.chain, oldest.seq, oldest.id,
                    f"this entry has waited {int(age)} s for a published tree head (maximum {limit} s): "
                    + ("the newest archived head is too old" if heads else "no head was ever archived"))]


def _p(kind: str, message: str, seq: int | None = None, entry_id: int | None = None) -> Problem:
    return Problem(kind, None, seq, entry_id, message)
