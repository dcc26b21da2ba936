"""GB/T 38540-2020 electronic seals (SESeal) and sealed signatures (SES_Signature, version 4):
with XINYONG_SEAL_ALGORITHMS=pades,sm2 a report and a decision document carry one beside the
detached .sm2, under the platform's seal (its picture, name, validity and certificate); /verify
takes it in place of the .sm2; OpenSSL parses the structures and checks both signatures over
the parts the standard signs; any change to the data or to the structure fails the check."""
from __future__ import annotations

import datetime as dt
import io
import re
import subprocess

import pytest
from asn1crypto import pem
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.reports.support import one_byte_changed, pdf_of
from tests.reports.test_sm2_seal import _issue, _post
from xinyong.kit import ses, sm2
from xinyong.models.report import IssuedReport
from xinyong.reports import eseal, signing, sm2seal

DISTID = "distid:1234567812345678"
NOW = dt.datetime(2026, 12, 6, 9, 30, tzinfo=dt.timezone.utc)


@pytest.fixture
def sm2_on(monkeypatch):
    monkeypatch.setenv("XINYONG_SEAL_ALGORITHMS", "pades,sm2")


def _party(common_name: str = "t"):
    key = sm2.generate()
    cert_pem = sm2.certificate(key.public, lambda b: sm2.sign(key, b), {"country_name": "CN", "common_name": common_name},
                               NOW - dt.timedelta(days=1), NOW + dt.timedelta(days=3650))
    return key, pem.unarmor(cert_pem)[2]


MAKER, SIGNER = _party("maker"), _party("signer")


def _spec(name: str = "测试电子印章", start=NOW - dt.timedelta(days=1), end=NOW + dt.timedelta(days=365)):
    return ses.SealSpec(es_id="XY-TEST", name=name, vendor="xinyong", valid_start=start, valid_end=end,
                        picture_png=b"\x89PNG\r\n\x1a\n", width_mm=42, height_mm=42)


def _seal(spec=None, signers=None):
    (maker_key, maker_cert), (_key, signer_cert) = MAKER, SIGNER
    return ses.make_seal(spec or _spec(), signers or [signer_cert], maker_cert, lambda b: sm2.sign(maker_key, b), NOW)


def _signed(data: bytes, seal: bytes | None = None, when=NOW) -> bytes:
    key, cert = SIGNER
    return ses.sign(seal or _seal(), data, "report.pdf", cert, lambda b: sm2.sign(key, b), when)


def _openssl(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True)


def test_a_sealed_signature_verifies_and_says_what_it_is():
    checked = ses.verify(_signed(b"the report"), b"the report")
    assert checked.signer_key == SIGNER[0].public and checked.maker_key == MAKER[0].public
    assert (checked.seal_name, checked.es_id, checked.signed_at, checked.property_info) == (
        "测试电子印章", "XY-TEST", NOW, "report.pdf")


def test_each_step_of_the_check_fails_on_its_own_fault():
    with pytest.raises(ses.SesError, match="hash differs"):
        ses.verify(_signed(b"the report"), b"the report.")
    with pytest.raises(ses.SesError, match="not one of the seal's"):      # the seal lists another signer
        ses.sign(_seal(signers=[MAKER[1]]), b"x", "r.pdf", SIGNER[1], lambda b: sm2.sign(SIGNER[0], b), NOW)
    with pytest.raises(ses.SesError, match="outside the seal's validity"):
        ses.verify(_signed(b"x", when=NOW + dt.timedelta(days=400)), b"x")
    # a seal whose maker's signature is another key's: the signer's own signature still verifies
    forged = ses.make_seal(_spec(), [SIGNER[1]], MAKER[1], lambda b: sm2.sign(SIGNER[0], b), NOW)
    with pytest.raises(ses.SesError, match="seal maker's signature"):
        ses.verify(_signed(b"x", seal=forged), b"x")
    # the signature over TBS_Sign by a key other than the certificate's
    key, cert = SIGNER
    parsed = ses.load_signature(_signed(b"x"))
    other = ses.SesSignature({"to_sign": parsed["to_sign"], "cert": cert, "signature_alg_id": sm2.SM2_WITH_SM3_OID,
                              "signature": sm2.sign(MAKER[0], parsed["to_sign"].dump())}).dump()
    with pytest.raises(ses.SesError, match="signed part does not verify"):
        ses.verify(other, b"x")
    for junk in (b"", b"\x30\x00", sm2.sign(key, b"x"), b"\x30" * 300):
        with pytest.raises(ses.SesError):
            ses.verify(junk, b"x")
        assert not ses.is_signature(junk)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=200), position=st.integers(min_value=0), bit=st.integers(min_value=0, max_value=7))
