"""Tables that would hold a request for minutes are refused quickly, before they are parsed
whole, with a clear 422 and nothing kept but the refusal (issue #10 point 6): XLSX unpacked
size and ratio, cell count and cell length; CSV headers and JSON batches with too many columns.
"""
from __future__ import annotations

import io
import re
import time
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.support.builders import agency, agency_user, penalty_rows, to_csv
from xinyong.accounts.tokens import issue_token
from xinyong.config import reset_settings
from xinyong.ingest.readers import IngestFileError, TableLimits, read_table
from xinyong.models import Record
from xinyong.synthetic import PENALTY_HEADERS, to_xlsx

SHEET = "xl/worksheets/sheet1.xml"
ROW = b'<row><c t="inlineStr"><is><t>AAAAAAAA</t></is></c></row>'
MiB = 1024 * 1024
LIMITS = TableLimits(max_columns=500, xlsx_max_uncompressed_bytes=128 * MiB, xlsx_max_ratio=200,
                     xlsx_max_cells=3_000_000, xlsx_max_cell_chars=32_767)


def _rewritten(xlsx: bytes, sheet_rows: int = 0, extra: dict[str, bytes] | None = None) -> bytes:
    """The workbook with ``sheet_rows`` identical rows streamed into its sheet (compresses
    ~150:1, as the 21 MB file with 371 MB of sheet XML did) and ``extra`` members."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename != SHEET or not sheet_rows:
                dst.writestr(info.filename, data)
                continue
            at = data.index(b"</sheetData>")
            with dst.open(SHEET, "w", force_zip64=True) as f:
                f.write(re.sub(rb'<dimension ref="[^"]*"/>', b"", data[:at]))
                block = ROW * 10_000
                for _ in range(sheet_rows // 10_000):
                    f.write(block)
                f.write(data[at:])
        for name, data in (extra or {}).items():
            dst.writestr(name, data)
    return out.getvalue()


def _limits(**kw) -> TableLimits:
    return TableLimits(**{**LIMITS.__dict__, **kw})


def _refused(data: bytes, name: str, limits: TableLimits) -> IngestFileError:
    with pytest.raises(IngestFileError) as err:
        read_table(data, name, limits)
    return err.value


@pytest.fixture
def sender(session):
    a = agency(session)
    token = issue_token(session, agency_user(session, a.uscc).username)
    session.commit()
    return a, {"Authorization": f"Bearer {token}"}


def _upload(client, auth, data: bytes, name: str):
    started = time.monotonic()
    r = client.post("/api/v1/batches/file", data={"item": "penalty"}, headers=auth,
                    files={"file": (name, data, "application/octet-stream")})
    return r, time.monotonic() - started


# ------------------------------------------------------------------ XLSX
def test_a_highly_compressed_sheet_over_the_low_limit_is_refused_over_http(client, session, sender, monkeypatch):
    a, auth = sender
    bomb = _rewritten(to_xlsx(penalty_rows(2, a.uscc)), sheet_rows=60_000)  # ~3.3 MiB of sheet XML
    assert len(bomb) < 100_000
    monkeypatch.setenv("XINYONG_XLSX_MAX_UNCOMPRESSED_BYTES", str(MiB))
    reset_settings()
    r, seconds = _upload(client, auth, bomb, "bomb.xlsx")
    assert r.status_code == 422 and r.json()["error_code"] == "xlsx_too_large", r.text
    assert seconds < 5
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Record)) == 0
    # the same file is a readable table under a higher limit: the limit is what refused it
    assert read_table(bomb, "bomb.xlsx", _limits(xlsx_max_uncompressed_bytes=8 * MiB)).height == 60_002


def test_a_sheet_over_the_default_unpacked_limit_is_refused_within_seconds(client, sender):
    a, auth = sender
    bomb = _rewritten(to_xlsx(penalty_rows(1, a.uscc)), sheet_rows=2_500_000)  # ~130 MiB unpacked
    r, seconds = _upload(client, auth, bomb, "bomb.xlsx")
    assert r.status_code == 422 and r.json()["error_code"] == "xlsx_too_large", r.text
    assert seconds < 5


def test_a_member_packed_past_the_ratio_is_refused():
    bomb = _rewritten(to_xlsx(penalty_rows(1, "91350500MA2XXXXX0X")), extra={"xl/media/pad.bin": b"\0" * 4 * MiB})
    err = _refused(bomb, "r.xlsx", LIMITS)
    assert err.code == "xlsx_too_large" and err.details["member"] == "xl/media/pad.bin"
    assert read_table(bomb, "r.xlsx", _limits(xlsx_max_ratio=100_000)).height == 1


def test_cells_are_counted_as_they_stream():
    rows = penalty_rows(40, "91350500MA2XXXXX0X")
    width = len(PENALTY_HEADERS)
    assert read_table(to_xlsx(rows), "r.xlsx", _limits(xlsx_max_cells=40 * width)).height == 40
    err = _refused(to_xlsx(rows), "r.xlsx", _limits(xlsx_max_cells=40 * width - 1))
    assert err.code == "xlsx_too_many_cells"


def test_a_tiny_sheet_declaring_the_last_row_is_refused_under_the_default_limits():
    xlsx = to_xlsx(penalty_rows(1, "91350500MA2XXXXX0X"))
    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        sheet = z.read(SHEET)
    sheet = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', sheet)
    far = sheet.replace(b"</sheetData>", b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c>'
                                         b"</row></sheetData>")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, far if info.filename == SHEET else src.read(info.filename))
    started = time.monotonic()
    assert _refused(out.getvalue(), "r.xlsx", LIMITS).code == "xlsx_too_many_cells"
    assert time.monotonic() - started < 5


def test_a_long_cell_is_refused():
    rows = penalty_rows(2, "91350500MA2XXXXX0X")
    rows[1]["违法事实"] = "违" * 600
    assert read_table(to_xlsx(rows), "r.xlsx", _limits(xlsx_max_cell_chars=600)).height == 2
    err = _refused(to_xlsx(rows), "r.xlsx", _limits(xlsx_max_cell_chars=599))
    assert err.code == "cell_too_long" and err.details == {"chars": 600, "limit": 599}


# ------------------------------------------------------------------ columns: CSV, XLSX, JSON
@given(st.integers(1, 60), st.integers(1, 60))
def test_a_csv_is_refused_exactly_when_it_has_more_columns_than_allowed(columns, limit):
    data = (",".join(f"c{i}" for i in range(columns)) + "\n" + ",".join("v" for _ in range(columns)) + "\n").encode()
    if columns > limit:
        assert _refused(data, "t.csv", _limits(max_columns=limit)).code == "too_many_columns"
    else:
        assert read_table(data, "t.csv", _limits(max_columns=limit)).width == columns + 1


def test_a_csv_with_100000_columns_is_refused_quickly_over_http(client, sender):
    _, auth = sender
    data = (",".join(f"列{i}" for i in range(100_000)) + "\n" + "1," * 99_999 + "1\n").encode()
    r, seconds = _upload(client, auth, data, "wide.csv")
    assert r.status_code == 422 and r.json()["error_code"] == "too_many_columns", r.text
    assert seconds < 5


def test_an_unclosed_quote_in_the_header_is_refused_without_reading_the_file_line_by_line():
    data = b'"' + b"a,b\n" * 400_000
    started = time.monotonic()
    assert _refused(data, "q.csv", LIMITS).code == "header_too_long"
    assert time.monotonic() - started < 2


def test_an_xlsx_header_wider_than_allowed_is_refused():
    rows = penalty_rows(1, "91350500MA2XXXXX0X")
    assert _refused(to_xlsx(rows), "r.xlsx", _limits(max_columns=len(PENALTY_HEADERS) - 1)).code == "too_many_columns"


def test_a_json_batch_with_40000_keys_is_refused_quickly(client, session, sender):
    a, auth = sender
    row = penalty_rows(1, a.uscc)[0] | {f"k{i}": "v" for i in range(40_000)}
    started = time.monotonic()
    r = client.post("/api/v1/batches", json={"item": "penalty", "rows": [row]}, headers=auth)
    assert r.status_code == 422 and r.json()["error_code"] == "too_many_columns", r.text
    assert time.monotonic() - started < 5
    spread = [{"行政相对人名称": "甲", f"k{i}": "v"} for i in range(600)]  # few keys a row, many in all
    r = client.post("/api/v1/batches", json={"item": "penalty", "rows": spread}, headers=auth)
    assert r.status_code == 422 and r.json()["error_code"] == "too_many_columns", r.text
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Record)) == 0
    ok = client.post("/api/v1/batches", json={"item": "penalty", "rows": penalty_rows(2, a.uscc)}, headers=auth)
    assert ok.status_code == 201, ok.text
