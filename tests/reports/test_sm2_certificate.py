"""The SM2 seal key's X.509 certificate (GM/T 0015: SM2-with-SM3, the key on the curve
1.2.156.10197.1.301): self-signed for the platform's own key, made once and made again for a new
key; a certificate authority's, named by XINYONG_SM2_CERTIFICATE, served only when it holds the
seal's key; OpenSSL reads it and checks its signature; the parser takes nothing else."""
from __future__ import annotations

import datetime as dt
import subprocess

import pytest
from asn1crypto import pem, x509
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xinyong.kit import sm2
from xinyong.reports import signing, sm2seal

DISTID = "distid:1234567812345678"


def _openssl(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True)


def test_the_platform_key_has_a_self_signed_certificate_that_openssl_reads_and_checks(client, tmp_path):
    page = client.get("/reports/certificate-sm2/x509")
    assert page.status_code == 200 and page.headers["content-type"].startswith("application/x-pem-file")
    assert client.get("/api/v1/reports/certificate-sm2/x509").content == page.content
    assert client.get("/reports/certificate-sm2/x509").content == page.content        # made once, then kept
    assert sm2.certificate_key(page.content) == sm2seal.public_key()
    (tmp_path / "cert.pem").write_bytes(page.content)
    text = _openssl("x509", "-in", "cert.pem", "-noout", "-text", cwd=tmp_path).stdout
    assert text.count("Signature Algorithm: SM2-with-SM3") == 2 and "ASN1 OID: SM2" in text
    assert "CA:TRUE" in text and "Digital Signature, Non Repudiation, Certificate Sign" in text
    assert "O = Xinyong public credit information platform" in text and "C = CN" in text
    # its signature, checked by OpenSSL over the certificate's signed part with the key it holds
    cert = x509.Certificate.load(pem.unarmor(page.content)[2])
    (tmp_path / "tbs.der").write_bytes(cert["tbs_certificate"].dump())
    (tmp_path / "sig.der").write_bytes(cert["signature_value"].native)
    done = _openssl("pkeyutl", "-verify", "-certin", "-inkey", "cert.pem", "-rawin", "-digest", "sm3", "-pkeyopt",
                    DISTID, "-in", "tbs.der", "-sigfile", "sig.der", cwd=tmp_path)
    assert done.returncode == 0 and "Verified Successfully" in done.stdout, done
    tbs = cert["tbs_certificate"].dump()
    (tmp_path / "tbs.der").write_bytes(tbs[:-1] + bytes([tbs[-1] ^ 1]))    # its last byte flipped: never itself
    assert _openssl("pkeyutl", "-verify", "-certin", "-inkey", "cert.pem", "-rawin", "-digest", "sm3", "-pkeyopt",
                    DISTID, "-in", "tbs.der", "-sigfile", "sig.der", cwd=tmp_path).returncode != 0
    start, end = (cert["tbs_certificate"]["validity"][k].native for k in ("not_before", "not_after"))
    assert start <= dt.datetime.now(dt.timezone.utc) < end and (end - start).days >= 365 * signing.CERT_YEARS


def test_the_verify_page_links_the_certificate_while_the_seal_is_on(client, monkeypatch):
    assert "/reports/certificate-sm2/x509" not in client.get("/verify").text          # the SM2 seal is off
    monkeypatch.setenv("XINYONG_SEAL_ALGORITHMS", "pades,sm2")
    page = client.get("/verify")
    assert 'href="/reports/certificate-sm2/x509"' in page.text and "签章公钥的 X.509 证书" in page.text
    assert "X.509 certificate (SM2-with-SM3)" in client.get("/verify?lang=en").text


def test_a_new_key_gets_a_new_certificate_and_a_damaged_one_is_made_again(client):
    first = sm2seal.certificate_pem()
    sm2seal.keygen(force=True)
    second = sm2seal.certificate_pem()
    assert second != first and sm2.certificate_key(second) == sm2seal.public_key() != sm2.certificate_key(first)
    kept = signing.key_dir() / sm2seal.CERT_FILE
    kept.write_bytes(second[:100])                       # damaged on disk
    third = sm2seal.certificate_pem()
    assert third != second and sm2.certificate_key(third) == sm2seal.public_key() and kept.read_bytes() == third


def test_a_certificate_authoritys_certificate_is_served_only_if_it_holds_the_seal_key(client, tmp_path, monkeypatch):
    signer = sm2seal.local_signer()
    now = dt.datetime.now(dt.timezone.utc)
    issued = sm2.certificate(signer.public_key(), signer.sign,
                             {"country_name": "CN", "common_name": "CA-issued seal certificate"}, now,
                             now + dt.timedelta(days=30))
    (tmp_path / "ca.pem").write_bytes(issued)
    monkeypatch.setenv("XINYONG_SM2_CERTIFICATE", str(tmp_path / "ca.pem"))
    assert client.get("/reports/certificate-sm2/x509").content == issued
    stranger = sm2.generate()
    (tmp_path / "ca.pem").write_bytes(sm2.certificate(stranger.public, lambda b: sm2.sign(stranger, b),
                                                      {"common_name": "someone else"}, now, now))
    with pytest.raises(signing.SigningKeyError, match="does not hold"):
        sm2seal.certificate_pem()
    (tmp_path / "ca.pem").write_bytes(signing.certificate_pem())     # the RSA certificate: not an SM2 key's
    with pytest.raises(signing.SigningKeyError, match="not a certificate of an SM2 key"):
        sm2seal.certificate_pem()
    monkeypatch.setenv("XINYONG_SM2_CERTIFICATE", str(tmp_path / "missing.pem"))
    with pytest.raises(signing.SigningKeyError):
        sm2seal.certificate_pem()


def test_another_signer_without_a_certificate_file_publishes_none(client, monkeypatch):
    monkeypatch.setenv("XINYONG_SM2_SIGNER", "tests.reports.test_sm2_seal:_ca_signer")
    answer = client.get("/api/v1/reports/certificate-sm2/x509")
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "no_sm2_certificate"
    monkeypatch.setenv("XINYONG_SEAL_ALGORITHMS", "pades,sm2")
    assert not sm2seal.has_certificate() and 'href="/reports/certificate-sm2/x509"' not in client.get("/verify").text
    assert "/reports/certificate-sm2\"" in client.get("/verify").text      # the bare key is still published


_KEYS = [sm2.generate() for _ in range(3)]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(_KEYS), st.text(min_size=1, max_size=40).filter(lambda s: "\x00" not in s),
       st.integers(min_value=0, max_value=20000))
def test_a_built_certificate_holds_its_key_and_its_signature_verifies(key, common_name, days):
    start = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    cert_pem = sm2.certificate(key.public, lambda b: sm2.sign(key, b), {"common_name": common_name}, start,
                               start + dt.timedelta(days=days))
    assert sm2.certificate_key(cert_pem) == key.public
    cert = x509.Certificate.load(pem.unarmor(cert_pem)[2])
    assert cert.subject.native["common_name"] == common_name == cert.issuer.native["common_name"]
    assert cert["signature_algorithm"]["algorithm"].dotted == sm2.SM2_WITH_SM3_OID
    assert sm2.verify(key.public, cert["tbs_certificate"].dump(), cert["signature_value"].native)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=600) | st.text(max_size=600).map(lambda t: f"-----BEGIN CERTIFICATE-----\n{t}\n"
                                                                     f"-----END CERTIFICATE-----\n".encode()))
def test_the_certificate_parser_takes_nothing_else(garbage):
    with pytest.raises(sm2.Sm2Error):
        sm2.certificate_key(garbage)
