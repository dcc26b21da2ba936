"""The one way the platform writes a CSV file for people to open (exports, return-for-review
reports): every text cell that a spreadsheet would read as a formula is neutralised.

A cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a
formula by Excel, WPS and LibreOffice (CSV/formula injection). Following OWASP's advice such a
cell is prefixed with a single quote, which the spreadsheet shows as text; the csv module
quotes cells holding separators, quotes or line breaks. Numbers are written as numbers.

`tests/kit/test_csvexport.py` fails on any other CSV writer in the package.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from fastapi.responses import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MEDIA_TYPE = "text/csv; charset=utf-8"


def neutralise(value: object) -> object:
    """A text cell that would start a formula gets a leading single quote; others unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return "" if value is None else value


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """UTF-8 with BOM (so spreadsheet tools read the Chinese text), CRLF line ends."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow([neutralise(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def csv_response(header: Sequence[str], rows: Iterable[Sequence[object]], filename: str) -> Response:
    return Response(csv_bytes(header, rows), media_type=MEDIA_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
