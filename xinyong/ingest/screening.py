"""Screening a batch for what must never be stored: pure, vectorised, no I/O.

- Headers: a header with control characters refuses the batch (it would be kept in the
  batch's notes); a header naming a forbidden class (profile ``data.forbidden``, FZ art. 11
  para. 3), look-alikes and synonyms included (血 型, ＤＮＡ, 遗传信息, 健康状况), refuses the
  whole batch before any value is read.
- Values: a cell with control characters, or a free-text cell holding forbidden data (血型为A型,
  信仰佛教, 患有糖尿病), sends its row back for review (退回复核, QZ art. 10) with the class
  named; the rejection never quotes the value.

The value screen is the polars twin of ``xinyong.kit.text.ForbiddenData.value_hits``, cell by
cell: each distinct value of a free-text column is normalised and screened once (a batch
repeats its agencies, legal bases, offence types and facts on many rows), and only the values
that hit are screened class by class to name the class; the names go back to the cells that
hold those values.
"""
from __future__ import annotations

import dataclasses

import polars as pl

from xinyong.catalogue import CatalogueItem
from xinyong.kit import frames
from xinyong.kit.errors import XinyongError
from xinyong.kit.text import (
    ALREADY_NORMAL_PATTERN,
    CONTROL_PATTERN,
    LOWER_CASE_ONLY_PATTERN,
    ForbiddenData,
    has_control_characters,
    normalise,
    normalised_expr,
)

WITHHELD_HEADER = "（列名含禁止采集的信息，已略去）/ (a column header holding forbidden data, withheld)"
HIDDEN_REASONS = ("forbidden_data", "restricted_data", "control_character")  # rejections of these never keep the value
_VALUE = "__value"


def refuse_bad_headers(headers: list[str], screen: ForbiddenData, refused: type[XinyongError]) -> None:
    """Control characters, then forbidden classes, in the batch's headers."""
    if any(has_control_characters(h) for h in headers):
        raise refused("control_character", "列名含有控制字符，整批拒收",
                      "a column header contains control characters; the whole batch is refused")
    hits = []
    for header in headers:
        cls = screen.header_hit(header)
        if cls is not None:
            hits.append({"header": header, "data_class": cls.code, "class_zh": cls.zh, "citation": screen.citation})
    if hits:
        zh = "；".join(f"列「{h['header']}」属于禁止采集的{h['class_zh']}信息" for h in hits)
        en = "; ".join(f"column {h['header']!r} holds forbidden data ({h['data_class']})" for h in hits)
        raise refused("forbidden_data", f"{zh}（{screen.citation}），整批拒收",
                      f"{en} ({screen.citation}); the whole batch is refused", {"columns": hits})


def class_hits(headers: list[str], rule) -> list[dict]:
    """The headers naming a class of a data rule (data.restricted: dropped, never stored)."""
    hits = []
    for header in headers:
        norm = normalise(header)
        for cls, spec in rule.value.get("classes", {}).items():
            if any(normalise(k) in norm for k in spec.get("header_keywords", [])):
                hits.append({"header": header, "data_class": cls, "class_zh": spec.get("zh", cls),
                             "citation": str(rule.citation)})
                break
    return hits


@dataclasses.dataclass(frozen=True)
class RestrictedValue:
    """A catalogue field that carries a restricted class for some rows (data.restricted
    ``catalogue_values``): its value, for a subject of ``subject_kinds`` on a row whose fields
    hold the ``where`` values, needs the person's written consent (FZ art. 11 para. 2)."""
    field: str
    data_class: str
    class_zh: str
    class_en: str
    subject_kinds: tuple[str, ...]
    where: tuple[tuple[str, tuple[str, ...]], ...]
    citation: str


def restricted_values(rule, item_code: str) -> tuple[RestrictedValue, ...]:
    classes = rule.value.get("classes", {})
    return tuple(RestrictedValue(
        v["field"], v["data_class"], classes.get(v["data_class"], {}).get("zh", v["data_class"]),
        classes.get(v["data_class"], {}).get("en", v["data_class"]), tuple(v.get("subject_kinds", ())),
        tuple((k, tuple(vals)) for k, vals in sorted((v.get("where") or {}).items())), str(rule.citation))
        for v in rule.value.get("catalogue_values", ()) if v.get("item") == item_code)


def free_text_fields(item: CatalogueItem) -> list[str]:
    """The fields whose values are free text: every other type is a code, a date or a number,
    checked against its own form."""
    return [f.code for f in item.fields if f.type == "text" and not f.codes]


# how far a value is from its normal form (with_forbidden_columns): as it is, its upper-case letters
# only, or anything
AS_IT_IS, LOWER_CASE_ONLY, ANY_FORM = 0, 1, 2


