"""PostgreSQL's binary ``COPY`` format for a polars frame (xinyong.kit.bulk's loads), encoded by
pgpq, an Arrow-to-PostgreSQL encoder written in Rust. The server then reads dates, times,
integers and booleans as stored values instead of parsing their text: a 10,000-row daily
batch's records loaded in ~10% less server time (docs/performance-history.md, "binary COPY").

The binary format names no types: each value must be sent in the exact type of its column
(an ``integer`` as 4 bytes, a ``jsonb`` with its version byte). The encoder is built from the
table's own column types, read from the catalogue; a table with a column of another type than
those below is loaded in the text format (``encoder`` answers None)."""
from __future__ import annotations

import polars as pl

# the column types sent in binary, and the frame dtype each column is cast to first
_DTYPES = {
    "bigint": pl.Int64, "integer": pl.Int32, "smallint": pl.Int16, "boolean": pl.Boolean, "date": pl.Date,
    "timestamp with time zone": pl.Datetime("us"), "timestamp without time zone": pl.Datetime("us"),
    "text": pl.String, "character varying": pl.String, "jsonb": pl.String, "bytea": pl.Binary,
    "json": pl.String,   # sent as its text, as a text column is: json's binary input is the text
}
_COLUMN_TYPES = ("SELECT attname, format_type(atttypid, NULL) FROM pg_attribute "
                 "WHERE attrelid = CAST(%s AS regclass) AND attnum > 0 AND NOT attisdropped")


def column_types(cursor, table: str) -> dict[str, str]:
    """Each column of ``table`` (a temporary table too) and its type, without modifiers
    ("character varying", not "character varying(64)")."""
    return dict(cursor.execute(_COLUMN_TYPES, (table,)).fetchall())


class Encoder:
    """The binary COPY data of one load: ``header()``, then ``rows(piece)`` for each piece of the
    frame in order, one call at a time, then ``trailer()`` (pgpq's encoder refuses any other order);
    a new encoder for each load."""

    def __init__(self, casts: list[pl.Expr], types: dict[str, str], schema: pl.Schema):
        import pgpq
        from pgpq import encoders, schema as pg
        self._casts = casts
        self._arrow = self._table(pl.DataFrame(schema=schema)).schema
        built = {f.name: (encoders.StringViewEncoderBuilder.new_with_output(f, pg.Jsonb()) if types[f.name] == "jsonb"
                          else pgpq.ArrowToPostgresBinaryEncoder.infer_encoder(f)) for f in self._arrow}
        self._encoder = pgpq.ArrowToPostgresBinaryEncoder.new_with_encoders(self._arrow, built)

    def _table(self, piece: pl.DataFrame):
        """The piece as Arrow: text as string views, the polars columns' own buffers (a copy into
        Arrow's plain strings: a peak ~55 MB higher encoding 50,000-record pieces, in a probe);
        bytes as plain binary, which pgpq encodes (it has no encoder of binary views)."""
        import pyarrow as pa
        table = piece.select(self._casts).to_arrow(compat_level=pl.CompatLevel.newest())
        for i, field in enumerate(table.schema):
            if field.type == pa.binary_view():
                table = table.set_column(i, field.with_type(pa.large_binary()), table.column(i).cast(pa.large_binary()))
        return table

    def header(self) -> bytes:
        return self._encoder.write_header()

    def rows(self, piece: pl.DataFrame) -> bytes:
        table = self._table(piece)
        if table.schema != self._arrow:
            table = table.cast(self._arrow)
        return b"".join(self._encoder.write_batch(batch) for batch in table.to_batches())

    def trailer(self) -> bytes:
        return self._encoder.finish()


def encoder(schema: pl.Schema, types: dict[str, str]) -> Encoder | None:
    """The encoder of frames of ``schema`` into columns of ``types`` (``column_types``); None
    (the text format) if a column's type is not sent in binary here, the frame's column is of
    another kind than its column's (a time into a text column: each format would write it its
    own way), or the frame names a column the table lacks."""
    casts = []
    for name, dtype in schema.items():
        target = _DTYPES.get(types.get(name, ""))
        if target is None or not _same_kind(dtype, target):
            return None
        casts.append(_cast(pl.col(name), dtype, target))
    return Encoder(casts, types, schema)


def _same_kind(dtype, target) -> bool:
    if dtype == pl.Null:
        return True
    if target == pl.String:
        return dtype == pl.String or isinstance(dtype, (pl.Categorical, pl.Enum))
    if target.is_integer():
        return dtype.is_integer()
    if isinstance(target, pl.Datetime):
        return isinstance(dtype, pl.Datetime)
    return dtype == target


def _cast(col: pl.Expr, dtype, target) -> pl.Expr:
    """``col`` as ``target``: a time zone's instants in UTC, without the zone (the text format
    sends them as UTC, "+00"; a naive time is taken as UTC by both); integers cast strictly (a
    value out of the column's range is an error, as the server's text input makes it)."""
    if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
        col = col.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
    return col.cast(target, strict=True)
