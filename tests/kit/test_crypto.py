"""The data key ring and the ciphertext formats: round trips, legacy reads, wrong keys."""
from __future__ import annotations

import base64
import os

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from xinyong.config import Settings, get_settings, reset_settings
from xinyong.kit import crypto
from xinyong.kit.crypto import UndecryptableError, decrypt, encrypt, encrypt_many, key_id_of, keyed_hash
from xinyong.kit.keyring import DEFAULT_ID, build_ring, current_ring, new_key_line, parse_keys

KA, KB, KC = (bytes([n]) * 32 for n in (1, 2, 3))
B64 = {k: base64.b64encode(k).decode() for k in (KA, KB, KC)}
key_ids = st.from_regex(r"\A[A-Za-z0-9_.-]{1,32}\Z")


def ring(spec: str, default: bytes = KC):
    return build_ring(spec, default)


def legacy_blob(plain: str, key: bytes) -> bytes:
    """A version-1 ciphertext exactly as the platform wrote them before key ids."""
    nonce = os.urandom(12)
    return b"\x01" + nonce + AESGCM(key).encrypt(nonce, plain.encode("utf-8"), None)


@pytest.fixture
def env(monkeypatch):
    def set_env(**values):
        for name, value in values.items():
            monkeypatch.setenv(f"XINYONG_{name.upper()}", value)
        reset_settings()
    yield set_env
    reset_settings()


@settings(max_examples=200, deadline=None)
@given(plain=st.text(max_size=200), first=key_ids, second=key_ids)
def test_every_text_round_trips_under_any_ring(plain, first, second):
    spec = f"{first}:{B64[KA]}" + (f",{second}:{B64[KB]}" if second != first else "")
    r = ring(spec)
    blob = encrypt(plain, r)
    assert blob[0] == 2 and key_id_of(blob) == first
    assert decrypt(blob, r) == plain
    # after the ring's next rotation the old key still reads it
    if second != first:
        assert decrypt(blob, ring(f"{second}:{B64[KB]},{first}:{B64[KA]}")) == plain


@settings(max_examples=50, deadline=None)
@given(values=st.lists(st.text(max_size=30), max_size=20))
def test_encrypt_many_round_trips_and_never_repeats_a_nonce(values):
    r = ring(f"a:{B64[KA]}")
    blobs = encrypt_many(values, r)
    assert [decrypt(b, r) for b in blobs] == values
    nonces = [b[3:15] for b in blobs]
    assert len(set(nonces)) == len(nonces)


def test_without_a_ring_the_single_key_is_current_and_named_default(env):
    env(data_key=B64[KA])
    blob = encrypt("350500199001011234")
    assert key_id_of(blob) == DEFAULT_ID
    assert decrypt(blob, ring("", default=KA)) == "350500199001011234"


def test_the_first_key_of_the_ring_is_current(env):
    env(data_keys=f"b:{B64[KB]}, a:{B64[KA]}")
    r = current_ring()
    assert r.current_id == "b" and r.ids == ["b", "a", DEFAULT_ID]
    assert key_id_of(encrypt("x")) == "b"


def test_legacy_ciphertexts_still_decrypt(env):
    derived = get_settings().data_key_bytes()  # no data key set: derived from the secret key
    old = legacy_blob("350500199001011234", derived)
    assert decrypt(old) == "350500199001011234"
    env(data_keys=f"new:{B64[KB]}")  # moving to a ring keeps the single key readable
    assert decrypt(old) == "350500199001011234"
    env(data_key=B64[KA], data_keys="")
    assert decrypt(legacy_blob("甲", KA)) == "甲"


def test_a_legacy_key_moved_into_the_ring_under_a_name_still_opens_legacy_rows():
    old = legacy_blob("abc", KA)
    assert decrypt(old, ring(f"b:{B64[KB]},old:{B64[KA]}", default=KC)) == "abc"


def test_wrong_key_fails():
    blob = encrypt("secret", ring(f"a:{B64[KA]}"))
    with pytest.raises(UndecryptableError):  # same id, other key
        decrypt(blob, ring(f"a:{B64[KB]}"))
    with pytest.raises(UndecryptableError, match="not in the key ring"):
        decrypt(blob, ring(f"b:{B64[KB]}"))
    with pytest.raises(UndecryptableError):
        decrypt(legacy_blob("secret", KA), ring(f"b:{B64[KB]}", default=KC))


def test_tampering_is_detected():
    r = ring(f"a:{B64[KA]},b:{B64[KA]}")  # same key under two ids: the id itself is authenticated
    blob = encrypt("secret", r)
    relabelled = crypto.header("b") + blob[len(crypto.header("a")):]
    with pytest.raises(UndecryptableError):
        decrypt(relabelled, r)
    flipped = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(UndecryptableError):
        decrypt(flipped, r)
    for junk in (b"", b"\x03abc", b"\x02"):
        with pytest.raises(ValueError):
            decrypt(junk, r)


@pytest.mark.parametrize("spec, problem", [
    ("a", "id:base64key"),
    ("a:not base64!", "not valid base64"),
    (f"a:{base64.b64encode(b'short').decode()}", "32 bytes"),
    (f"a:{B64[KA]},a:{B64[KB]}", "twice"),
    (f"bad id:{B64[KA]}", "letters"),
])
def test_a_malformed_ring_fails_loudly_without_echoing_keys(spec, problem, monkeypatch):
    with pytest.raises(ValueError, match=problem) as caught:
        parse_keys(spec)
    assert B64[KB] not in str(caught.value)
    monkeypatch.setenv("XINYONG_DATA_KEYS", spec)
    with pytest.raises(ValidationError):
        Settings()


def test_keys_never_appear_in_reprs():
    r = ring(f"a:{B64[KA]}")
    assert B64[KA] not in repr(r) and repr(KA) not in repr(r)
    assert B64[KA] not in repr(Settings(data_keys=f"a:{B64[KA]}"))


def test_the_keyed_hash_does_not_change_with_the_data_keys(env):
    before = keyed_hash("350500199001011234")
    env(data_keys=f"b:{B64[KB]},a:{B64[KA]}")
    assert keyed_hash("350500199001011234") == before


def test_new_key_lines_parse_and_are_random():
    one, two = new_key_line("2026a"), new_key_line("2026a")
    assert one != two
    (key_id, key), = parse_keys(one)
    assert key_id == "2026a" and len(key) == 32
    with pytest.raises(ValueError):
        new_key_line("no spaces")


def test_a_bare_key_is_still_accepted():
    blob = encrypt("x", KA)
    assert decrypt(blob, KA) == "x"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=24), max_size=8))
def test_keyed_hashes_in_bulk_are_the_keyed_hash_of_each_value(values):
    """The bulk path (an HMAC keyed once, copied per value) gives each value its own hash:
    a copy that carried one value's update into the next would find no subject."""
    assert crypto.keyed_hash_many(values) == [keyed_hash(v) for v in values]
