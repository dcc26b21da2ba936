"""Every ingestible catalogue item (issue 15 point 1), derived from the catalogue itself: a valid
row built from the item's own field definitions is taken by file and by the JSON batch API, a bad
row beside it is returned for review, and the record shows — under the item's Chinese and English
name — on the credit profile (the public portal when the item is public and published, the staff
window always; natural persons masked in public) and in the credit report (public report for
public items, the subject's full report for every item). On SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
import html
import random

import pytest
from sqlalchemy import select

from tests.reports.conftest import report_data_dir, signing_keys_in_tmp  # noqa: F401  (the report signing key)
from tests.reports.support import text_of
from tests.support.builders import agency, agency_user, staff_user
from tests.support.web import bearer
from xinyong.accounts.tokens import issue_token
from xinyong.catalogue import CatalogueItem, FieldDef, get_catalogue
from xinyong.models import Record, Subject
from xinyong.reports import content as report_content
from xinyong.reports.service import policy
from xinyong.synthetic import make_resident_id, make_uscc, to_csv

TODAY = dt.date(2026, 9, 1)
DECIDED = TODAY - dt.timedelta(days=30)
# public credit information; market information (source: market) is taken only from an approved
# provider under the subject's authorisation, and has its own tests (tests/market)
ITEMS = [i.code for i in get_catalogue().ingestible if i.source == "public"]
PERSON = "王晓明"
PERSON_MASKED = "王**"


def _code(f: FieldDef, meaning: str) -> str:
    return next(code for code, m in f.meanings.items() if m == meaning)


def _value(f: FieldDef, n: int, agency_uscc: str, person: str | None, rng: random.Random) -> str:
    """A valid cell for one field, from its type, role and code table alone."""
    by_role = {
        "subject_name": lambda: person or f"泉州市目录测试{n}有限公司",
        "subject_kind": lambda: _code(f, "natural_person" if person else "legal_person"),
        "subject_uscc": lambda: "" if person else make_uscc(rng),
        "subject_id_type": lambda: _code(f, "resident_id") if person else "",
        "subject_id_number": lambda: make_resident_id(rng) if person else "",
        "subject_other_code": lambda: "",
        "legal_rep_name": lambda: "" if person else "张建国",
        "legal_rep_id_type": lambda: "", "legal_rep_id_number": lambda: "",
        "decision_no": lambda: f"目录测〔2026〕{n}号",
        "decision_date": DECIDED.isoformat,
        "valid_to": lambda: (DECIDED + dt.timedelta(days=365)).isoformat(),
        "source_agency_uscc": lambda: agency_uscc, "deciding_agency_uscc": lambda: agency_uscc,
        "explicit_severity": lambda: f.codes[0] if f.required else "",
        "fine_wan": lambda: "",
    }
    if f.role in by_role:
        return by_role[f.role]()
    if f.codes:
        return f.codes[0]
    if f.type == "date":
        return DECIDED.isoformat()
    if f.type == "decimal":
        return "1.5"
    if f.type == "uscc":
        return agency_uscc
    return f"{f.header_zh}（测试）"[: f.max_length or None]


def valid_row(item: CatalogueItem, n: int, agency_uscc: str, person: str | None = None) -> dict[str, str]:
    """A valid row about an organisation, or about `person` (always a person for an item of
    natural persons alone)."""
    person = person or (PERSON if persons_only(item) else None)
    rng = random.Random(f"{item.code}-{n}")
    row = {f.header_zh: _value(f, n, agency_uscc, person, rng) for f in item.fields}
    if person:   # a valid row about a person carries nothing that needs the person's consent (data.restricted)
        from xinyong.ingest.screening import restricted_values
        from xinyong.law import get_profile
        rule = get_profile("quanzhou").rule("data.restricted", DECIDED)
        for held in restricted_values(rule, item.code):
            row[item.field(held.field).header_zh] = ""
    return row


def persons_only(item: CatalogueItem) -> bool:
    """An item of natural persons alone (key occupational groups, QZ art. 30 para. 2)."""
    return set(item.field_by_role("subject_kind").meanings.values()) == {"natural_person"}


def takes_persons(item: CatalogueItem) -> bool:
    """A natural person can be the subject: the kind table has one and no USCC is demanded."""
    kind, uscc = item.field_by_role("subject_kind"), item.field_by_role("subject_uscc")
    return ("natural_person" in kind.meanings.values() and item.field_by_role("subject_id_number") is not None
            and not (uscc and uscc.required))


def _bad(row: dict[str, str], item: CatalogueItem) -> dict[str, str]:
    bad = dict(row)
    bad[item.field_by_role("decision_no").header_zh] += "-坏"
    bad[item.field_by_role("decision_date").header_zh] = "2026-13-45"
    return bad


def _returned(client, auth, body: dict, item: CatalogueItem) -> None:
    assert (body["status"], body["accepted"], body["rejected"]) == ("completed", 1, 1), body
    rej = client.get(f"/api/v1/batches/{body['batch']}/rejections", headers=auth).json()
    assert [(x["row_no"], x["field"], x["reason_code"]) for x in rej] == [
        (3, item.field_by_role("decision_date").header_zh, "bad_date")]


def _subject_of(session, batch: int) -> Subject:
    return session.get(Subject, session.scalar(select(Record.subject_id).where(Record.batch_id == batch)))


def _published(session, batch: int) -> bool:
    return bool(session.scalar(select(Record.publicity_published).where(Record.batch_id == batch)))


@pytest.mark.parametrize("code", ITEMS)
def test_every_item_is_taken_by_file_and_api_and_shows_on_profile_and_report(session, client, today, code):
    today(TODAY.isoformat())
    item = get_catalogue().get(code)
    a = agency(session)
    agency_user(session, a.uscc)
    staff_user(session)
    auth, staff = bearer(issue_token(session, "agency1")), bearer(issue_token(session, "staff1"))
    session.commit()
    headers = tuple(f.header_zh for f in item.fields)

    first_masked = persons_only(item)        # then the file's row is about a person too
    firm_row = valid_row(item, 1, a.uscc, PERSON if first_masked else None)
    sent = client.post("/api/v1/batches/file", data={"item": code}, headers=auth,
                       files={"file": (f"{code}.csv", to_csv([firm_row, _bad(firm_row, item)], headers), "text/csv")})
    assert sent.status_code == 201, sent.text
    _returned(client, auth, sent.json(), item)
    firm_batch = sent.json()["batch"]

    person = PERSON if takes_persons(item) else None
    api_row = valid_row(item, 2, a.uscc, person)
    sent = client.post("/api/v1/batches", json={"item": code, "rows": [api_row, _bad(api_row, item)]}, headers=auth)
    assert sent.status_code == 201, sent.text
    _returned(client, auth, sent.json(), item)
    api_batch = sent.json()["batch"]

    for batch, row, masked in ((firm_batch, firm_row, first_masked), (api_batch, api_row, bool(person))):
        subject = _subject_of(session, batch)
        number = row[item.field_by_role("decision_no").header_zh]
        public = item.disclosure == "public" and _published(session, batch)
        _portal(client, item, subject, number, public, masked)
        _staff(client, staff, item, subject, number)
        _report(session, item, subject, number, public)


def _portal(client, item, subject, number: str, public: bool, masked: bool) -> None:
    shown = client.get(f"/api/v1/subjects/{subject.id}")
    if not public:
        records = shown.json()["records"] if shown.status_code == 200 else []
        assert number not in [r["decision_no"] for r in records]     # never in public view
        return
    assert shown.status_code == 200, shown.text
    record = next(r for r in shown.json()["records"] if r["decision_no"] == number)
    assert (record["item_code"], record["item_name"], record["item_name_en"]) == (item.code, item.name_zh, item.name_en)
    page = client.get(f"/subjects/{subject.id}", params={"lang": "zh"}).text
    assert item.name_zh in page and number in page
    english = client.get(f"/subjects/{subject.id}", params={"lang": "en"}).text
    assert item.name_en in english
    shown_fields = [f for f in item.fields if f.role is None and not f.sensitive and record["fields"].get(f.code)]
    assert [f.header_en for f in shown_fields if html.escape(f.header_en) not in english
            and item.code not in ("penalty", "licence")] == []
    if masked:
        assert shown.json()["name"] == PERSON_MASKED and PERSON not in shown.text and PERSON not in page
        assert record["fields"][item.field_by_role("subject_name").code] == PERSON_MASKED


def _staff(client, staff, item, subject, number: str) -> None:
    read = client.get(f"/api/v1/subjects/{subject.id}/profile", headers=staff,
                      params={"items": item.code, "basis": "self", "reference": "窗口-2026-001"})
    assert read.status_code == 200, read.text
    record = next(r for r in read.json()["records"] if r["decision_no"] == number)
    assert (record["item_name"], record["item_name_en"]) == (item.name_zh, item.name_en)


def _cells(content) -> list[str]:
    return [c for s in content.sections if s.table for row in s.table for c in row]


def _report(session, item, subject, number: str, public: bool) -> None:
    """The report contents the signed PDF is made of (the PDF itself: the test below)."""
    pol = policy(TODAY)
    full = _cells(report_content.full(session, subject, pol))
    assert number in full and item.name_zh in full                   # the subject's own report: every item
    assert item.name_en in _cells(report_content.full(session, subject, pol, "en"))
    shown = _cells(report_content.public(session, subject, pol))
    assert (number in shown and item.name_zh in shown) == public     # the public report: public records only


def test_the_signed_public_report_names_every_public_item_and_masks_persons(session, client, today):
    today(TODAY.isoformat())
    a = agency(session)
    agency_user(session, a.uscc)
    auth = bearer(issue_token(session, "agency1"))
    session.commit()
    public = [i for i in get_catalogue().ingestible if i.disclosure == "public"]
    firm, person = {}, {}
    for item in public:
        rows = [valid_row(item, 1, a.uscc)] + ([valid_row(item, 2, a.uscc, PERSON)] if takes_persons(item) else [])
        firm_uscc = make_uscc(random.Random("firm"))
        rows[0][item.field_by_role("subject_name").header_zh] = "泉州市全目录测试有限公司"
        rows[0][item.field_by_role("subject_uscc").header_zh] = firm_uscc
        if len(rows) == 2:
            rows[1][item.field_by_role("subject_id_number").header_zh] = make_resident_id(random.Random("person"))
        sent = client.post("/api/v1/batches", json={"item": item.code, "rows": rows}, headers=auth)
        assert sent.status_code == 201 and sent.json()["accepted"] == len(rows), sent.text
        for record in session.scalars(select(Record).where(Record.batch_id == sent.json()["batch"])):
            if record.publicity_published:
                (firm if record.decision_no.endswith("〕1号") else person)[item.name_zh] = record.subject_id
    assert firm, "no public item published a record"
    (firm_id,), (person_id,) = set(firm.values()), set(person.values())
    text = text_of(client.post(f"/api/v1/reports/public/{firm_id}", params={"lang": "zh"}).content)
    assert [name for name in firm if name not in text] == []
    text = text_of(client.post(f"/api/v1/reports/public/{person_id}", params={"lang": "zh"}).content)
    assert PERSON not in text and PERSON_MASKED in text
    assert [name for name in person if name not in text] == []
