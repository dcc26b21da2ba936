"""Array parameters rendered in one pass. psycopg dumps a Python list element by element in
Python (types/array.py): a 10,000-row daily batch spent ~75 ms of client CPU rendering its
decision numbers and its 3,800 subject ids for six evaluation statements, 0.28 s for the
100,000 decision numbers of a 100,000-row batch. The values here are rendered as PostgreSQL's
array text once (vectorised for text) and bound with the array's type oid, so the server reads
the same `bigint[]` / `text[]` value as before and plans the statement with it as a constant.

Registered on psycopg's global adapters at import; xinyong.db imports this module, so every
connection the platform opens (they copy the global adapters when made) has the dumpers."""
from __future__ import annotations

import polars as pl
import psycopg
from psycopg.adapt import Dumper

INT8_ARRAY_OID = 1016
TEXT_ARRAY_OID = 1009


class IdList(list):
    """A list of integer ids bound as one `bigint[]` (on SQLite, an ordinary list: e.g. an
    expanding IN)."""


class TextArray(bytes):
    """A `text[]` parameter already rendered (``text_array``)."""


class _IdListDumper(Dumper):
    oid = INT8_ARRAY_OID

    def dump(self, obj: IdList) -> bytes:
        return ("{" + ",".join(map(str, map(int, obj))) + "}").encode()


class _TextArrayDumper(Dumper):
    oid = TEXT_ARRAY_OID

    def dump(self, obj: TextArray) -> bytes:
        return bytes(obj)


def text_array(values: pl.Series) -> TextArray:
    """A text column as a `text[]` parameter: each element quoted (backslash and double quote
    escaped), NULL as NULL."""
    element = pl.col("v").str.replace_all("\\", "\\\\", literal=True).str.replace_all('"', '\\"', literal=True)
    joined = pl.DataFrame({"v": values.cast(pl.Utf8)}).select(
        pl.concat_str(pl.lit('"'), element, pl.lit('"')).fill_null("NULL").str.join(",")).item()
    return TextArray(("{" + (joined or "") + "}").encode())


psycopg.adapters.register_dumper(IdList, _IdListDumper)
psycopg.adapters.register_dumper(TextArray, _TextArrayDumper)
