"""The one place that seals and opens the resident ID number (居民身份证号码) of a subject
(ARCHITECTURE.md "Sealed values"; FZ art. 4 para. 2 and art. 11, PIPL: minimum necessary
disclosure). Every full opening writes an audit entry — actor, subject, purpose — in the caller's
transaction before the plain number exists (``subject.resident_id_viewed``, on the subject's own
audit chain). No other module reads ``Subject.resident_id_enc`` (tests/test_sealed_architecture.py).

The masked form for display is not an audited opening, by decision: the mask applied here always
hides the birth date (digits 7-14) and therefore everything a reader could use to identify the
person beyond the region code, the sex digit and the check digit; the public subject page shows it
to anonymous visitors, and an audit entry per page view would be noise (one write per GET, with no
actor to name) that buries the entries that matter. The masking profile's parameters are applied
but clamped (``display_mask``) so that no profile edit can make an unaudited display reveal the
birth date: showing more than that is a full opening, with its entry.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from xinyong.audit import record_event
from xinyong.kit import sealed
from xinyong.kit.access import Principal
from xinyong.kit.masking import mask_identifier
from xinyong.models import Subject

VIEWED = "subject.resident_id_viewed"
BIRTH_DATE = (6, 14)        # digits 7-14 of an 18-digit number: YYYYMMDD
ID_LENGTH = 18


def _audit(session: Session, actor: Principal | None, *, target_id: int, purpose: str, **details) -> None:
    record_event(session, actor, VIEWED, target_type="subject", target_id=target_id, subject_id=target_id,
                 details={"purpose": purpose, **details})


_OPENER = sealed.opener("resident_id", _audit)


def seal(plain: str) -> sealed.Sealed:
    return _OPENER.seal(plain)


def ciphertexts(plains: list[str]) -> list[bytes]:
    """Sealed numbers as ciphertexts, for the set-based bulk insert through a staging table
    (xinyong.subjects.repository); sealing reveals nothing and writes no entry."""
    return _OPENER.ciphertexts(plains)


def display_mask(masking: dict) -> dict:
    """The profile's mask for resident IDs (``masking.natural_person``), clamped so that it never
    shows a digit of the birth date."""
    keep_first = max(0, min(int(masking.get("keep_first", 6)), BIRTH_DATE[0]))
    keep_last = max(0, min(int(masking.get("keep_last", 4)), ID_LENGTH - BIRTH_DATE[1]))
    return {**masking, "keep_first": keep_first, "keep_last": keep_last}


def masked(subject: Subject, masking: dict) -> str | None:
    """The masked number for display (not audited: see the module's note), or None."""
    if subject.resident_id_enc is None:
        return None
    mask = display_mask(masking)
    return _OPENER.masked(subject.resident_id_enc, lambda plain: mask_identifier(plain, **mask))


def open_resident_id(session: Session, actor: Principal | None, subject: Subject, purpose: str,
                     **details) -> str | None:
    """The full number, after its audit entry (who, which subject, purpose); None if the subject
    has none (nothing is opened, nothing is written)."""
    if subject.resident_id_enc is None:
        return None
    return _OPENER.open(session, actor, subject.resident_id_enc, target_id=subject.id, purpose=purpose, **details)


def seal_onto_account(user, plain: str) -> None:
    """An account's resident ID as an identity provider proved it (xinyong.accounts.identity),
    sealed like a subject's: never kept in plain, opened only here, with its entry."""
    user.identity_enc = seal(plain)
