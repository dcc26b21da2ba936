"""Encryption of stored identifiers (AES-256-GCM) and the keyed hash that finds them."""
from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from xinyong.config import get_settings

_VERSION = b"\x01"


def encrypt(plain: str, key: bytes | None = None) -> bytes:
    key = key or get_settings().data_key_bytes()
    nonce = os.urandom(12)
    return _VERSION + nonce + AESGCM(key).encrypt(nonce, plain.encode("utf-8"), None)


def decrypt(blob: bytes, key: bytes | None = None) -> str:
    key = key or get_settings().data_key_bytes()
    if not blob or blob[:1] != _VERSION:
        raise ValueError("unknown ciphertext version")
    nonce, ct = blob[1:13], blob[13:]
    return AESGCM(key).decrypt(nonce, ct, None).decode("utf-8")


def keyed_hash(value: str, key: bytes | None = None) -> str:
    """HMAC-SHA256 of a normalised identifier: finds a row without storing the identifier."""
    key = key or get_settings().hash_key_bytes()
    return hmac.new(key, value.strip().upper().encode("utf-8"), hashlib.sha256).hexdigest()


def encrypt_many(values: list[str]) -> list[bytes]:
    aes = AESGCM(get_settings().data_key_bytes())
    out = []
    for v in values:
        nonce = os.urandom(12)
        out.append(_VERSION + nonce + aes.encrypt(nonce, v.encode("utf-8"), None))
    return out


def keyed_hash_many(values: list[str]) -> list[str]:
    key = get_settings().hash_key_bytes()
    return [hmac.new(key, v.strip().upper().encode("utf-8"), hashlib.sha256).hexdigest() for v in values]