def normalised(expr: pl.Expr, screen: ForbiddenData, form: int = ANY_FORM) -> pl.Expr:
    """``kit.text.normalise`` with the profile's exemptions removed, as a polars expression, of
    text of a known ``form``: AS_IT_IS matches ``ALREADY_NORMAL_PATTERN`` (the normalisation leaves
    it as it is), LOWER_CASE_ONLY matches ``LOWER_CASE_ONLY_PATTERN`` (it only lower-cases it)."""
    out = expr if form == AS_IT_IS else expr.str.to_lowercase() if form == LOWER_CASE_ONLY else normalised_expr(expr)
    if screen.exemption_regex is not None:
        out = out.str.replace_all(screen.exemption_regex.pattern, "")
    return out


def with_forbidden_columns(work: pl.DataFrame, codes: list[str], screen: ForbiddenData,
                           prefix: str = "__forbidden") -> pl.DataFrame:
    """Adds {prefix}_{code} and {prefix}_en_{code}: the classes a cell holds (names in Chinese
    and English), null where it holds none. ``screen``: a data rule's classes (data.forbidden,
    or data.restricted with the prefix __restricted)."""
    names = [f"{prefix}_{c}" for c in codes] + [f"{prefix}_en_{c}" for c in codes]
    empty = work.with_columns(pl.lit(None, pl.String).alias(n) for n in names)
    patterns = [c.value_regex.pattern for c in screen.classes if c.value_patterns]
    if not codes or not patterns:
        return empty
    any_class = "|".join(f"(?:{p})" for p in patterns)
    # the distinct values of all the columns together, screened once: what a value holds does
    # not depend on its column, and a batch repeats its agencies, legal bases, offence types and
    # facts on many rows. A few queries whatever the columns (one unique, one split, one screen of
    # each form): a split and a screen per column cost a 10-row batch ~7 ms of its validation in
    # queries' start-up alone. The normalisation costs most of the screen: the values already
    # in normal form (most names and decision numbers) are screened as they are, the others
    # normalised first, and those whose only other characters are the letters A-Z (decision and
    # licence numbers) lower-cased only: normalising costs ~10x a lower-casing (a daily batch's
    # 14,600 such values: ~11 ms against ~1).
    plain = _VALUE + "_plain"
    values = frames.collect(pl.concat([work.lazy().select(pl.col(c).drop_nulls().unique().alias(_VALUE))
                                       for c in codes]).unique()
                            .with_columns(pl.col(_VALUE).str.contains(ALREADY_NORMAL_PATTERN).alias(plain)))
    if values.is_empty():
        return empty
    # (split eagerly: a lazy filter after a filter would be merged into one, normalising every value)
    forms = []
    for (as_it_is,), side in values.partition_by(plain, as_dict=True, include_key=False).items():
        if as_it_is:
            forms.append((AS_IT_IS, side))
        else:   # only the values not in normal form are looked at again
            lower = side[_VALUE].str.contains(LOWER_CASE_ONLY_PATTERN)
            forms += [(LOWER_CASE_ONLY, side.filter(lower)), (ANY_FORM, side.filter(~lower))]
    screened = [(side, normalised(pl.col(_VALUE), screen, form=form).str.contains(any_class))
                for form, side in forms if side.height]
    hits = pl.concat(frames.collect_all(side.lazy().filter(hit) for side, hit in screened)).to_series()
    if hits.is_empty():
        return empty
    named = frames.collect(hits.to_frame().lazy().select(pl.col(_VALUE), *_class_names(_VALUE, screen)))
    return work.with_columns(
        pl.col(c).replace_strict(named[_VALUE], named[lang], default=None, return_dtype=pl.String)
        .alias(f"{column}{c}") for column, lang in ((f"{prefix}_", "zh"), (f"{prefix}_en_", "en")) for c in codes)


def _class_names(column: str, screen: ForbiddenData) -> list[pl.Expr]:
    """zh and en: the names of the classes a value holds (null: none)."""
    norm = normalised(pl.col(column), screen)
    hits = [(norm.str.contains(c.value_regex.pattern).fill_null(False), c) for c in screen.classes
            if c.value_patterns]
    out = []
    for lang, sep in (("zh", "、"), ("en", ", ")):
        parts = [pl.when(hit).then(pl.lit(c.zh if lang == "zh" else c.en)) for hit, c in hits]
        text = pl.concat_str(parts, separator=sep, ignore_nulls=True)
        out.append(pl.when(text != "").then(text).alias(lang))
    return out


def control_condition(column: pl.Expr) -> pl.Expr:
    return column.str.contains(CONTROL_PATTERN)
