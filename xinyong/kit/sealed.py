"""Sealed values (ARCHITECTURE.md "Guarantees"): a confidential field is stored as a ciphertext
that the ORM hands out as a ``Sealed`` — an opaque object with no text, no bytes, no equality
and no pickling — and only the one opener registered for its kind (``OPENERS``) can open it;
every opening writes an audit entry before the plain text exists.

References to a sealed party (the addressee of a document, the recipient of a notification,
when that party is a complainant) are sealed too: a keyed pseudonym (``party_ref``) in place of
the account id, which matches the party's own session and names nobody to a reader of the
database without the hash key.

Python cannot hide an attribute; tests/test_sealed_architecture.py walks the code and fails on
any module that reaches a sealed column, the ciphertext inside a ``Sealed``, or an opener,
outside the places listed here.
"""
from __future__ import annotations

import sys
from collections.abc import Callable

from sqlalchemy import LargeBinary, TypeDecorator

from xinyong.kit.crypto import decrypt, encrypt, encrypt_many, keyed_hash

# kind of sealed value -> the one module allowed to open it
OPENERS = {"complainant": "xinyong.complaints.opener", "resident_id": "xinyong.subjects.opener"}
_registered: set[str] = set()


class Sealed:
    """A ciphertext in transit between the database and its opener. It shows nothing."""

    __slots__ = ("_ciphertext",)

    def __init__(self, ciphertext: bytes) -> None:
        object.__setattr__(self, "_ciphertext", bytes(ciphertext))

    def __setattr__(self, name, value):
        raise AttributeError("a sealed value is immutable")

    def __repr__(self) -> str:
        return "<sealed>"

    __str__ = __repr__

    def __bytes__(self):
        raise TypeError("a sealed value has no bytes outside its opener")

    def __eq__(self, other):
        return self is other

    __hash__ = object.__hash__

    def __reduce__(self):
        raise TypeError("a sealed value cannot be pickled")


def _ciphertext(value: Sealed) -> bytes:
    return object.__getattribute__(value, "_ciphertext")


class SealedBytes(TypeDecorator):
    """The column type of a sealed value: bytes in the database, ``Sealed`` in Python. Key
    rotation (xinyong.subjects.keys) finds every column of this type in the metadata."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None or isinstance(value, bytes | bytearray | memoryview):
            return value   # rotation's compare-and-set writes ciphertext it read as bytes
        if isinstance(value, Sealed):
            return _ciphertext(value)
        raise TypeError("a sealed column takes a Sealed value (seal it with its opener)")

    def process_result_value(self, value, dialect):
        return None if value is None else Sealed(bytes(value))


AuditOpening = Callable[..., None]


class Opener:
    """Seals and opens the values of one kind; each opening is audited first."""

    def __init__(self, kind: str, audit: AuditOpening) -> None:
        self.kind = kind
        self._audit = audit

    def seal(self, plain: str) -> Sealed:
        return Sealed(encrypt(plain))

    def open(self, session, actor, value: Sealed, *, target_id: int, purpose: str, **details) -> str:
        """The plain text, after the audit entry (actor, target, purpose) is written in the
        caller's transaction: no opening without its entry."""
        if not isinstance(value, Sealed):
            raise TypeError("only a Sealed value is opened")
        if not purpose:
            raise ValueError("an opening needs its purpose")
        self._audit(session, actor, target_id=target_id, purpose=purpose, **details)
        return decrypt(_ciphertext(value))

    def ciphertexts(self, plains: list[str]) -> list[bytes]:
        """Sealed values as ciphertexts, for a set-based bulk insert through a staging table."""
        return encrypt_many(plains)

    def masked(self, value: Sealed, mask: Callable[[str], str]) -> str:
        """Only ``mask(plain)`` leaves, without an audit entry: for a display form that reveals
        nothing identifying. The registered module says why its mask is safe to show unaudited."""
        if not isinstance(value, Sealed):
            raise TypeError("only a Sealed value is opened")
        return mask(decrypt(_ciphertext(value)))


def opener(kind: str, audit: AuditOpening) -> Opener:
    """The opener of ``kind``, created once, by the module ``OPENERS`` names and no other."""
    caller = sys._getframe(1).f_globals.get("__name__")
    if OPENERS.get(kind) != caller:
        raise PermissionError(f"{caller} may not open sealed {kind!r} values")
    if kind in _registered:
        raise PermissionError(f"the opener of {kind!r} exists already")
    _registered.add(kind)
    return Opener(kind, audit)


def party_ref(user_id: int) -> str:
    """The keyed pseudonym of an account that is a sealed party (HMAC under the hash key, which
    never rotates with the data keys, so the party's rows stay findable across rotations)."""
    return keyed_hash(f"sealed-party:{int(user_id)}")
