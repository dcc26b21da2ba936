"""Reading uploaded feeds: every encoding variant gives the same frame of strings."""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import polars as pl
import pytest
from openpyxl import Workbook

from tests.fixtures import make_samples
from xinyong.ingest.readers import IngestFileError, read_table

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SAMPLES = ["penalty_utf8.csv", "penalty_utf8_bom.csv", "penalty_gbk.csv", "penalty.xlsx"]


def read(name: str) -> pl.DataFrame:
    return read_table((FIXTURES / name).read_bytes(), name)


def xlsx(rows: list[list]) -> bytes:
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_committed_samples_match_their_generator():
    assert (FIXTURES / "penalty_utf8.csv").read_bytes() == make_samples.csv_text().encode("utf-8")
    assert (FIXTURES / "penalty_gbk.csv").read_bytes() == make_samples.csv_text().encode("gbk")


@pytest.mark.parametrize("name", SAMPLES[1:])
def test_every_variant_parses_to_the_same_frame(name):
    expected = read(SAMPLES[0])
    got = read(name)
    assert got.columns == expected.columns
    assert got.equals(expected)


def test_the_frame_is_all_strings_with_spreadsheet_row_numbers():
    frame = read("penalty_gbk.csv")
    assert frame.columns[0] == "__row" and frame.schema["__row"] == pl.Int64
    assert frame["__row"].to_list() == [2, 3, 4]
    assert all(t == pl.String for c, t in frame.schema.items() if c != "__row")
    assert frame.columns[1:] == make_samples.HEADERS  # GBK header without BOM decoded
    first = frame.row(0, named=True)
    assert first["行政相对人代码_2(工商注册号)"] == "0350502000123"  # leading zero kept
    assert first["违法事实"] == '发布"最佳"等用语，违反广告法'  # quoted quotes and full-width comma
    assert first["证件号码"] is None


def test_xlsx_cells_become_text():
    data = xlsx([["名称", "日期", "时间", "整数", "小数", "编号", "真假"],
                 ["甲", dt.date(2026, 2, 3), dt.datetime(2026, 2, 3, 9, 30), 5, 0.5, "007", True],
                 [None, None, None, None, None, None, None],
                 ["乙", dt.datetime(2099, 12, 31), None, 12.0, 1e-3, None, None]])
    frame = read_table(data, "f.xlsx")
    assert frame.rows() == [(2, "甲", "2026-02-03", "2026-02-03 09:30:00", "5", "0.5", "007", "TRUE"),
                            (4, "乙", "2099-12-31", None, "12", "0.001", None, None)]


def test_xlsx_real_date_cells_in_the_sample():
    frame = read("penalty.xlsx")
    assert frame["处罚决定日期"].to_list() == ["2026-02-03", "2026-01-05", "2025-12-30"]
    assert frame["罚款金额(万元)"].to_list() == ["5", "0.5", None]


def test_headers_are_stripped_cells_are_not():
    data = "\ufeff 名称 ,\t代码\n 张三 , 0012\n".encode("utf-8")
    frame = read_table(data, "x.csv")
    assert frame.columns == ["__row", "名称", "代码"]
    assert frame.row(0) == (2, " 张三 ", " 0012")


def test_quoted_line_breaks_blank_lines_and_empty_strings():
    data = 'a,b\n"1,2","x\ny"\n\n,""\n3,4\n'.encode()
    frame = read_table(data, "x.csv")
    assert frame.rows() == [(2, "1,2", "x\ny"), (5, "3", "4")]  # rows 3-4 blank: dropped


def test_header_only_gives_no_rows():
    frame = read_table("名称,代码\r\n".encode("gbk"), "x.csv")
    assert frame.height == 0 and frame.columns == ["__row", "名称", "代码"]


def test_gbk_body_under_an_ascii_header():
    """The header decodes as UTF-8; the body does not: the whole file is read as GB18030."""
    frame = read_table("name,code\r\n张三,0012\r\n".encode("gbk"), "x.csv")
    assert frame.rows() == [(2, "张三", "0012")]


def test_gb18030_characters_outside_gbk():
    text = "名称\n𠀀记\n"  # U+20000 is GB18030 only
    assert read_table(text.encode("gb18030"), "x.csv")["名称"].to_list() == ["𠀀记"]


@pytest.mark.parametrize("data,filename,code", [
    (b"", "x.csv", "empty_file"),
    (b"\xef\xbb\xbf \r\n", "x.csv", "empty_file"),
    (b"\xff\xfe\x00a\x00", "x.csv", "undecodable"),          # UTF-16
    (b"a,b\n\x81\x30\xff\xff,1\n", "x.csv", "undecodable"),   # neither UTF-8 nor GB18030
    (b"a,b\n1,2,3\n", "x.csv", "not_a_table"),                # more fields than headers
    (b",,\n1,2,3\n", "x.csv", "not_a_table"),                 # no header row
    (b"PK\x03\x04garbage", "x.xlsx", "not_a_table"),
    (b"\xd0\xcf\x11\xe0old excel", "x.xls", "unsupported_format"),
    (b"%PDF-1.7", "x.pdf", "unsupported_format"),
    ("名称,代码, 名称\n1,2,3\n".encode(), "x.csv", "duplicate_header"),
])
def test_file_errors(data, filename, code):
    with pytest.raises(IngestFileError) as exc:
        read_table(data, filename)
    assert exc.value.code == code
    assert " / " in exc.value.message  # Chinese and English


def test_undecodable_message_is_bilingual():
    with pytest.raises(IngestFileError) as exc:
        read_table(b"\xff\xfe\x00a\x00", "x.csv")
    assert "UTF-8" in exc.value.message_zh and "encoding" in exc.value.message_en


def test_duplicate_header_in_xlsx():
    with pytest.raises(IngestFileError) as exc:
        read_table(xlsx([["名称", "名称"], ["a", "b"]]), "d.xlsx")
    assert exc.value.code == "duplicate_header" and exc.value.details == {"headers": ["名称"]}


def test_a_large_file_reads_in_one_pass():
    """200,000 rows x 31 columns (the timing for 1,000,000 rows is in the report)."""
    from tests.fixtures.feeds import big_penalty_frame
    frame = big_penalty_frame(200_000)
    data = frame.write_csv().encode("utf-8")
    got = read_table(data, "big.csv")
    assert got.height == 200_000 and got.width == 32
    assert got.drop("__row").equals(frame)
    gbk = read_table(data.decode("utf-8").encode("gb18030"), "big.csv")
    assert gbk.equals(got)
