"""Read an uploaded feed (CSV in UTF-8 / UTF-8 with BOM / GBK-GB18030, or XLSX) into a
frame of strings, ready for the catalogue mapping in ``rules.py``.

Every column is Utf8 and kept as written (leading zeros, inner spaces); only headers are
cleaned. Empty cells are null. ``__row`` is the spreadsheet row number (header = row 1),
which is what a source agency sees when a row is returned for review (QZ art. 10).
Rows with no value at all are dropped (their numbers are simply skipped), and so is the
description row of a platform template (``TEMPLATE_MARK``, xinyong/catalogue/templates.py):
row 2 when its first cell starts with the mark, so a filled template uploads unchanged.

Limits (``TableLimits``, from the settings) are met before a file is parsed whole: the
columns of the header; for XLSX the unpacked size of the zip members and their packing ratio
(from the zip directory: zipfile stops at a member's declared size, so the sum is a bound),
then, while rows stream from openpyxl's read-only reader, the cell count and each cell's length.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass

import polars as pl

from xinyong.kit.errors import XinyongError

ROW = "__row"
_BOM = b"\xef\xbb\xbf"
_BLANK = re.compile(rb"(?:\xef\xbb\xbf)?\s*")  # matched in place: no copy of a large upload
_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls / other OLE compound files
TEMPLATE_MARK = "【填写说明】"  # first cell of a template's description row (row 2), never data
DESCRIPTION_ROW = 2

_MESSAGES = {
    "undecodable": ("文件编码无法识别，请使用 UTF-8 或 GBK 编码的 CSV，或 XLSX",
                    "the file's encoding is not recognised; send CSV in UTF-8 or GBK, or XLSX"),
    "empty_file": ("文件为空", "the file is empty"),
    "not_a_table": ("文件不是有效的表格", "the file is not a readable table"),
    "unsupported_format": ("不支持的文件格式，请使用 CSV 或 XLSX",
                           "unsupported file format; send CSV or XLSX"),
    "duplicate_header": ("表头重复", "duplicate column header"),
    "too_many_columns": ("表格列数超过上限", "the table has more columns than allowed"),
    "header_too_long": ("表头行过长", "the header row is too long"),
    "xlsx_too_large": ("XLSX 文件解压后过大", "the XLSX file is too large once unpacked"),
    "xlsx_too_many_cells": ("XLSX 单元格数量超过上限", "the XLSX file has more cells than allowed"),
    "cell_too_long": ("单元格内容过长", "a cell is longer than allowed"),
}
MAX_HEADER_BYTES = 1024 * 1024  # a header record longer than this is not a header
RATIO_FLOOR = 1024 * 1024  # members smaller than this unpacked may compress as well as they like


@dataclass(frozen=True)
class TableLimits:
    max_columns: int
    xlsx_max_uncompressed_bytes: int
    xlsx_max_ratio: int
    xlsx_max_cells: int
    xlsx_max_cell_chars: int

    @classmethod
    def from_settings(cls) -> TableLimits:
        from xinyong.config import get_settings
        s = get_settings()
        return cls(s.ingest_max_columns, s.xlsx_max_uncompressed_bytes, s.xlsx_max_ratio, s.xlsx_max_cells,
                   s.xlsx_max_cell_chars)


class IngestFileError(XinyongError):
    """The file cannot be read as a table; nothing from it is kept."""
    status = 422
    code = "ingest_file_error"

    def __init__(self, code: str, message: str | None = None, *, detail: str | tuple[str, str] = "",
                 details: dict | None = None):
        zh, en = _MESSAGES[code]
        if detail:   # one text for both languages, or (zh, en)
            detail_zh, detail_en = detail if isinstance(detail, tuple) else (detail, detail)
            zh, en = f"{zh}：{detail_zh}", f"{en}: {detail_en}"
        text = message or f"{zh} / {en}"
        super().__init__(text, code=code, message_en=en, details=details)
        self.message_zh = zh


def read_table(data: bytes, filename: str, limits: TableLimits | None = None) -> pl.DataFrame:
    """Parse an uploaded CSV or XLSX into a frame of strings plus ``__row`` (Int64)."""
    if _BLANK.fullmatch(data):
        raise IngestFileError("empty_file")
    limits = limits or TableLimits.from_settings()
    kind = _kind(data, filename)
    frame = _read_xlsx(data, limits) if kind == "xlsx" else _read_csv(data, limits)
    return _finish(frame)


def check_columns(count: int, limits: TableLimits) -> None:
    if count > limits.max_columns:
        raise IngestFileError("too_many_columns", detail=f"{count} > {limits.max_columns}",
                              details={"columns": count, "limit": limits.max_columns})


def _kind(data: bytes, filename: str) -> str:
    name = (filename or "").lower()
    if data.startswith(_XLSX_MAGIC):
        return "xlsx"
    if data.startswith(_OLE_MAGIC) or name.endswith(".xls"):
        raise IngestFileError("unsupported_format", detail=("旧版 .xls，请另存为 .xlsx", "legacy .xls; save as .xlsx"))
    if name.endswith((".xlsx", ".xlsm")):
        raise IngestFileError("not_a_table", detail=("XLSX 文件已损坏", "damaged XLSX file"))
    if name.endswith((".csv", ".txt")) or "." not in name.rsplit("/", 1)[-1]:
        return "csv"
    raise IngestFileError("unsupported_format", detail=name.rsplit(".", 1)[-1])


def _read_csv(data: bytes, limits: TableLimits) -> pl.DataFrame:
    """UTF-8 first (polars validates it while parsing, no Python decode); on invalid UTF-8,
    decode the whole file as GB18030 (superset of GBK) in one call and parse that."""
    if data.startswith(_BOM):
        data = data[len(_BOM):]
    if b"\x00" in data:  # UTF-16/32 or a binary file
        raise IngestFileError("undecodable")
    head = _header_bytes(data)
    try:
        return _parse_csv(data, _header_record(head.decode("utf-8"), limits))
    except UnicodeDecodeError:
        pass
    except pl.exceptions.ComputeError as exc:
        if not _is_encoding_error(exc):
            raise
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise IngestFileError("undecodable") from None
    return _parse_csv(text.encode("utf-8"), _header_record(head.decode("gb18030"), limits))


def _is_encoding_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return "utf-8" in text or "utf8" in text


def _header_bytes(data: bytes) -> bytes:
    """The bytes of the first CSV record. A header may hold a quoted line break, so extend
    line by line until the quotes balance (0x22 and 0x0A never occur inside GBK characters);
    quotes are counted once per line, and a record past MAX_HEADER_BYTES is refused."""
    end, quotes = -1, 0
    while True:
        start, end = end + 1, data.find(b"\n", end + 1)
        if end > MAX_HEADER_BYTES or (end < 0 and len(data) > MAX_HEADER_BYTES):
            raise IngestFileError("header_too_long", detail=f"> {MAX_HEADER_BYTES:,} B")
        quotes += data.count(b'"', start, len(data) if end < 0 else end)
        if end < 0 or quotes % 2 == 0:
            return data if end < 0 else data[:end]


def _header_record(head: str, limits: TableLimits) -> list[str]:
    try:
        header = next(csv.reader(io.StringIO(head)))
    except (StopIteration, csv.Error):
        raise IngestFileError("not_a_table") from None
    check_columns(len(header), limits)
    return _clean_headers(header)


def _parse_csv(raw: bytes, names: list[str]) -> pl.DataFrame:
    try:
        return pl.read_csv(raw, has_header=True, new_columns=names, infer_schema=False,
                           quote_char='"', raise_if_empty=False)
    except (pl.exceptions.ComputeError, pl.exceptions.ShapeError, pl.exceptions.NoDataError) as exc:
        if isinstance(exc, pl.exceptions.ComputeError) and _is_encoding_error(exc):
            raise
        raise IngestFileError("not_a_table", detail=str(exc).splitlines()[0][:200]) from None


def _clean_headers(header: list[str]) -> list[str]:
    names = []
    for n, h in enumerate(header, start=1):
        name = h.replace("\ufeff", "").strip()
        names.append(name or f"__blank_{n}")
    if not any(not n.startswith("__blank_") for n in names):
        raise IngestFileError("not_a_table", detail=("没有表头", "no header row"))
    seen: set[str] = set()
    dupes = [n for n in names if n in seen or seen.add(n)]
    if dupes:
        raise IngestFileError("duplicate_header", detail="、".join(sorted(set(dupes))),
                              details={"headers": sorted(set(dupes))})
    return names


def _check_zip(data: bytes, limits: TableLimits) -> None:
    """Refuse from the zip directory alone, before anything is unpacked."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise IngestFileError("not_a_table", detail=type(exc).__name__) from None
    total = sum(m.file_size for m in members)
    if total > limits.xlsx_max_uncompressed_bytes:
        raise IngestFileError("xlsx_too_large", detail=f"{total:,} B > {limits.xlsx_max_uncompressed_bytes:,} B",
                              details={"unpacked_bytes": total, "limit": limits.xlsx_max_uncompressed_bytes})
    for m in members:
        if m.file_size > RATIO_FLOOR and m.file_size > limits.xlsx_max_ratio * max(m.compress_size, 1):
            ratio = m.file_size // max(m.compress_size, 1)
            raise IngestFileError("xlsx_too_large", detail=f"{m.filename}: {ratio}:1 > {limits.xlsx_max_ratio}:1",
                                  details={"member": m.filename, "ratio": ratio, "limit": limits.xlsx_max_ratio})


