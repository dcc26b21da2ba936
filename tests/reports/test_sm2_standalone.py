"""Issue #15 point 7: tools/verify_sm2.py, the standalone (standard library only) check of a
report's SM2 seal, agrees with the platform and with OpenSSL: valid seals pass, any changed byte
or another key fails; the key is read from a PEM public key or from the key's X.509 certificate."""
from __future__ import annotations

import ast
import base64
import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from xinyong.kit import sm2

TOOL = Path(__file__).resolve().parents[2] / "tools" / "verify_sm2.py"
sys.path.insert(0, str(TOOL.parent))
import verify_sm2  # noqa: E402

KEY = sm2.generate()
PUBLIC = verify_sm2.load_public_pem(sm2.public_pem(KEY.public))


def test_the_tool_imports_only_the_standard_library():
    tree = ast.parse(TOOL.read_text())
    names = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    names |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert names <= set(sys.stdlib_module_names) | {"__future__"}, names


@settings(max_examples=20, deadline=None)
@given(message=st.binary(max_size=500), flip=st.integers(min_value=0))
def test_the_tool_agrees_with_the_platform(message, flip):
    signature = sm2.sign(KEY, message)
    assert verify_sm2.verify(PUBLIC, message, signature)
    assert verify_sm2.parse_signature(signature) == sm2.parse_signature(signature)
    if message:
        changed = bytearray(message)
        changed[flip % len(message)] ^= 1 << (flip % 8)
        assert not verify_sm2.verify(PUBLIC, bytes(changed), signature)


@settings(max_examples=50, deadline=None)
@given(junk=st.binary(max_size=80))
def test_junk_signatures_are_not_valid(junk):
    assert verify_sm2.verify(PUBLIC, b"m", junk) is False


def test_the_command_checks_an_openssl_seal_and_refuses_another_key(tmp_path):
    run = lambda *a: subprocess.run(list(a), capture_output=True, text=True, cwd=tmp_path)  # noqa: E731
    assert run("openssl", "genpkey", "-algorithm", "SM2", "-out", "key.pem").returncode == 0
    assert run("openssl", "pkey", "-in", "key.pem", "-pubout", "-out", "pub.pem").returncode == 0
    (tmp_path / "report.pdf").write_bytes(b"%PDF-1.7 " + bytes(range(256)) * 20)
    assert run("openssl", "pkeyutl", "-sign", "-inkey", "key.pem", "-rawin", "-digest", "sm3", "-pkeyopt",
               "distid:1234567812345678", "-in", "report.pdf", "-out", "report.sm2").returncode == 0
    ok = run(sys.executable, str(TOOL), "report.pdf", "report.sm2", "pub.pem")
    assert ok.returncode == 0 and "valid" in ok.stdout, ok
    (tmp_path / "other.pem").write_bytes(sm2.public_pem(KEY.public))
    assert run(sys.executable, str(TOOL), "report.pdf", "report.sm2", "other.pem").returncode == 1
    (tmp_path / "report.pdf").write_bytes(b"%PDF-1.7 changed")
    assert run(sys.executable, str(TOOL), "report.pdf", "report.sm2", "pub.pem").returncode == 1
    (tmp_path / "rsa.pem").write_text("-----BEGIN PUBLIC KEY-----\nMAA=\n-----END PUBLIC KEY-----\n")
    assert run(sys.executable, str(TOOL), "report.pdf", "report.sm2", "rsa.pem").returncode == 2


