"""Encryption of stored identifiers (AES-256-GCM) and the keyed hash that finds them.

Ciphertext formats (the first byte is the version):
- 0x02 (current): 0x02 | key id length (1 byte) | key id (ASCII) | nonce (12) | ciphertext+tag;
  the header (version, length, id) is bound to the ciphertext as associated data.
- 0x01 (legacy):  0x01 | nonce (12) | ciphertext+tag, under the single key of the time
  (XINYONG_DATA_KEY, or the key derived from the secret key); still read, never written.

Keys come from the key ring (xinyong.kit.keyring); rotation re-encrypts rows under the
current key (xinyong.subjects.keys). The keyed hash uses its own key and never rotates
with the data keys, so rows stay findable throughout.
"""
from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag

from xinyong.config import get_settings
from xinyong.kit.keyring import DEFAULT_ID, KeyRing, current_ring

V1 = 0x01
V2 = 0x02
NONCE_BYTES = 12
LEGACY = "legacy (v1)"  # how status reports version-1 ciphertexts


class UndecryptableError(ValueError):
    """A ciphertext no key of the ring opens (unknown version or key id, wrong key, damage)."""


def _ring(ring: KeyRing | bytes | None) -> KeyRing:
    if ring is None:
        return current_ring()
    if isinstance(ring, bytes):  # a bare key, as callers passed before the ring existed
        return KeyRing(keys=((DEFAULT_ID, ring),), legacy=ring)
    return ring


def header(key_id: str) -> bytes:
    """The version-2 prefix of every ciphertext under ``key_id``."""
    raw = key_id.encode("ascii")
    return bytes((V2, len(raw))) + raw


def encrypt(plain: str, ring: KeyRing | bytes | None = None) -> bytes:
    return encrypt_many([plain], ring)[0]


def encrypt_many(values: list[str], ring: KeyRing | bytes | None = None) -> list[bytes]:
    """Encrypt under the ring's current key (one cipher object for the whole list)."""
    ring = _ring(ring)
    head = header(ring.current_id)
    aes = ring.aes(ring.current_id)
    out = []
    for v in values:
        nonce = os.urandom(NONCE_BYTES)
        out.append(head + nonce + aes.encrypt(nonce, v.encode("utf-8"), head))
    return out


def key_id_of(blob: bytes) -> str | None:
    """The key id a version-2 ciphertext names; None for version 1."""
    if blob[:1] == bytes((V1,)):
        return None
    if blob[:1] != bytes((V2,)) or len(blob) < 2:
        raise UndecryptableError("unknown ciphertext version")
    n = blob[1]
    try:
        return blob[2:2 + n].decode("ascii")
    except UnicodeDecodeError:
        raise UndecryptableError("damaged ciphertext header") from None


def decrypt(blob: bytes, ring: KeyRing | bytes | None = None) -> str:
    """The plain text, from a version-1 or version-2 ciphertext under any key of the ring."""
    if not blob:
        raise UndecryptableError("empty ciphertext")
    ring = _ring(ring)
    blob = bytes(blob)
    key_id = key_id_of(blob)
    if key_id is None:
        return _open_v1(blob, ring)
    aes = ring.aes(key_id)
    if aes is None:
        raise UndecryptableError(f"ciphertext under key {key_id!r}, which is not in the key ring")
    head_len = 2 + len(key_id)
    head, nonce, ct = blob[:head_len], blob[head_len:head_len + NONCE_BYTES], blob[head_len + NONCE_BYTES:]
    try:
        return aes.decrypt(nonce, ct, head).decode("utf-8")
    except InvalidTag:
        raise UndecryptableError(f"ciphertext does not open under key {key_id!r}") from None


def _open_v1(blob: bytes, ring: KeyRing) -> str:
    nonce, ct = blob[1:1 + NONCE_BYTES], blob[1 + NONCE_BYTES:]
    for aes in ring.legacy_candidates():
        try:
            return aes.decrypt(nonce, ct, None).decode("utf-8")
        except InvalidTag:
            continue
    raise UndecryptableError("legacy ciphertext does not open under any key of the ring")


def keyed_hash(value: str, key: bytes | None = None) -> str:
    """HMAC-SHA256 of a normalised identifier: finds a row without storing the identifier."""
    key = key or get_settings().hash_key_bytes()
    return hmac.new(key, value.strip().upper().encode("utf-8"), hashlib.sha256).hexdigest()


def keyed_hash_many(values: list[str]) -> list[str]:
    """``keyed_hash`` of each value: the HMAC keyed once and copied per value (the key's two
    padded blocks hashed once, not per value: 1.3 against 1.8 us a value, a batch's resident IDs
    on the critical path of its subjects)."""
    keyed = hmac.new(get_settings().hash_key_bytes(), digestmod=hashlib.sha256)

    def one(value: str) -> str:
        h = keyed.copy()
        h.update(value.strip().upper().encode("utf-8"))
        return h.hexdigest()

    return [one(v) for v in values]