def _read_xlsx(data: bytes, limits: TableLimits) -> pl.DataFrame:
    from openpyxl import load_workbook

    _check_zip(data, limits)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise IngestFileError("not_a_table", detail=type(exc).__name__) from None
    try:
        if not wb.worksheets:
            raise IngestFileError("not_a_table", detail=("没有工作表", "no worksheet"))
        sheet = wb.worksheets[0]
        header = list(next(sheet.iter_rows(max_row=1, values_only=True), None) or ())
        while header and header[-1] is None:  # a declared dimension wider than the written header
            header.pop()
        if not header:
            raise IngestFileError("empty_file")
        check_columns(len(header), limits)
        names = _clean_headers([_limited_text(h, limits) or "" for h in header])
        columns = _xlsx_columns(sheet.iter_rows(min_row=2, max_col=len(names), values_only=True), len(names), limits)
    finally:
        wb.close()
    return pl.DataFrame({n: c for n, c in zip(names, columns)},
                        schema={n: pl.String for n in names})


def _xlsx_columns(rows, width: int, limits: TableLimits) -> list[list[str | None]]:
    """Cells converted one by one (openpyxl gives Python values), counted as they come."""
    columns: list[list[str | None]] = [[] for _ in range(width)]
    budget = limits.xlsx_max_cells // width
    for n, row in enumerate(rows, start=1):
        if n > budget:
            raise IngestFileError("xlsx_too_many_cells", detail=f"> {limits.xlsx_max_cells:,}",
                                  details={"limit": limits.xlsx_max_cells})
        cells = (tuple(row) + (None,) * width)[:width]
        for col, value in zip(columns, cells):
            col.append(_limited_text(value, limits))
    return columns


