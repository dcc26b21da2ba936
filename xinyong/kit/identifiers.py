"""Identifier checks: 统一社会信用代码 (GB 32100) and 居民身份证号码 (GB 11643).

Two faces with one meaning:
- scalar ``check_uscc`` / ``check_resident_id`` call python-stdnum and raise
  ``InvalidIdentifier`` with a stable reason code;
- vectorised ``*_expr`` functions compute the same answer as polars expressions (no Python
  call per row), for bulk ingestion.

Agreement with python-stdnum 2.2 is the contract (tested with hypothesis), save the birth
place. An ID number keeps the address code of the place that issued it (GB 11643-1999, 地址码:
the code of the county where the holder's household was registered when the number was
issued, GB/T 2260), which may be newer than the birth date (Jinjiang 350582 dates from 1992,
and people born there in 1985 carry it) or long retired. stdnum's ``get_birth_place`` demands
a code in force in the birth year and so refuses real residents; here a code is valid when it
appears in any edition of GB/T 2260 that stdnum ships (``stdnum/cn/loc.dat``, retired codes
included), whatever the birth date. Length, characters, checksum and birth date are checked as
stdnum does. Other consequences:
- stdnum accepts a USCC only when its first 8 characters are digits. GB 32100 itself allows
  letters in positions 1-2 (e.g. registering authority ``N`` 农业, ``Y`` 其他); such codes are
  rejected here too (reason ``format``), so scalar and vectorised answers never differ.
- Normalisation is stdnum's ``compact``: look-alike Unicode characters (full-width digits,
  dashes, spaces) are mapped to ASCII, spaces and dashes are removed (USCC only),
  the result is upper-cased and stripped of surrounding whitespace.
- a code in no edition (an unknown county or province) is ``region`` on both faces.
- stdnum's digit test is ``re.match('^[0-9]+$')``, which also accepts a trailing newline, so
  ``ric.validate`` accepts a 17-character body ending in ``\\n``. Both faces here are stricter
  and require ASCII digits only; this is the one known disagreement and a test pins it.
Null input gives null output from every expression.
"""
from __future__ import annotations

import importlib.resources
import re
from functools import lru_cache

import polars as pl
from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength, ValidationError
from stdnum.util import _char_map  # stdnum's own look-alike table, so both faces normalise alike

from xinyong.kit import frames
from xinyong.kit.errors import InvalidInput

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# Characters Python's str.isspace() accepts (what str.strip() removes); Rust's notion differs.
PY_WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004"
                 "\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
_LOOKALIKES = {k: v for k, v in _char_map.items() if k != v}

REASONS = {
    "length": ("长度应为18位", "must be 18 characters long"),
    "format": ("含有不允许的字符", "contains characters that are not allowed"),
    "checksum": ("校验码错误", "check character is wrong"),
    "birth_date": ("出生日期无效", "date of birth is not a valid date"),
    "region": ("地址码不是任何一版行政区划代码（GB/T 2260）", "region code is in no edition of GB/T 2260"),
}


class InvalidIdentifier(InvalidInput):
    code = "invalid_identifier"

    def __init__(self, kind: str, reason: str):
        zh, en = REASONS[reason]
        label_zh = "统一社会信用代码" if kind == "uscc" else "居民身份证号码"
        label_en = "USCC" if kind == "uscc" else "resident ID number"
        super().__init__(f"{label_zh}{zh}", message_en=f"{label_en} {en}",
                         details={"kind": kind, "reason": reason})
        self.kind = kind
        self.reason = reason


# ---------------------------------------------------------------- scalar (python-stdnum)
_STDNUM_REASON = {InvalidLength: "length", InvalidFormat: "format", InvalidChecksum: "checksum"}


def _reason_of(exc: ValidationError) -> str:
    for cls, reason in _STDNUM_REASON.items():
        if isinstance(exc, cls):
            return reason
    return "format"


