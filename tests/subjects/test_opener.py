"""The one opener of resident ID numbers (xinyong.subjects.opener): a full opening is audited
before the number exists; the masked display form never shows the birth date, whatever the
masking profile says; rotation finds the column as a sealed one."""
from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from xinyong.kit.sealed import Sealed
from xinyong.models import AuditEntry, Subject
from xinyong.subjects import keys, opener
from xinyong.synthetic import make_resident_id


def _person(session, rid: str) -> Subject:
    subject = Subject(kind="natural_person", name="林某某", resident_id_enc=opener.seal(rid))
    session.add(subject)
    session.flush()
    session.expire(subject)     # read back from the database as the ORM hands it out
    return subject


def _entries(session) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == opener.VIEWED)))


def test_an_opening_is_audited_with_actor_subject_and_purpose(session):
    rid = make_resident_id(random.Random(7))
    subject = _person(session, rid)
    assert isinstance(subject.resident_id_enc, Sealed) and rid not in repr(subject.resident_id_enc)
    assert _entries(session) == []
    assert opener.open_resident_id(session, None, subject, "window:check") == rid
    [entry] = _entries(session)
    assert (entry.target_type, entry.target_id, entry.subject_id) == ("subject", str(subject.id), subject.id)
    assert entry.details == {"purpose": "window:check"}


def test_an_opening_needs_a_purpose_and_writes_nothing_without_one(session):
    subject = _person(session, make_resident_id(random.Random(8)))
    with pytest.raises(ValueError):
        opener.open_resident_id(session, None, subject, "")
    assert _entries(session) == []


def test_the_masked_form_is_not_an_opening(session):
    rid = make_resident_id(random.Random(9))
    subject = _person(session, rid)
    shown = opener.masked(subject, {"keep_first": 6, "keep_last": 4})
    assert shown == rid[:6] + "*" * 8 + rid[-4:]
    assert _entries(session) == []


def test_a_subject_without_a_number_opens_nothing(session):
    subject = Subject(kind="legal_person", name="某公司")
    session.add(subject)
    session.flush()
    assert opener.masked(subject, {"keep_first": 6, "keep_last": 4}) is None
    assert opener.open_resident_id(session, None, subject, "x") is None
    assert _entries(session) == []


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 2**32), keep_first=st.integers(-3, 25), keep_last=st.integers(-3, 25))
def test_no_masking_profile_makes_the_display_show_the_birth_date(seed, keep_first, keep_last):
    rid = make_resident_id(random.Random(seed))
    mask = opener.display_mask({"keep_first": keep_first, "keep_last": keep_last, "mask_char": "*"})
    from xinyong.kit.masking import mask_identifier
    shown = mask_identifier(rid, **mask)
    assert len(shown) == len(rid) and shown[6:14] == "*" * 8
    assert shown[:mask["keep_first"]] == rid[:mask["keep_first"]]    # what the profile keeps, within the limit
    assert mask["keep_first"] == max(0, min(keep_first, 6)) and mask["keep_last"] == max(0, min(keep_last, 4))


def test_rotation_lists_the_resident_ids_as_a_sealed_column_first():
    assert (keys.SEALED[0].table, keys.SEALED[0].column) == (Subject.__table__, "resident_id_enc")
    assert sum(s.column == "resident_id_enc" for s in keys.SEALED) == 1