def _limited_text(value: object, limits: TableLimits) -> str | None:
    if value is None:
        return None
    text = _cell_text(value)
    if len(text) > limits.xlsx_max_cell_chars:
        raise IngestFileError("cell_too_long", detail=f"{len(text):,} > {limits.xlsx_max_cell_chars:,}",
                              details={"chars": len(text), "limit": limits.xlsx_max_cell_chars})
    return text


def _cell_text(value: object) -> str:
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _finish(frame: pl.DataFrame) -> pl.DataFrame:
    """Empty strings -> null, drop all-empty rows and unnamed empty columns, add __row."""
    has_empty = frame.select((pl.all() == "").any()).row(0) if frame.height else ()
    emptied = [c for c, flag in zip(frame.columns, has_empty) if flag]
    if emptied:  # quoted "" in CSV; unquoted empty cells are already null
        frame = frame.with_columns(pl.col(emptied).replace("", None))
    blank = [c for c in frame.columns if c.startswith("__blank_") and frame[c].null_count() == frame.height]
    frame = frame.drop(blank)
    frame = frame.with_row_index(ROW, offset=2).with_columns(pl.col(ROW).cast(pl.Int64))
    data_cols = [c for c in frame.columns if c != ROW]
    if data_cols and frame.height:
        first = frame[data_cols[0]][0]
        if first is not None and first.lstrip().startswith(TEMPLATE_MARK):
            frame = frame.slice(1)  # the template's description row: instructions, not a record
    if data_cols:
        keep = frame.select(pl.any_horizontal(pl.col(data_cols).is_not_null())).to_series()
        if not keep.all():
            frame = frame.filter(keep)
    return frame
