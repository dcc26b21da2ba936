"""The reader skips a template's description row — row 2 starting with TEMPLATE_MARK — and
nothing else: not a marked row further down (that is data, returned or taken as the rules say),
not an unmarked row 2. Row numbers stay the spreadsheet's own."""
from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from xinyong.ingest.readers import TEMPLATE_MARK, read_table
from xinyong.kit.csvexport import csv_bytes

HEADERS = ["名称", "代码", "日期"]
cell = st.text(alphabet=st.characters(codec="utf-8", categories=("L", "N", "Zs")), min_size=1, max_size=12).map(str.strip) \
    .filter(bool)
row = st.lists(cell, min_size=3, max_size=3)


def _xlsx(rows: list[list[str]]) -> bytes:
    wb = Workbook()
    wb.active.append(HEADERS)
    for r in rows:
        wb.active.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@settings(max_examples=60, deadline=None)
@given(described=st.booleans(), rows=st.lists(row, min_size=1, max_size=6), marked_later=st.integers(0, 5),
       fmt=st.sampled_from(["csv", "xlsx"]))
def test_only_a_marked_second_row_is_skipped(described, rows, marked_later, fmt):
    if marked_later < len(rows) and (described or marked_later):  # a marked data row, not row 2
        rows[marked_later] = [TEMPLATE_MARK + rows[marked_later][0], *rows[marked_later][1:]]
    body = ([[TEMPLATE_MARK + "必填；文本", "选填", "日期"]] if described else []) + rows
    data = csv_bytes(HEADERS, body) if fmt == "csv" else _xlsx(body)
    frame = read_table(data, f"t.{fmt}")
    first = 3 if described else 2
    assert frame["__row"].to_list() == list(range(first, first + len(rows)))
    assert frame.select(HEADERS).rows() == [tuple(r) for r in rows]


def test_an_unmarked_second_row_is_data():
    frame = read_table(csv_bytes(HEADERS, [["填写说明", "x", "y"], ["甲", "1", "2026-01-01"]]), "t.csv")
    assert frame["__row"].to_list() == [2, 3]