def test_any_changed_bit_of_a_sealed_signature_fails_it(data, position, bit):
    signed = bytearray(_signed(data))
    signed[position % len(signed)] ^= 1 << bit
    with pytest.raises(ses.SesError):
        ses.verify(bytes(signed), data)


@settings(max_examples=15, deadline=None)
@given(name=st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=30),
       info=st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40),
       data=st.binary(max_size=500))
def test_any_name_and_property_round_trip(name, info, data):
    key, cert = SIGNER
    signed = ses.sign(_seal(_spec(name=name)), data, info, cert, lambda b: sm2.sign(key, b), NOW)
    checked = ses.verify(signed, data)
    assert (checked.seal_name, checked.property_info) == (name, info)


def test_openssl_parses_the_structure_and_checks_both_signatures(tmp_path):
    signed = _signed(b"the report")
    parsed = ses.load_signature(signed)
    seal = parsed["to_sign"]["eseal"]
    files = {"sig.ses": signed, "tbs.der": parsed["to_sign"].dump(), "tbs.sig": bytes(parsed["signature"]),
             "seal.der": ses._seal_signed_part(seal["eseal_info"], seal["cert"], seal["sign_alg_id"]),
             "seal.sig": bytes(seal["signed_value"]),
             "signer.pem": pem.armor("CERTIFICATE", SIGNER[1]), "maker.pem": pem.armor("CERTIFICATE", MAKER[1])}
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    shown = _openssl("asn1parse", "-inform", "DER", "-in", "sig.ses", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert ":ES" in shown.stdout and ":测试电子印章" in shown.stdout and shown.stdout.count("SM2-with-SM3") == 2
    assert "GENERALIZEDTIME   :20261206093000Z" in shown.stdout and ":report.pdf" in shown.stdout
    for part, cert in (("tbs", "signer.pem"), ("seal", "maker.pem")):
        done = _openssl("pkeyutl", "-verify", "-certin", "-inkey", cert, "-rawin", "-digest", "sm3", "-pkeyopt", DISTID,
                        "-in", f"{part}.der", "-sigfile", f"{part}.sig", cwd=tmp_path)
        assert done.returncode == 0 and "Verified Successfully" in done.stdout, (part, done)
    # the data's hash is OpenSSL's SM3 of the data
    (tmp_path / "data").write_bytes(b"the report")
    digest = _openssl("dgst", "-sm3", "-binary", "-out", "data.sm3", "data", cwd=tmp_path)
    assert digest.returncode == 0 and (tmp_path / "data.sm3").read_bytes() == bytes(parsed["to_sign"]["data_hash"])


def test_a_report_carries_a_sealed_signature_under_the_platform_seal(client, world, session, sm2_on):
    from PIL import Image
    headers, issued = _issue(client, world)
    pdf = pdf_of(client, headers, issued["id"])
    report = session.scalar(select(IssuedReport).where(IssuedReport.code == issued["code"]))
    checked = ses.verify(report.ses_signature, pdf)
    assert checked.signer_key == sm2seal.public_key() and checked.property_info == report.filename
    assert checked.seal_name.endswith("公共信用信息平台电子印章") and checked.es_id.startswith("XY-")
    # the seal lists the certificate the platform publishes, and its picture is a 42 mm PNG
    cert = pem.unarmor(client.get("/reports/certificate-sm2/x509").content)[2]
    seal = ses.load_signature(report.ses_signature)["to_sign"]["eseal"]["eseal_info"]
    assert seal["property"]["cert_list"].native == [cert]
    picture = Image.open(io.BytesIO(seal["picture"]["data"].native))
    assert seal["picture"]["type"].native == "PNG" and picture.size == (42 * 12, 42 * 12)
    assert (seal["picture"]["width"].native, seal["picture"]["height"].native) == (42, 42)
    # downloadable from the report's verification, and /verify takes it in place of the .sm2
    by_code = client.get(f"/api/v1/reports/verify/{issued['code']}").json()
    assert by_code["ses_signature_url"] == f"/api/v1/reports/verify/{issued['code']}/ses"
    got = client.get(by_code["ses_signature_url"])
    assert got.status_code == 200 and got.content == report.ses_signature
    assert re.search(r'filename="credit-report-special-.*\.ses"', got.headers["content-disposition"])
    given = _post(client, pdf, got.content)
    assert given["sm2_valid"] is True and (given["seal_name"], given["seal_id"]) == (checked.seal_name, checked.es_id)
    assert given["sealed_at"].startswith(checked.signed_at.strftime("%Y-%m-%dT%H:%M:%S"))
    assert by_code["seal_name"] == checked.seal_name                  # the sealed signature kept at issue
    assert _post(client, pdf, report.sm2_signature)["seal_name"] == checked.seal_name   # .sm2 given: the kept one
    changed = _post(client, one_byte_changed(pdf), got.content)
    assert changed["sm2_valid"] is False and changed["seal_name"] is None
    stranger = _signed(pdf)                                   # a valid sealed signature by another key
    assert _post(client, pdf, stranger)["sm2_valid"] is False


def test_the_verify_page_offers_the_sealed_signature_in_both_languages(client, world, sm2_on):
    _headers, issued = _issue(client, world)
    page = client.get(f"/verify/{issued['code']}")
    assert f'href="/api/v1/reports/verify/{issued["code"]}/ses"' in page.text
    assert "电子签章数据（GB/T 38540）" in page.text and "下载电子签章数据文件（含电子印章）" in page.text
    shown = re.search(r'id="seal-result">([^<]*)<', page.text).group(1)
    assert "公共信用信息平台电子印章（XY-" in shown and re.search(r"签章时间 20\d\d-\d\d-\d\d \d\d:\d\d:\d\d", shown)
    en = client.get(f"/verify/{issued['code']}?lang=en")
    assert "Sealed signature (GB/T 38540)" in en.text and "Download the .ses sealed signature" in en.text
    assert "Electronic seal" in en.text and "sealed at 20" in en.text


def test_without_the_setting_nothing_is_sealed_this_way(client, world, session):
    _headers, issued = _issue(client, world)
    report = session.scalar(select(IssuedReport).where(IssuedReport.code == issued["code"]))
    assert report.ses_signature is None
    assert client.get(f"/api/v1/reports/verify/{issued['code']}").json()["ses_signature_url"] is None
    assert client.get(f"/api/v1/reports/verify/{issued['code']}/ses").status_code == 404


def test_the_seal_is_made_once_and_again_for_a_new_name(sm2_on, monkeypatch):
    first = eseal.seal()
    assert eseal.seal() == first
    monkeypatch.setattr(eseal, "_names", lambda: ("另一平台", "另一平台电子印章"))
    other = eseal.seal()
    assert other != first and ses.load_seal(other)["eseal_info"]["property"]["name"].native == "另一平台电子印章"


def test_a_seal_file_must_list_the_seal_key_certificate(sm2_on, monkeypatch, tmp_path):
    foreign = tmp_path / "foreign.der"
    foreign.write_bytes(_seal())
    monkeypatch.setenv("XINYONG_SM2_ESEAL", str(foreign))
    with pytest.raises(signing.SigningKeyError, match="does not list"):
        eseal.seal()
    (tmp_path / "junk.der").write_bytes(b"\x30\x03junk")
    monkeypatch.setenv("XINYONG_SM2_ESEAL", str(tmp_path / "junk.der"))
    with pytest.raises(signing.SigningKeyError):
        eseal.seal()
    # a seal issued for the platform's certificate by an outside seal maker is used as given
    cert = pem.unarmor(sm2seal.certificate_pem())[2]
    issued = ses.make_seal(_spec(name="外部制章"), [cert], MAKER[1], lambda b: sm2.sign(MAKER[0], b), NOW)
    (tmp_path / "issued.der").write_bytes(issued)
    monkeypatch.setenv("XINYONG_SM2_ESEAL", str(tmp_path / "issued.der"))
    assert eseal.seal() == issued
    signed = eseal.sealed(b"data", "d.pdf")
    assert eseal.check(b"data", signed) and ses.verify(signed, b"data").maker_key == MAKER[0].public


def test_the_platform_seal_and_its_picture_are_public_and_shown_while_the_seal_is_on(client, monkeypatch):
    """Public like the seal key and its certificate; /verify shows it while the SM2 seal is on; a
    signing service without a seal file has none (404)."""
    from PIL import Image
    assert client.get("/reports/eseal").status_code == 200
    assert 'id="eseal-picture"' not in client.get("/verify").text
    monkeypatch.setenv("XINYONG_SEAL_ALGORITHMS", "pades,sm2")
    der = client.get("/reports/eseal")
    assert der.status_code == 200 and client.get("/api/v1/reports/eseal").content == der.content
    seal = ses.load_seal(der.content)
    assert seal["eseal_info"]["property"]["cert_list"].native == [pem.unarmor(sm2seal.certificate_pem())[2]]
    png = client.get("/reports/eseal.png")
    assert png.headers["content-type"] == "image/png" and png.content == seal["eseal_info"]["picture"]["data"].native
    assert Image.open(io.BytesIO(png.content)).size == (504, 504)
    page = client.get("/verify")
    assert 'id="eseal-picture" src="/reports/eseal.png"' in page.text and 'href="/reports/eseal"' in page.text
    assert "平台电子印章（GB/T 38540" in page.text
    assert "electronic seal (GB/T 38540, the seal inside each .ses)" in client.get("/verify?lang=en").text
    monkeypatch.setenv("XINYONG_SM2_SIGNER", "no.such:service")      # another signer, no seal file given
    assert client.get("/api/v1/reports/eseal").json()["error"]["code"] == "no_eseal"
    for path in ("/reports/eseal", "/api/v1/reports/eseal", "/reports/eseal.png"):
        assert client.get(path).status_code == 404


def test_a_crafted_sealed_signature_by_another_key_is_refused_before_its_lists_are_read():
    """/verify is public: a .ses with a seal listing a quarter of a million certificates, signed by
    its author's own key, is refused on the signer's key before the list is parsed."""
    import time
    key, cert = MAKER
    crafted = ses.make_seal(_spec(), [b""] * 250_000 + [cert], cert, lambda b: sm2.sign(key, b), NOW)
    signed = ses.sign(crafted, b"x", "r.pdf", cert, lambda b: sm2.sign(key, b), NOW)
    assert len(signed) > 500_000 and ses.is_signature(signed)
    started = time.perf_counter()
    with pytest.raises(ses.SesError, match="signed by another key"):
        ses.verify(signed, b"x", signer_key=SIGNER[0].public)
    assert time.perf_counter() - started < 0.2
    assert ses.verify(signed, b"x").signer_key == key.public      # the same structure, read whole, is sound
