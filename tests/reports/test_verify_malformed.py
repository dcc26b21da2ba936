"""A malformed or foreign file at /api/v1/reports/verify and on the /verify page is answered
"not a platform report", never a 500 (issue #10 point 6)."""
from __future__ import annotations

import io
import random
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfWriter

from tests.deadlines.support import csrf
from xinyong.reports import signing

RNG = random.Random(10)


def _signed_blank() -> bytes:
    writer, buf = PdfWriter(), io.BytesIO()
    writer.add_blank_page(200, 200)
    writer.write(buf)
    return signing.sign(buf.getvalue())


def _malformed() -> dict[str, bytes]:
    pdf = _signed_blank()
    assert signing.check(pdf).valid  # the files below start from a real platform signature
    return {
        "random bytes": bytes(RNG.randrange(256) for _ in range(4000)),
        "pdf header then noise": b"%PDF-1.7\n" + bytes(RNG.randrange(256) for _ in range(4000)),
        "truncated": pdf[: len(pdf) // 2],
        "broken xref offset": re.sub(rb"startxref\s+\d+", b"startxref\n99999999", pdf),
        "startxref past any integer": re.sub(rb"startxref\s+\d+", b"startxref\n" + b"9" * 400, pdf),
        "no xref keyword": pdf.replace(b"xref", b"xraf"),
        "deeply nested": b"%PDF-1.7\n1 0 obj\n" + b"[" * 100_000 + b"\nendobj\ntrailer<</Root 1 0 R>>\n%%EOF",
    }


@pytest.fixture
def unthrottled(monkeypatch):
    from xinyong.config import reset_settings
    monkeypatch.setenv("XINYONG_RATE_ANON_PER_MINUTE", "0")
    reset_settings()


def _api(client, data: bytes):
    return client.post("/api/v1/reports/verify", files={"file": ("r.pdf", data, "application/pdf")})


def test_malformed_files_are_not_platform_reports_on_the_api_and_the_page(client, unthrottled):
    token = csrf(client, "/verify")
    for name, data in _malformed().items():
        r = _api(client, data)
        assert r.status_code == 200, (name, r.status_code, r.text[:300])
        assert r.json()["outcome"] == "not_a_report", name
        page = client.post("/verify", data={"csrf_token": token}, files={"file": ("r.pdf", data, "application/pdf")})
        assert page.status_code == 200 and "不是本平台" in page.text, name


def test_the_signature_check_reads_a_huge_startxref_as_unreadable():
    pdf = re.sub(rb"startxref\s+\d+", b"startxref\n" + b"9" * 400, _signed_blank())
    result = signing.check(pdf)
    assert not result.valid and result.problem.startswith("unreadable")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(st.binary(min_size=1, max_size=3000),
                      st.binary(max_size=2000).map(lambda b: b"%PDF-1.7\n" + b)))
def test_any_bytes_get_a_verdict_not_a_500(client, unthrottled, data):
    r = _api(client, data)
    assert r.status_code == 200, r.text[:300]
    assert r.json()["outcome"] == "not_a_report"
