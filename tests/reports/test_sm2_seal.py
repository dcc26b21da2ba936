"""Issue #15 point 7: with XINYONG_SEAL_ALGORITHMS=pades,sm2 a report carries, beside its PAdES
signature, an SM2/SM3 seal over its final bytes, stored with it and downloadable from its verify
page; /verify (page and API) checks the PDF and, optionally, the detached .sm2 file; OpenSSL
verifies the seal with the published key; the key is kept encrypted, mode 0600."""
from __future__ import annotations

import re
import stat
import subprocess

import pytest
from sqlalchemy import select

from tests.reports.support import my_report, one_byte_changed, pdf_of
from xinyong.kit import sm2
from xinyong.models.report import IssuedReport, ReportVerification
from xinyong.reports import signing, sm2seal


@pytest.fixture
def sm2_on(monkeypatch):
    monkeypatch.setenv("XINYONG_SEAL_ALGORITHMS", "pades,sm2")


def _issue(client, world):
    headers = world.token("firm")
    r = my_report(client, headers, "special", field="all", date_from="2022-01-01", date_to="2026-08-31")
    assert r.status_code == 201, r.text
    return headers, r.json()


def _post(client, pdf: bytes, seal: bytes | None = None):
    files = {"file": ("r.pdf", pdf, "application/pdf")}
    if seal is not None:
        files["sm2"] = ("r.sm2", seal, "application/octet-stream")
    return client.post("/api/v1/reports/verify", files=files).json()


def test_the_setting_chooses_the_seals(monkeypatch):
    assert sm2seal.SealSettings().seal_algorithms == "pades" and not sm2seal.enabled()
    monkeypatch.setenv("XINYONG_SEAL_ALGORITHMS", " PADES , sm2 ")
    assert sm2seal.enabled()
    for wrong in ("sm2", "pades,rsa", "pades,sm9"):
        monkeypatch.setenv("XINYONG_SEAL_ALGORITHMS", wrong)
        with pytest.raises(ValueError):
            sm2seal.SealSettings()


def test_without_the_setting_a_report_carries_no_sm2_seal(client, world, session):
    _headers, issued = _issue(client, world)
    report = session.scalar(select(IssuedReport).where(IssuedReport.code == issued["code"]))
    assert report.sm2_signature is None
    body = client.get(f"/api/v1/reports/verify/{issued['code']}").json()
    assert body["outcome"] == "authentic" and body["sm2_valid"] is None and body["sm2_signature_url"] is None
    assert client.get(f"/api/v1/reports/verify/{issued['code']}/sm2").status_code == 404


