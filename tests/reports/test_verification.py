"""Issue #5 evidence: a signed report verifies; one changed byte fails both the signature check
and the hash; an unknown code is not found; verification reveals no content; every attempt is
logged; the certificate is published; the key is kept encrypted with mode 0600."""
from __future__ import annotations

import io
import stat

from cryptography import x509
from pypdf import PdfReader
from sqlalchemy import select

from tests.reports.support import my_report, one_byte_changed, pdf_of
from xinyong.models.report import IssuedReport, ReportVerification
from xinyong.reports import signing


def _special(client, world):
    headers = world.token("firm")
    r = my_report(client, headers, "special", field="all", date_from="2022-01-01", date_to="2026-08-31")
    assert r.status_code == 201, r.text
    return headers, r.json()


def test_a_signed_report_verifies_by_code_and_by_file(client, world):
    headers, issued = _special(client, world)
    pdf = pdf_of(client, headers, issued["id"])
    by_code = client.get(f"/api/v1/reports/verify/{issued['code']}")
    assert by_code.status_code == 200 and by_code.json()["outcome"] == "authentic"
    assert by_code.json()["signature_valid"] is True and by_code.json()["hash_matches"] is True
    by_file = client.post("/api/v1/reports/verify", files={"file": ("r.pdf", pdf, "application/pdf")})
    body = by_file.json()
    assert body["outcome"] == "authentic" and body["code"] == issued["code"] and body["kind"] == "special"
    assert body["uploaded_sha256"] == body["sha256"] == issued["sha256"]


def test_one_changed_byte_fails_the_signature_and_the_hash(client, world):
    headers, issued = _special(client, world)
    pdf = pdf_of(client, headers, issued["id"])
    assert signing.check(pdf).valid
    for at in (len(pdf) // 4, len(pdf) // 2, 200):
        altered = one_byte_changed(pdf, at)
        check = signing.check(altered)
        assert not check.valid and not check.intact, at
        body = client.post("/api/v1/reports/verify", data={"code": issued["code"]},
                           files={"file": ("r.pdf", altered, "application/pdf")}).json()
        assert body["outcome"] == "tampered", body
        assert body["signature_valid"] is False and body["hash_matches"] is False


def test_the_modified_copy_is_caught_even_without_the_code(client, world):
    headers, issued = _special(client, world)
    altered = one_byte_changed(pdf_of(client, headers, issued["id"]))
    body = client.post("/api/v1/reports/verify", files={"file": ("r.pdf", altered, "application/pdf")}).json()
    assert body["outcome"] == "tampered" and body["code"] == issued["code"]   # found by the code printed in it


def test_appending_after_the_signature_is_not_authentic(client, world):
    headers, issued = _special(client, world)
    pdf = pdf_of(client, headers, issued["id"]) + b"\n% appended\n"
    body = client.post("/api/v1/reports/verify", files={"file": ("r.pdf", pdf, "application/pdf")}).json()
    assert body["outcome"] != "authentic" and body["hash_matches"] is False


def test_unknown_code_is_not_found_and_a_stranger_file_is_not_a_report(client, world):
    r = client.get("/api/v1/reports/verify/AAAAAAAAAAAAAAAAAAAA")
    assert r.status_code == 404 and r.json()["outcome"] == "not_found"
    assert client.get("/api/v1/reports/verify/not-a-code").status_code == 404
    page = client.get("/verify/AAAAAAAAAAAAAAAAAAAA")
    assert page.status_code == 404 and "未找到" in page.text
    body = client.post("/api/v1/reports/verify", files={"file": ("x.pdf", b"%PDF-1.4 nothing", "application/pdf")}).json()
    assert body["outcome"] == "not_a_report"


def test_verification_reveals_no_content(client, world):
    headers, issued = _special(client, world)
    pdf = pdf_of(client, headers, issued["id"])
    answers = [client.get(f"/api/v1/reports/verify/{issued['code']}").text,
               client.post("/api/v1/reports/verify", files={"file": ("r.pdf", pdf, "application/pdf")}).text,
               client.get(f"/verify/{issued['code']}").text]
    for text in answers:
        for secret in ("泉市监罚", "泉州市闽南食品有限公司", world.enterprise_uscc, "市场监督管理局", "违法"):
            assert secret not in text, secret
        assert "泉州" in text   # the masked name keeps its first and last characters only


def test_every_issue_and_every_attempt_is_logged(client, world, session):
    headers, issued = _special(client, world)
    client.get(f"/api/v1/reports/verify/{issued['code']}")
    client.get("/api/v1/reports/verify/BBBBBBBBBBBBBBBBBBBB")
    client.post("/api/v1/reports/verify", files={"file": ("r.pdf", b"junk", "application/pdf")})
    session.expire_all()
    report = session.scalar(select(IssuedReport).where(IssuedReport.code == issued["code"]))
    assert report.kind == "special" and report.requester_user_id == world.users["firm"].id
    assert report.subject_id == world.enterprise_id and len(report.sha256) == 64 and report.content[:5] == b"%PDF-"
    attempts = session.scalars(select(ReportVerification).order_by(ReportVerification.id)).all()
    assert [(a.method, a.outcome) for a in attempts] == [("code", "authentic"), ("code", "not_found"),
                                                         ("file", "not_a_report")]
    assert attempts[0].report_id == report.id and attempts[0].client


def test_the_certificate_is_published_and_is_the_signer(client, world):
    headers, issued = _special(client, world)
    pem = client.get("/reports/certificate")
    assert pem.status_code == 200 and pem.text.startswith("-----BEGIN CERTIFICATE-----")
    assert client.get("/api/v1/reports/certificate").content == pem.content
    cert = x509.load_pem_x509_certificate(pem.content)
    reader = PdfReader(io.BytesIO(pdf_of(client, headers, issued["id"])))
    sig = reader.trailer["/Root"]["/AcroForm"]["/Fields"][0].get_object()["/V"]
    assert sig["/SubFilter"] == "/ETSI.CAdES.detached"     # PAdES
    assert cert.public_bytes(__import__("cryptography").hazmat.primitives.serialization.Encoding.DER) in bytes(sig["/Contents"])


def test_the_private_key_is_encrypted_and_mode_0600(client, world, signing_keys_in_tmp):
    _special(client, world)
    key = signing_keys_in_tmp / "reports" / signing.KEY_FILE
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert b"BEGIN ENCRYPTED PRIVATE KEY" in key.read_bytes()


def test_anonymous_verification_is_rate_limited(client, world, monkeypatch):
    from xinyong.config import reset_settings
    monkeypatch.setenv("XINYONG_RATE_ANON_PER_MINUTE", "3")
    reset_settings()
    answers = [client.get("/api/v1/reports/verify/AAAAAAAAAAAAAAAAAAAA").status_code for _ in range(5)]
    assert answers[:3] == [404, 404, 404] and answers[3:] == [429, 429]
    assert client.get("/verify").status_code == 429