def check_uscc(value: str) -> str:
    """Return the normalised USCC or raise InvalidIdentifier (GB 32100 via python-stdnum)."""
    try:
        return uscc.validate(value)
    except ValidationError as exc:
        raise InvalidIdentifier("uscc", _reason_of(exc)) from None
    except ValueError:  # stdnum's calc_check_digit on a character outside its alphabet
        raise InvalidIdentifier("uscc", "format") from None


def check_resident_id(value: str) -> str:
    """Return the normalised resident ID or raise InvalidIdentifier (GB 11643 via stdnum)."""
    try:
        number = ric.compact(value)
    except ValidationError:
        raise InvalidIdentifier("resident_id", "format") from None
    if len(number) != 18:
        raise InvalidIdentifier("resident_id", "length")
    if not re.fullmatch(r"[0-9]{17}[0-9X]", number):  # stricter than stdnum: see module doc
        raise InvalidIdentifier("resident_id", "format")
    if number[-1] != ric.calc_check_digit(number):
        raise InvalidIdentifier("resident_id", "checksum")
    try:
        ric.get_birth_date(number)
    except InvalidComponent:
        raise InvalidIdentifier("resident_id", "birth_date") from None
    if int(number[:6]) not in known_region_codes():
        raise InvalidIdentifier("resident_id", "region")
    return number


def resident_id_key(value: str) -> str:
    """The keyed hash a subject is found by (``subjects.resident_id_hash``), of the number as
    ``check_resident_id`` normalises it; InvalidIdentifier when it is no valid number. Every
    lookup by resident ID (service windows, accounts, authorisations) goes through here, so
    it accepts and refuses exactly what ingestion does."""
    from xinyong.kit.crypto import keyed_hash
    return keyed_hash(check_resident_id(value))


# ---------------------------------------------------------------- vectorised (polars)
def _as_expr(col: str | pl.Expr) -> pl.Expr:
    return pl.col(col) if isinstance(col, str) else col


def uscc_normalised_expr(col: str | pl.Expr) -> pl.Expr:
    """stdnum ``uscc.compact``: map look-alikes, drop spaces and dashes, upper, strip."""
    e = _as_expr(col).str.replace_many(_LOOKALIKES)
    e = e.str.replace_all(r"[ \-]", "")
    return e.str.to_uppercase().str.strip_chars(PY_WHITESPACE)


def resident_id_normalised_expr(col: str | pl.Expr) -> pl.Expr:
    """stdnum ``ric.compact``: map look-alikes, upper, strip (inner spaces are kept)."""
    return _as_expr(col).str.replace_many(_LOOKALIKES).str.to_uppercase().str.strip_chars(PY_WHITESPACE)


@lru_cache(maxsize=None)
def _byte_table(weight: int) -> pl.Series:
    """Byte -> weight * index in USCC_ALPHABET (0 for bytes outside it): a 256-entry lookup,
    built once per weight (building the 18 tables took ~2 ms per checked column)."""
    index = {ord(ch): i for i, ch in enumerate(USCC_ALPHABET)}
    return pl.Series([index.get(b, 0) * weight for b in range(256)], dtype=pl.Int32)


def _uscc_checksum_ok(n: pl.Expr) -> pl.Expr:
    """GB 32100: the 18th character is ALPHABET[(31 - sum(v_i * w_i) % 31) % 31]. Bytes are
    read directly (only meaningful once the code is known to be 18 ASCII characters)."""
    raw = n.cast(pl.Binary)

    def looked_up(i: int, weight: int) -> pl.Expr:
        return pl.lit(_byte_table(weight)).gather(raw.bin.get(i, null_on_oob=True).fill_null(0))

    total = pl.sum_horizontal(looked_up(i, w) for i, w in enumerate(_USCC_WEIGHTS))
    return looked_up(17, 1) == (31 - total % 31) % 31


