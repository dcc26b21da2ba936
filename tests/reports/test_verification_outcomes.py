"""Issue #13 point 8: a verification tells apart a valid report, one altered after issue, and a
file this platform never issued. A foreign PDF — unsigned, signed by someone else, or showing
(or given with) the code of a real report — is told it was not issued here, never that its hash
changed; only a file carrying the platform's signature can be "altered"."""
from __future__ import annotations

import io

from fpdf import FPDF
from hypothesis import given
from hypothesis import strategies as st

from tests.reports.support import my_report, one_byte_changed, pdf_of
from tests.support.web import CSRF
from xinyong.reports import rules, signing


def _special(client, world):
    headers = world.token("firm")
    r = my_report(client, headers, "special", field="all", date_from="2022-01-01", date_to="2026-08-31")
    assert r.status_code == 201, r.text
    return headers, r.json()


def foreign_pdf(text: str = "Credit report") -> bytes:
    """A PDF this platform did not make (fpdf, no signature), showing `text`."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(0, 10, text)
    out = io.BytesIO()
    pdf.output(out)
    return out.getvalue()


def _verify(client, data: bytes, code: str = "") -> dict:
    r = client.post("/api/v1/reports/verify", data={"code": code} if code else {},
                    files={"file": ("r.pdf", data, "application/pdf")})
    assert r.status_code == 200, r.text
    return r.json()


def test_the_three_verdicts(client, world):
    headers, issued = _special(client, world)
    pdf = pdf_of(client, headers, issued["id"])
    assert _verify(client, pdf)["verdict"] == "valid"
    altered = _verify(client, one_byte_changed(pdf))
    assert (altered["outcome"], altered["verdict"]) == ("tampered", "tampered")
    assert altered["code"] == issued["code"] and altered["hash_matches"] is False
    foreign = _verify(client, foreign_pdf())
    assert (foreign["outcome"], foreign["verdict"]) == ("not_a_report", "foreign")
    assert client.get("/api/v1/reports/verify/AAAAAAAAAAAAAAAAAAAA").json()["verdict"] == "foreign"
    assert len({altered["message"], foreign["message"], _verify(client, pdf)["message"]}) == 3


def test_a_foreign_pdf_with_a_real_code_is_not_issued_here_not_altered(client, world):
    _headers, issued = _special(client, world)
    for body in (_verify(client, foreign_pdf(f"XYRPT-{issued['code']}")),     # shows the code of a real report
                 _verify(client, foreign_pdf(), code=issued["code"])):       # or is given with it
        assert (body["outcome"], body["verdict"]) == ("not_a_report", "foreign"), body
        assert body["hash_matches"] is None and "哈希" not in body["message"] and "改动" not in body["message"]
        assert body["code"] is None and body["number"] is None and body["kind"] is None   # nothing told of that report


def test_a_pdf_signed_by_someone_else_is_not_issued_here(client, world, tmp_path, monkeypatch):
    _headers, issued = _special(client, world)
    with monkeypatch.context() as other:
        other.setenv("XINYONG_DATA_DIR", str(tmp_path / "another-platform"))
        stranger = signing.sign(foreign_pdf(f"XYRPT-{issued['code']}"))
        assert signing.check(stranger).intact
    check = signing.check(stranger)
    assert not check.by_platform and not check.valid
    body = _verify(client, stranger)
    assert (body["outcome"], body["verdict"]) == ("not_a_report", "foreign")


def test_appending_to_a_platform_report_is_altered(client, world):
    headers, issued = _special(client, world)
    pdf = pdf_of(client, headers, issued["id"])
    assert signing.check(pdf).by_platform and signing.check(pdf + b"\n% more\n").by_platform
    body = _verify(client, pdf + b"\n% more\n")
    assert (body["outcome"], body["verdict"]) == ("tampered", "tampered")


def test_the_page_says_which_verdict_in_words_and_colour_class(client, world):
    headers, issued = _special(client, world)
    pdf = pdf_of(client, headers, issued["id"])
    pages, token = {}, CSRF.search(client.get("/verify").text).group(1)
    for name, data in (("valid", pdf), ("tampered", one_byte_changed(pdf)), ("foreign", foreign_pdf())):
        page = client.post("/verify", data={"csrf_token": token},
                           files={"file": ("r.pdf", data, "application/pdf")}).text
        assert f'class="card verdict verdict-{name}"' in page and f'data-verdict="{name}"' in page
        pages[name] = page
    assert "真实有效" in pages["valid"] and "已被改动" in pages["tampered"] and "非本平台签发" in pages["foreign"]
    assert "反映的是出具日的信用信息" in pages["valid"]   # valid as issued, not a statement about today
    assert "已被改动" not in pages["foreign"] and "与签发时不一致" not in pages["foreign"]


@given(issued_as_is=st.booleans(), platform_signed=st.booleans(), signature_valid=st.booleans())
def test_file_outcome_rules(issued_as_is, platform_signed, signature_valid):
    outcome = rules.file_outcome(issued_as_is, platform_signed, signature_valid)
    verdict = rules.VERDICTS[outcome]
    assert (verdict == "valid") == (issued_as_is and signature_valid)
    if not issued_as_is and not platform_signed:
        assert outcome == "not_a_report" and verdict == "foreign"   # never "altered" without our signature
    if verdict == "tampered" and not issued_as_is:
        assert platform_signed and not signature_valid
    assert set(rules.VERDICTS) == set(rules.OUTCOME_TEXT)
