"""Deciding whether one chain is intact, entry by entry, and naming the first bad entry.
Pure: the service feeds stored entries in seq order (with one entry of look-ahead).

An honest chain has seq 1, 2, 3 … without gaps; each entry's hash is its recomputed hash;
each prev_hash is the previous entry's hash (GENESIS for the first); its head row is its
last entry; and every validly signed checkpoint's [seq, hash] for it is the hash of the
entry at that seq. What a break most likely means is the diagnosis, by these kinds:

- changed:   an entry's content no longer matches its hash, or its hash was recomputed
             (the next entry, or the head, committed to another hash);
- missing:   a gap in seq, or entries gone from the end (the head or a checkpoint is ahead);
- inserted:  an entry the chain goes around, or beyond the head, or with seq below 1;
- reordered: two entries swapped their places (seq);
- checkpoint_mismatch / bad_checkpoint_signature: see `xinyong.audit.service.verify`;
- unknown_key: a checkpoint or tree head signed by a key this installation does not know
  (not tampering: e.g. a backup restored under another key); it cannot be checked.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

from xinyong.audit.rules import GENESIS, EntryFields

KINDS = ("changed", "missing", "inserted", "reordered", "checkpoint_mismatch", "bad_checkpoint_signature",
         "unknown_key")


@dataclasses.dataclass(frozen=True)
class StoredEntry:
    id: int
    fields: EntryFields
    hash: str

    @property
    def seq(self) -> int:
        return self.fields.seq


@dataclasses.dataclass(frozen=True)
class Problem:
    kind: str
    chain: int | None
    seq: int | None
    entry_id: int | None
    message: str
    checkpoint_id: int | None = None

    def line(self) -> str:
        where = [f"chain {self.chain}" if self.chain is not None else "",
                 f"seq {self.seq}" if self.seq is not None else "",
                 f"entry id {self.entry_id}" if self.entry_id is not None else "",
                 f"checkpoint {self.checkpoint_id}" if self.checkpoint_id is not None else ""]
        return f"{self.kind}: {', '.join(w for w in where if w)}: {self.message}"


@dataclasses.dataclass
class ChainSummary:
    chain: int
    entries: int
    head_seq: int | None
    ok: bool


@dataclasses.dataclass
class VerifyReport:
    at: dt.datetime
    chains: list[ChainSummary]
    entries: int
    checkpoints: int
    problems: list[Problem]
    heads: int = 0          # published tree heads checked (xinyong.transparency)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_problem(self) -> Problem | None:
        return self.problems[0] if self.problems else None

    def summary(self) -> str:
        if self.ok:
            return (f"audit log intact: {self.entries} entries in {len(self.chains)} chains, "
                    f"{self.checkpoints} checkpoints verified, {self.heads} published tree heads verified")
        return f"audit log NOT intact: {len(self.problems)} problem(s); first: {self.problems[0].line()}"


class ChainCheck:
    """Walks one chain. `feed` each entry in seq order with the next one (or None), then
    `finish`; both return the chain's first problem, after which the walk should stop."""

    def __init__(self, chain: int, head: tuple[int, str] | None, signed: dict[int, list[tuple[int, str]]]):
        self.chain = chain
        self.head = head
        self.signed = signed      # seq -> [(checkpoint id, signed hash)]
        self.expected_seq = 1
        self.prev: StoredEntry | None = None
        self.count = 0

    @property
    def prev_hash(self) -> str:
        return self.prev.hash if self.prev else GENESIS

    def _problem(self, kind: str, entry: StoredEntry | None, message: str, seq: int | None = None,
                 checkpoint_id: int | None = None) -> Problem:
        return Problem(kind, self.chain, entry.seq if entry else seq, entry.id if entry else None, message,
                       checkpoint_id)

    def feed(self, entry: StoredEntry, nxt: StoredEntry | None) -> Problem | None:
        found = self._placement(entry) or self._links(entry, nxt) or self._signed(entry)
        if found is None:
            self.prev, self.expected_seq, self.count = entry, entry.seq + 1, self.count + 1
        return found

    def _placement(self, entry: StoredEntry) -> Problem | None:
        if entry.seq > self.expected_seq:
            return self._problem("missing", None, f"{_span(self.expected_seq, entry.seq - 1)} missing (deleted); "
                                 f"the chain resumes at seq {entry.seq}, entry id {entry.id}", seq=self.expected_seq)
        if entry.seq < self.expected_seq:
            return self._problem("inserted", entry, "seq below 1: not written by the platform")
        if self.head is not None and entry.seq > self.head[0]:
            return self._problem("inserted", entry, f"beyond the chain head (seq {self.head[0]})")
        return None

    def _links(self, entry: StoredEntry, nxt: StoredEntry | None) -> Problem | None:
        if nxt is not None and entry.fields.prev_hash == nxt.hash:
            return self._problem("reordered", entry, f"swapped with seq {nxt.seq} (entry id {nxt.id}), "
                                 "which it follows in the chain")
        if nxt is not None and nxt.fields.prev_hash == self.prev_hash and entry.hash != self.prev_hash:
            return self._problem("inserted", entry, f"the chain goes around it: seq {nxt.seq} links to seq "
                                 f"{entry.seq - 1}")
        if entry.fields.hash() != entry.hash:
            return self._problem("changed", entry, "its content no longer matches its hash")
        if entry.fields.prev_hash != self.prev_hash:
            if self.prev is None:
                return self._problem("inserted", entry, "the first entry does not start from GENESIS")
            return self._problem("changed", self.prev, f"rewritten with a recomputed hash: the next entry "
                                 f"(seq {entry.seq}, id {entry.id}) committed to a different hash")
        return None

    def _signed(self, entry: StoredEntry) -> Problem | None:
        for checkpoint_id, signed_hash in self.signed.get(entry.seq, ()):
            if signed_hash != entry.hash:
                return self._problem("checkpoint_mismatch", entry, f"checkpoint {checkpoint_id} signed another "
                                     "hash for this seq: the entry was replaced", checkpoint_id=checkpoint_id)
        return None

    def finish(self) -> Problem | None:
        last_seq = self.prev.seq if self.prev else 0
        if self.head is None:
            if self.prev is not None:
                return self._problem("missing", self.prev, "the chain's head row is missing")
        elif self.head[0] > last_seq:
            gone = _span(last_seq + 1, self.head[0])
            return self._problem("missing", None, f"{gone} missing (deleted from the end): the head is at seq "
                                 f"{self.head[0]}, the chain ends at seq {last_seq}", seq=last_seq + 1)
        elif self.prev is not None and self.head[1] != self.prev.hash:
            return self._problem("changed", self.prev, "the head row committed to a different hash for the last "
                                 "entry: it was rewritten with a recomputed hash")
        beyond = sorted(s for s in self.signed if s > last_seq)
        if beyond:
            checkpoint_id = self.signed[beyond[0]][0][0]
            return self._problem("missing", None, f"checkpoint {checkpoint_id} signed seq {beyond[0]}, but the "
                                 f"chain ends at seq {last_seq}: entries were deleted from the end",
                                 seq=beyond[0], checkpoint_id=checkpoint_id)
        return None


def unknown_key_message(what: str, key_id: str) -> str:
    return (f"{what} is signed by key {key_id[:16]}, which is not known here: it cannot be checked, which says "
            "nothing about tampering. This database was signed under another key (restored under another "
            "XINYONG_SECRET_KEY or XINYONG_AUDIT_SIGNING_KEY, or the key was rotated without keeping its "
            "public key): configure that key, or its public key in XINYONG_AUDIT_PUBLIC_KEYS")


def _span(first: int, last: int) -> str:
    return f"entry seq {first} is" if first == last else f"entries seq {first}-{last} are"
