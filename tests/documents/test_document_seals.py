"""Issue #15 point 7: decision documents carry the platform's PAdES signature and, with
XINYONG_SEAL_ALGORITHMS=pades,sm2, an SM2/SM3 seal over the signed bytes; /verify (API and
page) tells a document issued here, as issued, from one changed after issue or never issued."""
from __future__ import annotations

import pytest

from tests.documents.test_documents import issue
from tests.reports.support import one_byte_changed
from xinyong.reports import signing, sm2seal


def _verify(client, pdf: bytes, seal: bytes | None = None):
    files = {"file": ("d.pdf", pdf, "application/pdf")}
    if seal is not None:
        files["sm2"] = ("d.sm2", seal, "application/octet-stream")
    return client.post("/api/v1/reports/verify", files=files).json()


def test_a_decision_document_is_signed_and_verifies_as_issued(client, session, city):
    doc = issue(session, city, subject_id=city.subject_id)
    check = signing.check(doc.content)
    assert check.valid and check.by_platform, check
    assert doc.sm2_signature is None            # the SM2 seal only when the setting asks for it
    body = _verify(client, doc.content)
    assert (body["outcome"], body["verdict"]) == ("document_authentic", "valid"), body
    assert body["number"] == doc.number and body["document_title"] == doc.title and body["sha256"] == doc.sha256
    assert body["kind"] is None and body["code"] is None and body["sm2_valid"] is None
    page = client.post("/verify", files={"file": ("d.pdf", doc.content, "application/pdf")},
                       data={"csrf_token": client.get("/verify").text.split('name="csrf_token" value="')[1].split('"')[0]})
    assert 'data-outcome="document_authentic"' in page.text and doc.number in page.text


def test_a_changed_document_is_told_changed_never_authentic(client, session, city):
    doc = issue(session, city, subject_id=city.subject_id)
    body = _verify(client, one_byte_changed(doc.content))
    assert body["verdict"] == "tampered" and body["outcome"] != "document_authentic", body


def test_with_sm2_on_a_document_carries_an_sm2_seal_that_verifies(client, session, city, monkeypatch):
    monkeypatch.setenv("XINYONG_SEAL_ALGORITHMS", "pades,sm2")
    doc = issue(session, city, subject_id=city.subject_id)
    assert doc.sm2_signature and sm2seal.check(doc.content, doc.sm2_signature)
    assert _verify(client, doc.content)["sm2_valid"] is True                    # the seal kept at issue
    assert _verify(client, doc.content, doc.sm2_signature)["sm2_valid"] is True
    wrong = sm2seal.seal(doc.content + b"x")
    assert _verify(client, doc.content, wrong)["sm2_valid"] is False


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_verify_page_names_a_document_in_both_languages(client, session, city, lang):
    doc = issue(session, city, subject_id=city.subject_id)
    client.cookies.set("lang", lang)
    page = client.get("/verify")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    shown = client.post("/verify", files={"file": ("d.pdf", doc.content, "application/pdf")}, data={"csrf_token": token})
    assert shown.status_code == 200
    assert ("文书编号" if lang == "zh" else "Document number") in shown.text


def test_the_addressee_downloads_the_documents_sm2_seal_and_no_one_else(client, session, city, monkeypatch):
    from tests.deadlines.support import login
    monkeypatch.setenv("XINYONG_SEAL_ALGORITHMS", "pades,sm2")
    doc = issue(session, city, subject_id=city.subject_id)
    assert client.get(f"/api/v1/documents/{doc.id}/sm2").status_code in (401, 404)
    login(client, "firm")
    seal = client.get(f"/api/v1/documents/{doc.id}/sm2")
    assert seal.status_code == 200 and seal.content == doc.sm2_signature
    assert sm2seal.check(client.get(f"/api/v1/documents/{doc.id}").content, seal.content)


def test_a_pdf_signed_inside_an_event_loop_is_signed():
    """pyHanko signs through its own asyncio.run, which cannot run inside an event loop. No
    route signs there any more (an async route's database work, documents included, runs in
    the thread pool: tests/conftest.py fails any statement on a loop), but a caller inside
    a loop still gets a signed PDF: ``signing.sign`` then signs on a thread of its own."""
    import asyncio
    import io

    from pypdf import PdfWriter
    writer, buf = PdfWriter(), io.BytesIO()
    writer.add_blank_page(200, 200)
    writer.write(buf)

    async def in_a_loop():
        return signing.sign(buf.getvalue())
    assert signing.check(asyncio.run(in_a_loop())).valid


def test_with_sm2_on_a_document_carries_a_sealed_signature_for_its_addressee(client, session, city, monkeypatch):
    """GB/T 38540: the document's SES_Signature under the platform's seal, for the readers of the
    PDF only; /verify takes it in place of the .sm2."""
    from tests.deadlines.support import login
    from xinyong.kit import ses
    monkeypatch.setenv("XINYONG_SEAL_ALGORITHMS", "pades,sm2")
    doc = issue(session, city, subject_id=city.subject_id)
    assert ses.verify(doc.ses_signature, doc.content).property_info == doc.filename
    assert client.get(f"/api/v1/documents/{doc.id}/ses").status_code == 401
    login(client, "firm")
    got = client.get(f"/api/v1/documents/{doc.id}/ses")
    assert got.status_code == 200 and got.content == doc.ses_signature
    assert got.headers["content-disposition"].endswith('.ses"')
    client.cookies.clear()                               # /verify as the public uses it
    assert _verify(client, doc.content, got.content)["sm2_valid"] is True
    assert _verify(client, one_byte_changed(doc.content), got.content)["sm2_valid"] is False
