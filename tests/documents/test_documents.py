"""Documents reach their addressees only (QZ art. 36, issue 4 point 8): the PDF is Chinese
with an embedded CJK font; the addressee subject's accounts, the addressed organisation and
credit-department staff download it; everyone else gets 404; every download is audited."""
from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from tests.deadlines.support import login
from xinyong.documents import service
from xinyong.kit.pdf import Section
from xinyong.models import AuditEntry

TITLE = "信用修复决定书"


def issue(session, city, **addressee):
    doc = service.issue(session, kind="repair_result", procedure="repair", procedure_id=3, title=TITLE,
                        sections=[Section(heading="决定", paragraphs=["准予信用修复。"])],
                        citation="《泉州市社会信用条例》第三十六条", **addressee)
    session.commit()
    return doc


def fonts_embedded(reader: PdfReader) -> list[bool]:
    found = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            target = descendants[0].get_object() if descendants else font
            descriptor = target["/FontDescriptor"].get_object()
            found.append(any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")))
    return found


def test_the_subject_downloads_a_chinese_pdf_with_an_embedded_font(client, session, city):
    doc = issue(session, city, subject_id=city.subject_id)
    login(client, "firm")
    listing = client.get("/me/documents")
    assert TITLE in listing.text and f'href="/documents/{doc.id}"' in listing.text
    r = client.get(f"/documents/{doc.id}")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(r.content))
    # fpdf2 embeds the CID-keyed CFF font (Noto Sans CJK) with an embedded encoding CMap of
    # two-byte codes; pypdf 7 reads those codes one byte at a time and puts a NUL before each
    # character (poppler's pdftotext reads it cleanly), so NULs are dropped before comparing.
    text = "".join(p.extract_text() for p in reader.pages).replace("\x00", "")
    assert TITLE in text and "准予信用修复" in text and "第三十六条" in text
    assert fonts_embedded(reader) and all(fonts_embedded(reader))
    assert client.get(f"/api/v1/documents/{doc.id}").content == r.content
    assert [d["id"] for d in client.get("/api/v1/me/documents").json()] == [doc.id]
    session.expire_all()
    events = session.scalars(select(AuditEntry).where(AuditEntry.action == "document.downloaded")).all()
    assert [e.details["channel"] for e in events] == ["web", "api"]
    assert all(e.target_id == str(doc.id) and e.subject_id == city.subject_id for e in events)


@pytest.mark.parametrize("username, allowed", [
    ("firm", True), ("other", False), ("scjg", False), ("swj", False), ("staff", True), ("admin", True),
    ("auditor", False),
])
def test_who_may_download_a_subjects_document(client, session, city, username, allowed):
    doc = issue(session, city, subject_id=city.subject_id)
    login(client, username)
    assert client.get(f"/documents/{doc.id}").status_code == (200 if allowed else 404)
    assert client.get(f"/api/v1/documents/{doc.id}").status_code == (200 if allowed else 404)


def test_an_organisations_document(client, session, city):
    doc = issue(session, city, addressee_org_id=city.orgs["swj"].id)
    login(client, "swj")
    assert TITLE in client.get("/agency/documents").text
    assert client.get(f"/documents/{doc.id}").status_code == 200
    login(client, "scjg")
    assert TITLE not in client.get("/agency/documents").text
    assert client.get(f"/documents/{doc.id}").status_code == 404
    login(client, "firm")
    assert client.get(f"/documents/{doc.id}").status_code == 404


def test_a_document_to_one_account(client, session, city):
    doc = issue(session, city, addressee_user_id=city.users["rating"].id)
    login(client, "rating")
    assert client.get(f"/documents/{doc.id}").status_code == 200
    login(client, "swj")
    assert client.get(f"/documents/{doc.id}").status_code == 404


def test_anonymous_and_unknown(client, session, city):
    doc = issue(session, city, subject_id=city.subject_id)
    assert client.get(f"/api/v1/documents/{doc.id}").status_code == 401
    login(client, "staff")
    assert client.get("/documents/999999").status_code == 404


@pytest.mark.parametrize("procedure", ["objection", "repair", "complaint"])
def test_the_organisation_conducting_the_procedure_reads_its_documents(client, session, city, procedure):
    """The agency deciding an objection or a repair on its record reads the documents its case
    page links to (issue #13 point 4); another agency does not; a complaint's stay sealed."""
    import datetime as dt

    from xinyong.models import Record
    from xinyong.models.objection import Objection
    from xinyong.models.repair import RepairApplication
    record = session.scalars(select(Record).where(Record.subject_id == city.subject_id)).first()
    scjg = city.orgs["scjg"].id
    if procedure == "objection":
        case = Objection(subject_id=city.subject_id, record_id=record.id, source_agency_id=scjg, grounds=[],
                         reasons="记录有误", filed_on=dt.date(2026, 9, 28))
    else:
        case = RepairApplication(subject_id=city.subject_id, record_id=record.id, source_agency_id=scjg,
                                 status="received", channel="online", regime="QZ", eligibility_citation="QZ art. 35",
                                 received_on=dt.date(2026, 9, 28))
    session.add(case)
    session.flush()
    doc = service.issue(session, kind=f"{procedure}_result", procedure=procedure,
                        procedure_id=case.id, title=TITLE,
                        sections=[Section(heading="决定", paragraphs=["决定。"])], subject_id=city.subject_id)
    session.commit()
    login(client, "scjg")
    assert client.get(f"/documents/{doc.id}").status_code == (404 if procedure == "complaint" else 200)
    login(client, "swj")
    assert client.get(f"/documents/{doc.id}").status_code == 404
    login(client, "firm")
    assert client.get(f"/documents/{doc.id}").status_code == 200
