"""The ring of data keys that protect stored identifiers.

XINYONG_DATA_KEYS="id1:base64key,id2:base64key" lists the keys; the first is *current*
(it encrypts everything new), the others only decrypt. Without it the ring holds one key,
"default": XINYONG_DATA_KEY, or (development) a key derived from the secret key — the key
the platform has always used. That "default" key stays in every ring as a decrypt-only key
unless the ring names its own "default", so moving from a single key to a ring never strands
a stored row; it is retired by rotating every row away from it (`xinyong keys rotate`).

Rotating keys: put the new key first and keep the old ones after it, restart the platform
(readers then accept every key, writers use the new one), run `xinyong keys rotate`, check
`xinyong keys status`, and only then drop the old key from the list.
"""
from __future__ import annotations

import base64
import binascii
import functools
import re
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

DEFAULT_ID = "default"
KEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")


@dataclass(frozen=True)
class KeyRing:
    """Keys by id, the current one first; ``legacy`` is the key version-1 ciphertexts
    (written before key ids existed) were encrypted with."""

    keys: tuple[tuple[str, bytes], ...]
    legacy: bytes
    _aes: dict[str, AESGCM] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.keys:
            raise ValueError("a key ring needs at least one key")
        for key_id, key in self.keys:
            _check(key_id, key)
            if key_id in self._aes:
                raise ValueError(f"key id {key_id!r} appears twice in the data key ring")
            self._aes[key_id] = AESGCM(key)

    @property
    def current_id(self) -> str:
        return self.keys[0][0]

    @property
    def ids(self) -> list[str]:
        return [key_id for key_id, _ in self.keys]

    def aes(self, key_id: str) -> AESGCM | None:
        return self._aes.get(key_id)

    def legacy_candidates(self) -> list[AESGCM]:
        """Keys to try on a version-1 ciphertext: the legacy key first, then the ring's."""
        first = AESGCM(self.legacy)
        return [first] + [self._aes[k] for k, key in self.keys if key != self.legacy]

    def __repr__(self) -> str:  # never print key material
        return f"KeyRing(current={self.current_id!r}, ids={self.ids!r})"


def _check(key_id: str, key: bytes) -> None:
    if not KEY_ID.match(key_id):
        raise ValueError(f"data key id {key_id!r}: use 1-32 letters, digits, '_', '-' or '.'")
    if len(key) != 32:
        raise ValueError(f"data key {key_id!r} must be 32 bytes, base64-encoded (got {len(key)} bytes)")


def parse_keys(text: str) -> list[tuple[str, bytes]]:
    """Parse "id1:base64key,id2:base64key" (whitespace ignored); raises ValueError naming
    the entry at fault, never echoing key material."""
    entries = []
    for n, part in enumerate((p.strip() for p in text.split(",")), start=1):
        if not part:
            continue
        key_id, sep, encoded = part.partition(":")
        if not sep:
            raise ValueError(f"XINYONG_DATA_KEYS entry {n} must be id:base64key")
        try:
            key = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(f"XINYONG_DATA_KEYS entry {n} ({key_id.strip()!r}): the key is not valid base64") from None
        _check(key_id.strip(), key)
        entries.append((key_id.strip(), key))
    ids = [k for k, _ in entries]
    if len(set(ids)) != len(ids):
        raise ValueError("XINYONG_DATA_KEYS lists a key id twice")
    return entries


def build_ring(data_keys: str, default_key: bytes) -> KeyRing:
    """The ring from XINYONG_DATA_KEYS and the single/derived key (see the module doc)."""
    entries = parse_keys(data_keys)
    if not entries:
        return KeyRing(keys=((DEFAULT_ID, default_key),), legacy=default_key)
    if DEFAULT_ID not in {k for k, _ in entries}:
        entries.append((DEFAULT_ID, default_key))
    return KeyRing(keys=tuple(entries), legacy=default_key)


@functools.lru_cache(maxsize=8)
def _cached_ring(data_keys: str, default_key: bytes) -> KeyRing:
    return build_ring(data_keys, default_key)


def current_ring() -> KeyRing:
    """The ring configured in the settings (parsed once per configuration)."""
    from xinyong.config import get_settings
    settings = get_settings()
    return _cached_ring(settings.data_keys, settings.data_key_bytes())


def new_key_line(key_id: str) -> str:
    """A fresh random key as an XINYONG_DATA_KEYS entry."""
    key = AESGCM.generate_key(bit_length=256)
    _check(key_id, key)
    return f"{key_id}:{base64.b64encode(key).decode('ascii')}"
