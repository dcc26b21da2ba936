"""Rate-limit token buckets shared by the processes of one machine (the workers of
`xinyong serve --workers N`), so that a client gets the limit once, not once per process.

The buckets are a fixed table in a memory-mapped file: a slot holds a keyed 64-bit hash of
the bucket's key, its tokens, when it was last seen and when it will be full again. A key
lives in one of ``PROBE`` consecutive slots from its hash; a slot whose bucket has refilled
counts as free (a full bucket is the same as no bucket); when every slot of the run is in use
the one nearest to full is given up, as ``MemoryBucketStore`` drops its least recently seen
bucket when full. One take is a hash, an exclusive ``flock`` on the file (the processes)
and a lock (the threads), and a few slot reads: a few microseconds.

Times are ``time.monotonic()``, which is one clock for every process of the machine; a
bucket stamped later than now comes from before a reboot and counts as full.
"""
from __future__ import annotations

import fcntl
import hashlib
import mmap
import os
import struct
import threading
import time

from xinyong.kit.ratelimit import Clock, Decision, Limit, take_one

MAGIC = b"XYBUCKT1"
HEADER = struct.Struct("<8sI20s")   # magic, slots, hash salt
HEADER_SIZE = 64
SLOT = struct.Struct("<Qddd")       # key hash (0: empty), tokens, last seen, full again at
DEFAULT_SLOTS = 1 << 17             # 4 MiB; room for about 100,000 clients active within a minute
PROBE = 16


class SharedBucketStore:
    """A ``BucketStore`` in the file at ``path`` (created, mode 0600, if missing)."""

    def __init__(self, path: str | os.PathLike, clock: Clock = time.monotonic, slots: int = DEFAULT_SLOTS,
                 namespace: str = ""):
        self.clock = clock
        self.prefix = namespace.encode() + b"\0"
        self._lock = threading.Lock()
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        try:
            self.slots, self._salt = self._open_table(slots)
            self._map = mmap.mmap(self._fd, HEADER_SIZE + self.slots * SLOT.size)
        except BaseException:
            os.close(self._fd)
            raise

    def _open_table(self, slots: int) -> tuple[int, bytes]:
        """The table's size and salt: from the file, or written to it by the first process."""
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            head = os.pread(self._fd, HEADER.size, 0)
            if not head:
                salt = os.urandom(20)
                os.ftruncate(self._fd, HEADER_SIZE + slots * SLOT.size)
                os.pwrite(self._fd, HEADER.pack(MAGIC, slots, salt), 0)
                return slots, salt
            if len(head) < HEADER.size or head[:8] != MAGIC:
                raise ValueError(f"XINYONG_RATE_STORE: {os.fstat(self._fd).st_size}-byte file is not a bucket table")
            _, slots, salt = HEADER.unpack(head)
            return slots, salt
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        self._map.close()
        os.close(self._fd)

    def _hash(self, key: str) -> int:
        digest = hashlib.blake2b(self.prefix + key.encode(), digest_size=8, key=self._salt).digest()
        return int.from_bytes(digest, "little") | 1  # never 0, the empty slot

    def take(self, key: str, limit: Limit) -> Decision:
        wanted = self._hash(key)
        first = wanted % self.slots
        with self._lock:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                now = self.clock()
                offset, tokens, at = self._find(wanted, first, now)
                if tokens is None:
                    tokens, at = float(limit.burst), now
                tokens, decision, full_after = take_one(tokens, at, now, limit)
                SLOT.pack_into(self._map, offset, wanted, tokens, now, full_after)
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        return decision

    def _find(self, wanted: int, first: int, now: float) -> tuple[int, float | None, float]:
        """(slot offset, tokens, last seen) of the key's bucket; tokens None when it has none
        and the offset is the slot to start it in."""
        free = victim = None
        victim_full = float("inf")
        for n in range(PROBE):
            offset = HEADER_SIZE + ((first + n) % self.slots) * SLOT.size
            key, tokens, at, full_after = SLOT.unpack_from(self._map, offset)
            stale = at > now  # stamped before a reboot
            if key == wanted and not stale:
                return offset, tokens, at
            if key == 0 or full_after <= now or stale:
                if free is None:
                    free = offset
            elif full_after < victim_full:
                victim, victim_full = offset, full_after
        return (free if free is not None else victim), None, now

    def __len__(self) -> int:
        """Buckets not yet refilled (for tests and diagnostics)."""
        now = self.clock()
        with self._lock:
            return sum(1 for n in range(self.slots)
                       if (row := SLOT.unpack_from(self._map, HEADER_SIZE + n * SLOT.size))[0]
                       and now < row[3] and row[2] <= now)
