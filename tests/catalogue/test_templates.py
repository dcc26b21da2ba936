"""Batch templates and example batches (issue 13 point 6): every ingestible item's template,
downloaded as CSV and as XLSX and sent back unchanged with one more filled row, and its example
batch, uploads with every row accepted — on SQLite and PostgreSQL; the description row (row 2)
says what each column takes and is skipped by the reader; the XLSX carries the code tables."""
from __future__ import annotations

import csv
import dataclasses
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tests.support.builders import agency, agency_user
from tests.support.web import bearer, page_login
from xinyong import clock
from xinyong.accounts.tokens import issue_token
from xinyong.catalogue import get_catalogue
from xinyong.catalogue.template_files import CODES_SHEET, DATA_SHEET
from xinyong.catalogue.templates import EXAMPLE_TAG, Sender, description, example_rows
from xinyong.ingest.readers import TEMPLATE_MARK
from xinyong.models import Batch, Record

# an agency sends public items; market items only an approved provider, under authorisations
# (their templates upload in tests/market/test_templates.py)
ITEMS = [i.code for i in get_catalogue().ingestible if i.source == "public"]
PW = "agency-pass-123"


def _filled(data: bytes, fmt: str, row: list[str]) -> bytes:
    """The downloaded template with one more row typed in below the example, as a person would."""
    if fmt == "csv":
        buf = io.StringIO()
        csv.writer(buf).writerow(row)
        return data + buf.getvalue().encode("utf-8")
    wb = load_workbook(io.BytesIO(data))
    wb[DATA_SHEET].append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _upload(client, auth, code: str, fmt: str, data: bytes) -> dict:
    r = client.post("/api/v1/batches/file", data={"item": code}, headers=auth,
                    files={"file": (f"{code}.{fmt}", data, "application/octet-stream")})
    assert r.status_code == 201, r.text
    return r.json()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("code", ITEMS)
def test_a_filled_template_and_the_example_batch_upload_cleanly(session, client, code, fmt):
    a = agency(session)
    agency_user(session, a.uscc)
    auth = bearer(issue_token(session, "agency1"))
    session.commit()
    item = get_catalogue().get(code)
    got = client.get(f"/api/v1/catalogue/{code}/template", params={"format": fmt}, headers=auth)
    assert got.status_code == 200 and f"{code}-template.{fmt}" in got.headers["content-disposition"]
    typed_in = example_rows(item, clock.today(), Sender(a.name, a.uscc), count=2)[1]
    body = _upload(client, auth, code, fmt, _filled(got.content, fmt, typed_in))
    assert (body["status"], body["total_rows"], body["accepted"], body["rejected"]) == ("completed", 2, 2, 0)
    assert body["notes"]["ignored_columns"] == [] and body["notes"]["refused_columns"] == []
    names = set(session.scalars(select(Record.decision_no).where(Record.batch_id == body["batch"])))
    no = [f.header_zh for f in item.fields].index(item.field_by_role("decision_no").header_zh)
    assert names == {typed_in[no], example_rows(item, clock.today())[0][no]}

    page_login(client, "agency1", PW)
    example = client.get(f"/batches/examples/{code}.{fmt}")
    assert example.status_code == 200 and f"{code}-example.{fmt}" in example.headers["content-disposition"]
    body = _upload(client, auth, code, fmt, example.content)
    assert (body["status"], body["total_rows"], body["accepted"], body["rejected"]) == ("completed", 3, 3, 0)
    batch = session.get(Batch, body["batch"])
    assert batch.source_uscc == a.uscc


def _csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.mark.parametrize("code", ITEMS)
def test_the_description_row_says_what_each_column_takes(code):
    from xinyong.catalogue.template_files import template_file
    item = get_catalogue().get(code)
    header, described, example = _csv_rows(template_file(item, "csv", clock.today()))
    assert header == [f.header_zh for f in item.fields]
    assert described[0].startswith(TEMPLATE_MARK)
    for f, cell in zip(item.fields, described):
        assert cell.removeprefix(TEMPLATE_MARK) == description(f)
        assert cell.removeprefix(TEMPLATE_MARK).startswith("必填" if f.required else "选填")
        assert all(c in cell for c in f.codes)
    for f, value in zip(item.fields, example):
        assert not f.required or value, f"{code}: example leaves mandatory {f.header_zh} empty"
        assert not f.codes or not value or all(v in f.codes for v in value.split("、"))
    assert EXAMPLE_TAG in example[0]


@pytest.mark.parametrize("code", ITEMS)
def test_the_xlsx_template_has_code_tables_and_drop_down_lists(code):
    from xinyong.catalogue.template_files import template_file
    item = get_catalogue().get(code)
    wb = load_workbook(io.BytesIO(template_file(item, "xlsx", clock.today())))
    assert wb.sheetnames == [DATA_SHEET, CODES_SHEET]   # the reader reads the first sheet only
    codes = wb[CODES_SHEET]
    coded = [f for f in item.fields if f.codes]
    tables = {codes.cell(row=1, column=n).value: [c.value for c in col[1:] if c.value is not None]
              for n, col in enumerate(codes.iter_cols(), start=1)}
    assert tables == {f.header_zh: list(f.codes) for f in coded}
    validated = {str(rng).split(":")[0].rstrip("0123456789") for dv in wb[DATA_SHEET].data_validations.dataValidation
                 for rng in dv.sqref.ranges}
    letters = {f.code: wb[DATA_SHEET].cell(row=1, column=n).column_letter for n, f in enumerate(item.fields, start=1)}
    assert validated == {letters[f.code] for f in coded if not f.multiple}


def test_templates_are_public_and_unknown_or_closed_items_are_404(client, monkeypatch):
    assert client.get("/catalogue/penalty/template.xlsx").status_code == 200
    page = client.get("/catalogue")
    assert 'href="/catalogue/penalty/template.csv"' in page.text
    assert client.get("/catalogue/honour/template.csv").status_code == 200        # ingestible since issue 15
    cat = get_catalogue()
    closed = dataclasses.replace(cat, items=[dataclasses.replace(i, ingestible=False) if i.code == "honour" else i
                                             for i in cat.items])
    monkeypatch.setattr("xinyong.catalogue.pages.get_catalogue", lambda: closed)
    assert client.get("/catalogue/honour/template.csv").status_code == 404        # an item not taking files
    assert client.get("/api/v1/catalogue/no_such/template").status_code == 404
    assert client.get("/api/v1/catalogue/penalty/template", params={"format": "pdf"}).status_code == 422


def test_the_upload_page_links_to_examples_and_templates(session, client):
    a = agency(session)
    agency_user(session, a.uscc)
    session.commit()
    page_login(client, "agency1", PW)
    text = client.get("/batches").text
    for code in ITEMS:
        assert f'href="/batches/examples/{code}.xlsx"' in text and f'href="/catalogue/{code}/template.csv"' in text