def test_a_sealed_report_verifies_by_both_seals_and_with_openssl(client, world, session, sm2_on, tmp_path):
    headers, issued = _issue(client, world)
    pdf = pdf_of(client, headers, issued["id"])
    report = session.scalar(select(IssuedReport).where(IssuedReport.code == issued["code"]))
    assert signing.check(pdf).valid and sm2seal.check(pdf, report.sm2_signature)
    by_code = client.get(f"/api/v1/reports/verify/{issued['code']}").json()
    assert by_code["outcome"] == "authentic" and by_code["sm2_valid"] is True
    assert by_code["sm2_signature_url"] == f"/api/v1/reports/verify/{issued['code']}/sm2"
    detached = client.get(by_code["sm2_signature_url"])
    assert detached.status_code == 200 and detached.content == report.sm2_signature
    assert re.search(r'filename="credit-report-special-.*\.sm2"', detached.headers["content-disposition"])
    pem = client.get("/reports/certificate-sm2")
    assert pem.status_code == 200 and client.get("/api/v1/reports/certificate-sm2").content == pem.content
    assert sm2.load_public_pem(pem.content) == sm2seal.public_key()
    for name, data in (("pub.pem", pem.content), ("report.pdf", pdf), ("report.sm2", detached.content)):
        (tmp_path / name).write_bytes(data)
    done = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin", "-digest", "sm3",
                           "-pkeyopt", "distid:1234567812345678", "-in", "report.pdf", "-sigfile", "report.sm2"],
                          cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0 and "Verified Successfully" in done.stdout, done
    # and with the key's X.509 certificate (pkeyutl -certin)
    (tmp_path / "cert.pem").write_bytes(client.get("/reports/certificate-sm2/x509").content)
    done = subprocess.run(["openssl", "pkeyutl", "-verify", "-certin", "-inkey", "cert.pem", "-rawin", "-digest", "sm3",
                           "-pkeyopt", "distid:1234567812345678", "-in", "report.pdf", "-sigfile", "report.sm2"],
                          cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0 and "Verified Successfully" in done.stdout, done
    assert _post(client, pdf)["sm2_valid"] is True                       # the stored seal, for the same bytes
    both = _post(client, pdf, detached.content)
    assert both["outcome"] == "authentic" and both["signature_valid"] is True and both["sm2_valid"] is True


def test_changed_bytes_fail_both_seals_and_a_foreign_seal_fails(client, world, session, sm2_on):
    headers, issued = _issue(client, world)
    pdf = pdf_of(client, headers, issued["id"])
    seal = client.get(f"/api/v1/reports/verify/{issued['code']}/sm2").content
    altered = one_byte_changed(pdf)
    body = _post(client, altered, seal)
    assert body["outcome"] == "tampered" and body["signature_valid"] is False and body["sm2_valid"] is False
    assert _post(client, altered)["sm2_valid"] is None            # no seal given, none stored for these bytes
    stranger = sm2.sign(sm2.generate(), pdf)                       # a valid SM2 signature by another key
    assert _post(client, pdf, stranger)["sm2_valid"] is False
    assert _post(client, pdf, b"\x30\x00junk")["sm2_valid"] is False
    assert _post(client, pdf, b"\x30" * 5000)["sm2_valid"] is False
    session.expire_all()
    logged = session.scalars(select(ReportVerification).order_by(ReportVerification.id.desc())).first()
    assert logged.details.get("sm2") is False


def test_the_verify_page_shows_the_sm2_seal_and_offers_the_detached_file(client, world, sm2_on):
    headers, issued = _issue(client, world)
    pdf = pdf_of(client, headers, issued["id"])
    page = client.get(f"/verify/{issued['code']}")
    assert page.status_code == 200 and 'id="sm2-result" data-valid="yes"' in page.text
    assert f'href="/api/v1/reports/verify/{issued["code"]}/sm2"' in page.text and "/reports/certificate-sm2" in page.text
    assert "distid:1234567812345678" in page.text
    seal = client.get(f"/api/v1/reports/verify/{issued['code']}/sm2").content
    form = client.get("/verify")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    posted = client.post("/verify", data={"csrf_token": token},
                         files={"file": ("r.pdf", one_byte_changed(pdf), "application/pdf"),
                                "sm2": ("r.sm2", seal, "application/octet-stream")})
    assert posted.status_code == 200 and 'id="sm2-result" data-valid="no"' in posted.text
    assert "国密签章（SM2/SM3）" in page.text and "下载 .sm2 签名文件" in page.text
    en = client.get(f"/verify/{issued['code']}?lang=en")
    assert "National-cryptography seal (SM2/SM3)" in en.text and "Download the .sm2 signature file" in en.text


def test_the_sm2_key_is_encrypted_at_rest_with_mode_0600(sm2_on, monkeypatch):
    key_path, _created = sm2seal.keygen()
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    private = sm2seal.local_signer().key.private.to_bytes(32, "big")
    assert private not in key_path.read_bytes() and private.hex().encode() not in key_path.read_bytes()
    monkeypatch.setenv("XINYONG_SECRET_KEY", "another-secret-" + "x" * 40)
    from xinyong.config import reset_settings
    reset_settings()
    try:
        with pytest.raises(signing.SigningKeyError):
            sm2seal.local_signer()
    finally:
        monkeypatch.undo()
        reset_settings()


def test_a_signer_is_chosen_by_setting(monkeypatch):
    monkeypatch.setenv("XINYONG_SM2_SIGNER", "tests.reports.test_sm2_seal:_ca_signer")
    assert sm2seal.public_key() == _CA_KEY.public
    assert sm2.verify(_CA_KEY.public, b"doc", sm2seal.signer().sign(b"doc"))
    monkeypatch.setenv("XINYONG_SM2_SIGNER", "nonsense")
    with pytest.raises(signing.SigningKeyError):
        sm2seal.signer()


_CA_KEY = sm2.generate()


def _ca_signer():
    """Stands for a certificate authority's signing service in the setting test."""
    return sm2seal.LocalSigner(_CA_KEY)


def test_the_command_line_checks_the_detached_seal(client, world, sm2_on, tmp_path):
    from typer.testing import CliRunner

    from xinyong.cli import app
    headers, issued = _issue(client, world)
    (tmp_path / "r.pdf").write_bytes(pdf_of(client, headers, issued["id"]))
    (tmp_path / "r.sm2").write_bytes(client.get(f"/api/v1/reports/verify/{issued['code']}/sm2").content)
    (tmp_path / "bad.sm2").write_bytes(sm2.sign(sm2.generate(), (tmp_path / "r.pdf").read_bytes()))
    good = CliRunner().invoke(app, ["reports", "verify", str(tmp_path / "r.pdf"), "--sm2", str(tmp_path / "r.sm2")])
    assert good.exit_code == 0 and "SM2 seal valid: True" in good.output, good.output
    bad = CliRunner().invoke(app, ["reports", "verify", str(tmp_path / "r.pdf"), "--sm2", str(tmp_path / "bad.sm2")])
    assert bad.exit_code == 1 and "SM2 seal valid: False" in bad.output, bad.output
    (tmp_path / "r.ses").write_bytes(client.get(f"/api/v1/reports/verify/{issued['code']}/ses").content)
    sealed = CliRunner().invoke(app, ["reports", "verify", str(tmp_path / "r.pdf"), "--sm2", str(tmp_path / "r.ses")])
    assert sealed.exit_code == 0 and "SM2 seal valid: True" in sealed.output, sealed.output
    assert "GB/T 38540 seal: " in sealed.output and "公共信用信息平台电子印章 (XY-" in sealed.output
    pem = CliRunner().invoke(app, ["reports", "certificate", "--sm2"])
    assert sm2.load_public_pem(pem.output.encode()) == sm2seal.public_key()
    cert = CliRunner().invoke(app, ["reports", "certificate", "--sm2-x509"])
    assert cert.exit_code == 0 and sm2.certificate_key(cert.output.encode()) == sm2seal.public_key()
