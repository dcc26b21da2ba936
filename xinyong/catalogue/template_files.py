"""Templates and example batches as files: CSV (UTF-8 with BOM, through kit.csvexport) and
XLSX (openpyxl). The XLSX keeps the data on its first sheet — the only one the batch reader
reads — and the code tables on a second sheet, with drop-down lists (data validation) on the
columns that take one code."""
from __future__ import annotations

import datetime as dt
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from xinyong.catalogue.loader import CatalogueItem
from xinyong.catalogue.templates import Sender, code_tables, description_row, example_rows, headers
from xinyong.kit.csvexport import MEDIA_TYPE as CSV_MEDIA_TYPE
from xinyong.kit.csvexport import csv_bytes

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")
DATA_SHEET, CODES_SHEET = "数据", "代码表"
VALIDATED_ROWS = 5000   # rows below the header that get the drop-down lists
FILL = PatternFill("solid", fgColor="FFF2CC")


def template_file(item: CatalogueItem, fmt: str, today: dt.date, sender: Sender | None = None) -> bytes:
    """Headers, the description row and one example row."""
    rows = [description_row(item), *example_rows(item, today, sender)]
    return _write(item, fmt, rows)


def example_batch(item: CatalogueItem, fmt: str, today: dt.date, sender: Sender | None = None,
                  count: int = 3) -> bytes:
    """A batch as an agency's system would export it: headers and ``count`` valid rows."""
    return _write(item, fmt, example_rows(item, today, sender, count), described=False)


def filename(item: CatalogueItem, fmt: str, kind: str = "template") -> str:
    return f"{item.code}-{kind}.{fmt}"


def media_type(fmt: str) -> str:
    return XLSX_MEDIA_TYPE if fmt == "xlsx" else CSV_MEDIA_TYPE


def _write(item: CatalogueItem, fmt: str, rows: list[list[str]], described: bool = True) -> bytes:
    if fmt == "csv":
        return csv_bytes(headers(item), rows)
    if fmt == "xlsx":
        return _xlsx(item, rows, described)
    raise ValueError(f"unknown template format {fmt!r}")


def _xlsx(item: CatalogueItem, rows: list[list[str]], described: bool) -> bytes:
    wb = Workbook()
    sheet = wb.active
    sheet.title = DATA_SHEET
    sheet.append(headers(item))
    for row in rows:
        sheet.append(row)
    for n, f in enumerate(item.fields, start=1):
        letter = get_column_letter(n)
        sheet.column_dimensions[letter].width = 24
        sheet.cell(row=1, column=n).font = Font(bold=True, color="C00000" if f.required else "000000")
        if described:
            sheet.cell(row=2, column=n).alignment = Alignment(wrap_text=True, vertical="top")
            sheet.cell(row=2, column=n).fill = FILL
    sheet.freeze_panes = "A3" if described else "A2"
    _code_sheet(wb, item, first_data_row=3 if described else 2)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _code_sheet(wb: Workbook, item: CatalogueItem, first_data_row: int) -> None:
    """One column per coded field; a list validation on single-code columns of the data sheet."""
    codes, data = wb.create_sheet(CODES_SHEET), wb[DATA_SHEET]
    columns = {f.code: n for n, f in enumerate(item.fields, start=1)}
    for n, (f, values) in enumerate(code_tables(item), start=1):
        letter = get_column_letter(n)
        codes.cell(row=1, column=n, value=f.header_zh).font = Font(bold=True)
        codes.column_dimensions[letter].width = 28
        for r, value in enumerate(values, start=2):
            codes.cell(row=r, column=n, value=value)
        if f.multiple:
            continue  # several codes in one cell: a list would refuse them
        rule = DataValidation(type="list", formula1=f"'{CODES_SHEET}'!${letter}$2:${letter}${len(values) + 1}",
                              allow_blank=not f.required, showErrorMessage=True,
                              errorTitle="不在代码表中", error=f"请从代码表选择{f.header_zh}")
        target = get_column_letter(columns[f.code])
        rule.add(f"{target}{first_data_row}:{target}{first_data_row + VALIDATED_ROWS}")
        data.add_data_validation(rule)


def sender_of(session, principal) -> Sender | None:
    """An agency's own name and USCC for its templates; the example agency for anyone else."""
    if principal.role != "agency" or principal.agency_id is None:
        return None
    from xinyong.agencies.service import get
    agency = get(session, principal.agency_id)
    return Sender(agency.name, agency.uscc)