def uscc_problem_expr(col: str | pl.Expr, normalised: bool = False) -> pl.Expr:
    """Reason code (length | format | checksum) or null when valid; null input -> null.
    ``normalised=True`` when ``col`` is already ``uscc_normalised_expr`` (saves recomputing)."""
    n = _as_expr(col) if normalised else uscc_normalised_expr(col)
    well_formed = n.str.contains(r"^[0-9]{8}[0-9A-HJ-NP-RTUWXY]{10}$")
    return (pl.when(n.is_null()).then(None)
            .when(n.str.len_chars() != 18).then(pl.lit("length"))
            .when(~well_formed).then(pl.lit("format"))
            .when(~_uscc_checksum_ok(n)).then(pl.lit("checksum"))
            .otherwise(None))


def uscc_valid_expr(col: str | pl.Expr) -> pl.Expr:
    """Boolean: is a valid USCC exactly when python-stdnum says so (null stays null)."""
    return pl.when(_as_expr(col).is_null()).then(None).otherwise(uscc_problem_expr(col).is_null())


@lru_cache(maxsize=1)
def known_region_codes() -> frozenset[int]:
    """Every county-level address code in any edition of GB/T 2260 that python-stdnum ships
    (stdnum/cn/loc.dat, with the years each was in force: retired codes count too): each code
    line whose properties name a county, read straight from the file (asking stdnum's
    ``numdb.info`` code by code cost a new process 0.4-0.7 s; tests/kit/test_identifiers.py
    checks both readings agree)."""
    text = (importlib.resources.files("stdnum.cn") / "loc.dat").read_text(encoding="utf-8")
    codes: set[int] = set()
    province = None
    for line in text.splitlines():
        if m := re.match(r"^(\d\d) ", line):
            province = m.group(1)
        elif (m := re.match(r"^  (\d{4}) (.*)$", line)) and province and "county=" in m.group(2):
            codes.add(int(province + m.group(1)))
    return frozenset(codes)


@lru_cache(maxsize=1)
def _region_table() -> pl.Series:
    """A dense table indexed by the 6-digit code: True where the code is known (a gather)."""
    dense = [False] * 1_000_000
    for code in known_region_codes():
        dense[code] = True
    return pl.Series(dense, dtype=pl.Boolean)


def _region_ok(region: pl.Expr) -> pl.Expr:
    return pl.lit(_region_table()).gather(region.fill_null(0).clip(0, 999_999)).fill_null(False)


_RIC_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]  # stdnum's int(body, 13): 13 = 2 (mod 11)


def _days_in_month(year: pl.Expr, month: pl.Expr) -> pl.Expr:
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    return (pl.when(month == 2).then(28 + leap.cast(pl.Int32))
            .when(month.is_in([4, 6, 9, 11])).then(30).otherwise(31))


def resident_id_problem_expr(col: str | pl.Expr, normalised: bool = False) -> pl.Expr:
    """Reason code (length | format | checksum | birth_date | region) or null when valid.
    ``normalised=True`` when ``col`` is already ``resident_id_normalised_expr``. Digits are
    read as bytes (meaningful once the shape 17 digits + digit/X is established)."""
    n = _as_expr(col) if normalised else resident_id_normalised_expr(col)
    well_formed = n.str.contains(r"^[0-9]{17}[0-9X]$")
    raw = n.cast(pl.Binary)
    digit = [raw.bin.get(i, null_on_oob=True).cast(pl.Int32) - ord("0") for i in range(18)]

    def number(a: int, b: int) -> pl.Expr:
        return pl.sum_horizontal(digit[i] * 10 ** (b - 1 - i) for i in range(a, b))

    # stdnum: (1 - 2 * int(body, 13)) % 11, 10 -> 'X'
    check = (12 - pl.sum_horizontal(d * w for d, w in zip(digit, _RIC_WEIGHTS)) % 11) % 11
    last_ok = pl.when(check == 10).then(digit[17] == ord("X") - ord("0")).otherwise(digit[17] == check)
    year, month, day = number(6, 10), number(10, 12), number(12, 14)
    date_ok = ((year >= 1) & (month >= 1) & (month <= 12) & (day >= 1)
               & (day <= _days_in_month(year, month)))
    return (pl.when(n.is_null()).then(None)
            .when(n.str.len_chars() != 18).then(pl.lit("length"))
            .when(~well_formed).then(pl.lit("format"))
            .when(~last_ok).then(pl.lit("checksum"))
            .when(~date_ok).then(pl.lit("birth_date"))
            .when(~_region_ok(number(0, 6).cast(pl.Int64))).then(pl.lit("region"))
            .otherwise(None))


