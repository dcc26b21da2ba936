"""Issue #15 point 7: the SM2/SM3 signatures (xinyong/kit/sm2.py over gmssl) interoperate with an
independent implementation — the OpenSSL 3 command line — both ways, with the default user ID
1234567812345678 (GB/T 35276); changed bytes fail; a round trip holds for any message."""
from __future__ import annotations

import subprocess

import pytest
from hypothesis import given, settings, strategies as st

from xinyong.kit import sm2

DISTID = "distid:1234567812345678"


@pytest.fixture(scope="module")
def key():
    return sm2.generate()


def _openssl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["openssl", *args], capture_output=True, text=True)


def _openssl_verifies(tmp_path, public: bytes, message: bytes, signature: bytes) -> bool:
    (tmp_path / "pub.pem").write_bytes(sm2.public_pem(public))
    (tmp_path / "msg").write_bytes(message)
    (tmp_path / "sig").write_bytes(signature)
    done = _openssl("pkeyutl", "-verify", "-pubin", "-inkey", str(tmp_path / "pub.pem"), "-rawin", "-digest", "sm3",
                    "-pkeyopt", DISTID, "-in", str(tmp_path / "msg"), "-sigfile", str(tmp_path / "sig"))
    assert ("Verified Successfully" in done.stdout) == (done.returncode == 0), done
    return done.returncode == 0


def test_openssl_reads_the_published_key_as_sm2(tmp_path, key):
    (tmp_path / "pub.pem").write_bytes(sm2.public_pem(key.public))
    text = _openssl("pkey", "-pubin", "-in", str(tmp_path / "pub.pem"), "-text", "-noout").stdout
    assert "SM2" in text and ":".join(f"{b:02x}" for b in key.public[:4]) in text.replace("\n", "").replace(" ", "")


def test_a_platform_signature_verifies_with_openssl_and_changed_bytes_fail(tmp_path, key):
    message = b"%PDF-1.7 a signed report " * 500
    signature = sm2.sign(key, message)
    assert _openssl_verifies(tmp_path, key.public, message, signature)
    changed = bytearray(message)
    changed[1000] ^= 1
    assert not _openssl_verifies(tmp_path, key.public, bytes(changed), signature)
    assert not sm2.verify(key.public, bytes(changed), signature)
    other = sm2.generate()
    assert not _openssl_verifies(tmp_path, other.public, message, signature)


def test_an_openssl_signature_verifies_with_the_platform(tmp_path):
    assert _openssl("genpkey", "-algorithm", "SM2", "-out", str(tmp_path / "key.pem")).returncode == 0
    assert _openssl("pkey", "-in", str(tmp_path / "key.pem"), "-pubout", "-out", str(tmp_path / "pub.pem")).returncode == 0
    message = bytes(range(256)) * 40
    (tmp_path / "msg").write_bytes(message)
    signed = _openssl("pkeyutl", "-sign", "-inkey", str(tmp_path / "key.pem"), "-rawin", "-digest", "sm3",
                      "-pkeyopt", DISTID, "-in", str(tmp_path / "msg"), "-out", str(tmp_path / "sig"))
    assert signed.returncode == 0, signed.stderr
    public = sm2.load_public_pem((tmp_path / "pub.pem").read_bytes())
    signature = (tmp_path / "sig").read_bytes()
    assert sm2.verify(public, message, signature)
    assert not sm2.verify(public, message[:-1], signature)
    assert not sm2.verify(public, message + b"\0", signature)


def test_openssl_without_the_default_id_is_a_different_signature(tmp_path, key):
    """OpenSSL 3.0 hashes an empty ID unless told: the documented command must give the distid."""
    message = b"abc"
    (tmp_path / "pub.pem").write_bytes(sm2.public_pem(key.public))
    (tmp_path / "msg").write_bytes(message)
    (tmp_path / "sig").write_bytes(sm2.sign(key, message))
    done = _openssl("pkeyutl", "-verify", "-pubin", "-inkey", str(tmp_path / "pub.pem"), "-rawin", "-digest", "sm3",
                    "-in", str(tmp_path / "msg"), "-sigfile", str(tmp_path / "sig"))
    assert done.returncode != 0


def test_the_digest_matches_the_standard_example():
    """GB/T 32918.5 / GM/T 0003.5 SM3 example: SM3("abc")."""
    assert sm2.sm3(b"abc").hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


@settings(max_examples=25, deadline=None)
@given(message=st.binary(max_size=2000), flip=st.integers(min_value=0))
def test_sign_verify_round_trip_and_any_flip_fails(key, message, flip):
    signature = sm2.sign(key, message)
    r, s = sm2.parse_signature(signature)
    assert 1 <= r < sm2.N and 1 <= s < sm2.N and sm2.der_signature(r, s) == signature
    assert sm2.verify(key.public, message, signature)
    if message:
        changed = bytearray(message)
        changed[flip % len(message)] ^= 1 << (flip % 8)
        assert not sm2.verify(key.public, bytes(changed), signature)


@settings(max_examples=50, deadline=None)
@given(junk=st.binary(max_size=100))
def test_malformed_signatures_and_keys_are_refused_not_raised(key, junk):
    assert sm2.verify(key.public, b"m", junk) is False
    with pytest.raises(sm2.Sm2Error):
        sm2.load_public_pem(b"-----BEGIN PUBLIC KEY-----\n" + junk + b"\n-----END PUBLIC KEY-----\n")


def test_out_of_range_values_are_refused(key):
    signature = sm2.sign(key, b"m")
    r, s = sm2.parse_signature(signature)
    assert not sm2.verify(key.public, b"m", sm2.der_signature(r + sm2.N, s))
    assert not sm2.verify(key.public, b"m", sm2.der_signature(r, 0))
    assert not sm2.verify(key.public[:63], b"m", signature)
    with pytest.raises(sm2.Sm2Error):
        sm2.from_private(0)


def test_a_key_whose_x_starts_with_zero_digits_still_verifies():
    """gmssl's constructor strips leading 0/4 digits of a public key given with '04': not ours."""
    key = next(k for k in (sm2.generate() for _ in range(400)) if k.public[0] < 0x10 or k.public[:1] == b"\x04")
    signature = sm2.sign(key, b"m")
    assert sm2.verify(key.public, b"m", signature)