def test_the_tool_reads_the_key_from_the_certificate_openssl_and_the_platform_make(tmp_path):
    now = dt.datetime.now(dt.timezone.utc)
    ours = sm2.certificate(KEY.public, lambda b: sm2.sign(KEY, b), {"common_name": "证书 seal"}, now, now)
    assert verify_sm2.load_public_pem(ours) == PUBLIC
    run = lambda *a: subprocess.run(list(a), capture_output=True, text=True, cwd=tmp_path)  # noqa: E731
    assert run("openssl", "genpkey", "-algorithm", "SM2", "-out", "key.pem").returncode == 0
    assert run("openssl", "req", "-new", "-x509", "-key", "key.pem", "-sm3", "-sigopt", "distid:1234567812345678",
               "-subj", "/CN=openssl", "-days", "3", "-out", "cert.pem").returncode == 0
    (tmp_path / "report.pdf").write_bytes(b"%PDF-1.7 " + bytes(range(256)) * 5)
    assert run("openssl", "pkeyutl", "-sign", "-inkey", "key.pem", "-rawin", "-digest", "sm3", "-pkeyopt",
               "distid:1234567812345678", "-in", "report.pdf", "-out", "report.sm2").returncode == 0
    ok = run(sys.executable, str(TOOL), "report.pdf", "report.sm2", "cert.pem")
    assert ok.returncode == 0 and "valid" in ok.stdout, ok
    (tmp_path / "ours.pem").write_bytes(ours)
    assert run(sys.executable, str(TOOL), "report.pdf", "report.sm2", "ours.pem").returncode == 1   # another key
    (tmp_path / "cut.pem").write_bytes(b"-----BEGIN CERTIFICATE-----\nMIIBcjCCARigAwIBAgIQ\n-----END CERTIFICATE-----\n")
    assert run(sys.executable, str(TOOL), "report.pdf", "report.sm2", "cut.pem").returncode == 2


@settings(max_examples=200, deadline=None)
@given(junk=st.binary(max_size=300))
def test_a_damaged_certificate_is_refused_as_input(junk):
    pem = b"-----BEGIN CERTIFICATE-----\n" + base64.encodebytes(junk) + b"-----END CERTIFICATE-----\n"
    with pytest.raises((ValueError, IndexError)):   # the command answers both as "unusable input" (exit 2)
        verify_sm2.load_public_pem(pem)


def _sealed(key, data: bytes, when=dt.datetime(2026, 12, 6, tzinfo=dt.timezone.utc)) -> tuple[bytes, bytes]:
    """A GB/T 38540 sealed signature of ``data`` by ``key`` under a seal it made itself, and its
    certificate (PEM)."""
    from asn1crypto import pem

    from xinyong.kit import ses
    sign = lambda b: sm2.sign(key, b)   # noqa: E731
    cert_pem = sm2.certificate(key.public, sign, {"common_name": "t"}, when - dt.timedelta(days=1),
                               when + dt.timedelta(days=30))
    cert = pem.unarmor(cert_pem)[2]
    spec = ses.SealSpec("XY-1", "测试电子印章", "xinyong", when - dt.timedelta(days=1), when + dt.timedelta(days=30),
                        b"\x89PNG" * 20_000, 42, 42)       # a picture over 64 KiB: 3-byte DER lengths
    seal = ses.make_seal(spec, [cert], cert, sign, when)
    return ses.sign(seal, data, "report.pdf", cert, sign, when), cert_pem


@settings(max_examples=10, deadline=None)
@given(message=st.binary(max_size=300), flip=st.integers(min_value=0))
def test_the_tool_checks_a_sealed_signature_as_the_platform_does(message, flip):
    from xinyong.kit import ses
    signed, _cert = _sealed(KEY, message)
    assert ses.verify(signed, message) and verify_sm2.is_sealed_signature(signed)
    assert verify_sm2.verify_sealed(PUBLIC, message, signed)
    changed = bytearray(signed)
    changed[flip % len(signed)] ^= 1 << (flip % 8)
    try:
        tool = verify_sm2.verify_sealed(PUBLIC, message, bytes(changed))
    except (ValueError, IndexError):
        tool = False
    assert tool is False
    assert not verify_sm2.verify_sealed(verify_sm2.load_public_pem(sm2.public_pem(sm2.generate().public)), message, signed)


def test_the_command_takes_a_sealed_signature_in_place_of_the_detached_one(tmp_path):
    signed, cert = _sealed(KEY, b"the report")
    for name, data in (("r.pdf", b"the report"), ("r.ses", signed), ("cert.pem", cert), ("bad.pdf", b"the report!"),
                       ("other.pem", sm2.public_pem(sm2.generate().public))):
        (tmp_path / name).write_bytes(data)

    def run(*args):
        return subprocess.run([sys.executable, str(TOOL), *args], cwd=tmp_path, capture_output=True, text=True)
    ok = run("r.pdf", "r.ses", "cert.pem")
    assert ok.returncode == 0 and "GB/T 38540 sealed signature valid" in ok.stdout, ok
    assert run("bad.pdf", "r.ses", "cert.pem").returncode == 1
    assert run("r.pdf", "r.ses", "other.pem").returncode == 1