def resident_id_valid_expr(col: str | pl.Expr) -> pl.Expr:
    """Boolean: valid resident ID exactly when python-stdnum says so, save the birth place (any
    edition of GB/T 2260) and the documented trailing-newline quirk (null stays null)."""
    return pl.when(_as_expr(col).is_null()).then(None).otherwise(resident_id_problem_expr(col).is_null())


def checked_by_distinct(frame: pl.DataFrame, column: str, kind: str) -> tuple[pl.Expr, pl.Expr]:
    """(normal form, problem) expressions for ``column`` of ``frame``, computed once per
    distinct value (an agency's code repeats on every row of a batch) and mapped back.
    ``kind`` is "uscc" or "resident_id"."""
    return checked_columns_by_distinct(frame, {column: kind})[column]


_CHECKS = {"uscc": (uscc_normalised_expr, uscc_problem_expr),
           "resident_id": (resident_id_normalised_expr, resident_id_problem_expr)}


@lru_cache(maxsize=None)
def _check_exprs(kind: str) -> tuple[pl.Expr, pl.Expr]:
    """The normal form ("n") of a value "v" of this kind, and its problem ("p"): expressions
    only, the same for every batch, so built once (~600 literals and gathers: ~3 ms of Python a
    validation)."""
    normalise, problem = _CHECKS[kind]
    return normalise(pl.col("v")).alias("n"), problem(pl.col("n"), normalised=True).alias("p")


def checked_columns_by_distinct(frame: pl.DataFrame, kinds: dict[str, str]) -> dict[str, tuple[pl.Expr, pl.Expr]]:
    """``checked_by_distinct`` of several columns ({column: kind}): the distinct values of all the
    columns of a kind checked in one query. A check costs ~1-3 ms to plan and start whatever
    the rows (its expression is wide), so a batch's five identifier columns checked one by one
    cost ~10 ms of every validation, a 50-row one's included; a value's check does not depend on
    its column."""
    unknown = {c for c, kind in kinds.items() if kind not in _CHECKS}
    if unknown:
        raise ValueError(f"unknown identifier kind for {sorted(unknown)}: {[kinds[c] for c in sorted(unknown)]}")
    # each kind's columns' distinct values and their checks: one lazy query a kind, the kinds run together
    by_kind = {kind: [c for c, k in kinds.items() if k == kind] for kind in _CHECKS}
    by_kind = {kind: columns for kind, columns in by_kind.items() if columns}
    checked = frames.collect_all(
        pl.concat([frame.lazy().select(pl.col(c).alias("v")) for c in columns]).drop_nulls().unique()
        .with_columns(_check_exprs(kind)[0]).with_columns(_check_exprs(kind)[1])
        for kind, columns in by_kind.items())
    out = {}
    for (kind, columns), found in zip(by_kind.items(), checked):
        keys = found["v"]
        for c in columns:
            out[c] = (pl.col(c).replace_strict(keys, found["n"], default=None, return_dtype=pl.String),
                      pl.col(c).replace_strict(keys, found["p"], default=None, return_dtype=pl.String))
    return out


def mask_identifier_expr(col: str | pl.Expr, keep_first: int = 6, keep_last: int = 4) -> pl.Expr:
    """Vectorised twin of kit.masking.mask_identifier: keep the first and last characters,
    star the rest; values too short to keep anything become all stars."""
    e = _as_expr(col).str.strip_chars()
    n = e.str.len_chars().cast(pl.Int64)
    middle = e.str.slice(keep_first, n - keep_first - keep_last).str.replace_all(".", "*")
    kept = pl.concat_str([e.str.slice(0, keep_first), middle, e.str.slice(-keep_last, keep_last)])
    return pl.when(n <= keep_first + keep_last).then(e.str.replace_all(".", "*")).otherwise(kept)
