"""Validation of one feed batch against its catalogue item: pure, vectorised, no I/O.

Order matters for data protection: a column of forbidden data (profile rule
``data.forbidden``, FZ art. 11) refuses the whole batch before any value is read, and a
value holding forbidden data sends its row back (``screening``); restricted
columns (``data.restricted``) and columns outside the catalogue are dropped, never stored.
Rows that do not meet the catalogue go back to their source for review (QZ art. 10), one
rejection per failing field, reasons in Chinese and English. Identifier values in
rejections are masked; reasons never quote them.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from xinyong.catalogue import CatalogueItem, FieldDef
from xinyong.kit import frames
from xinyong.kit.canonical import PY_JSON_ESCAPES
from xinyong.kit.errors import XinyongError
from xinyong.kit.identifiers import REASONS as ID_REASONS
from xinyong.kit.identifiers import checked_columns_by_distinct, mask_identifier_expr
from xinyong.ingest import screening
from xinyong.ingest.severity import severity_exprs
from xinyong.kit.text import ForbiddenData, forbidden_data

ROW = "__row"
KIND_SEPARATORS = r"[;；,，、\s]+"
MIN_YEAR = 1900  # sanity bound: a year before this in a credit record is a typing error
REJECTION_SCHEMA = {"row_no": pl.Int64, "field": pl.String, "value": pl.String,
                    "reason_code": pl.String, "reason": pl.String, "reason_en": pl.String}
STR = pl.String


@dataclass
class ValidationResult:
    accepted: pl.DataFrame
    rejections: pl.DataFrame
    ignored_columns: list[str] = field(default_factory=list)
    refused_columns: list[tuple[str, str, str]] = field(default_factory=list)
    # validate(defer_stored=True): the accepted rows' STORED_ONLY columns, made when asked for
    stored_only: Callable[[], pl.DataFrame] | None = field(default=None, repr=False, compare=False)

    def with_stored(self, accepted: pl.DataFrame) -> pl.DataFrame:
        """``accepted`` (these accepted rows, or some of them in their order: a gate may have taken
        rows out) with the STORED_ONLY columns, made now if they were deferred."""
        if self.stored_only is None:
            return accepted
        stored, self.stored_only = self.stored_only(), None
        if stored.height != accepted.height:
            stored = stored.join(accepted.select("row_no"), on="row_no", how="semi", maintain_order="left")
        names = {*accepted.columns, *STORED_ONLY}   # in the order validate would have made them at once
        order = [c for c in ACCEPTED_COLUMNS if c in names] + [c for c in accepted.columns if c not in ACCEPTED_COLUMNS]
        return pl.concat([accepted, stored.drop("row_no")], how="horizontal").select(order)


class BatchRefused(XinyongError):
    """The whole batch is refused; nothing from it is kept."""
    status = 422
    code = "batch_refused"

    def __init__(self, code: str, zh: str, en: str, details: dict | None = None):
        super().__init__(f"{zh} / {en}", code=code, message_en=en, details=details or {})
        self.message_zh = zh


@dataclass(frozen=True)
class Check:
    """One way a field can fail: condition, stable code, reasons ({} = per-row detail)."""
    code: str
    cond: pl.Expr
    zh: str
    en: str
    detail_zh: pl.Expr | None = None
    detail_en: pl.Expr | None = None


def validate(df: pl.DataFrame, item: CatalogueItem, profile, received_on: dt.date,
             defer_stored: bool = False, sender_uscc: str | None = None) -> ValidationResult:
    """Map, screen and check a batch read by ``readers.read_table`` (all columns Utf8).
    ``defer_stored``: the accepted rows' STORED_ONLY columns (what only their records store, not
    what decides whether a row is accepted or who its subject is) are left out of ``accepted``
    and made by ``ValidationResult.with_stored``: the ingest makes them beside the subjects' merge
    (of a daily 10,000-row batch's ~65 ms validation, ~13 ms). ``sender_uscc``: the sending
    agency's code, which an item ``decided_by_sender`` requires as each row's deciding body."""
    if ROW not in df.columns:
        df = df.with_row_index(ROW, offset=2).with_columns(pl.col(ROW).cast(pl.Int64))
    headers = [c for c in df.columns if c != ROW]
    screen = forbidden_data(_data_rule(profile, "data.forbidden", received_on))
    screening.refuse_bad_headers(headers, screen, BatchRefused)
    mapping, ignored, refused = _map_columns(headers, item, profile, received_on)
    # an ignored column's header is kept on the batch and shown to its sender: never its words
    # when they hold a person's forbidden data ("法定代表人张三患有糖尿病" as a header)
    ignored = [screening.WITHHELD_HEADER if screen.value_hits(h) else h for h in ignored]
    absent = [f for f in item.required_fields if f.code not in mapping]
    if absent:
        missing = [f.header_zh for f in absent]   # the file's headers are the Chinese ones
        names_en = ", ".join(f"{f.header_en} ({f.header_zh})" if f.header_en else f.header_zh for f in absent)
        raise BatchRefused("missing_columns", f"缺少必填列：{'、'.join(missing)}",
                           f"mandatory column(s) missing: {names_en}", {"columns": missing})
    if df.height == 0:
        raise BatchRefused("no_rows", "文件没有数据行", "the file has no data rows")
    work = _prepare(df.select([ROW, *mapping.values()]), item, mapping)
    texts = [c for c in screening.free_text_fields(item) if c in mapping]
    work = screening.with_forbidden_columns(work, texts, screen)
    restricted_rule = _data_rule(profile, "data.restricted", received_on)
    # a free text saying a named person's income, deposits, tax paid or property (FZ art. 11 para. 2)
    told = forbidden_data(restricted_rule)
    work = screening.with_forbidden_columns(work, texts, told, prefix="__restricted")
    held = screening.restricted_values(restricted_rule, item.code)
    checks, flags = _checks(item, tuple(texts), screen, received_on, tuple(v for v in held if v.field in mapping),
                            sender_uscc.upper() if sender_uscc and item.decided_by_sender else None, told)
    work = frames.collect(work.lazy().with_columns(flags))
    errors = [f"__err_{code}" for code, cs in checks.items() if cs]
    rejections = _rejections(work, item, mapping, checks)
    ok = work.filter(pl.all_horizontal(pl.col(errors).is_null())) if errors else work
    if not defer_stored:
        return ValidationResult(_accepted(ok, item, mapping, profile), rejections, ignored, refused)
    return ValidationResult(_accepted(ok, item, mapping, profile, stored=False), rejections, ignored, refused,
                            lambda: _stored_only(ok, item, mapping, profile))


# the checks of an item's fields and their error columns, by (item, free-text columns mapped,
# forbidden-data rule, day of receipt): expressions only, the same for every batch of that key, so
# built once (a 10,000-row batch spent ~5 ms of its 65-90 ms validation building them in Python,
# a 1M-row batch as much per part). The item and the rule are held with their entry:
# their ids are not reused while it lives.
_CHECKS: dict[tuple, tuple] = {}
CHECKS_KEPT = 32


def _checks(item: CatalogueItem, texts: tuple[str, ...], screen: ForbiddenData, received_on: dt.date,
            held: tuple[screening.RestrictedValue, ...] = (), decider: str | None = None,
            told: ForbiddenData | None = None) -> tuple[dict[str, list[Check]], list[pl.Expr]]:
    key = (id(item), texts, id(screen), received_on, held, decider, id(told))
    kept = _CHECKS.get(key)
    if kept is not None and kept[0] is item and kept[1] is screen:
        return kept[2], kept[3]
    checks = {f.code: _screen_checks(f, f.code in texts, screen, told) + _restricted_checks(f, item, held)
              + _field_checks(f, item, received_on) + _decider_checks(f, decider) for f in item.fields}
    flags = [_error_expr(code, cs).alias(f"__err_{code}") for code, cs in checks.items() if cs]
    if len(_CHECKS) >= CHECKS_KEPT:
        _CHECKS.clear()
    _CHECKS[key] = (item, screen, checks, flags)
    return checks, flags


# ------------------------------------------------------------------ columns and data classes
def _data_rule(profile, key: str, received_on: dt.date):
    """The data-class rule in force on the day of receipt; without one the batch cannot be
    screened, so it is refused rather than taken unscreened."""
    try:
        return profile.rule(key, on=received_on)
    except LookupError:  # RuleNotInForce
        day = received_on.isoformat()
        raise BatchRefused("rule_not_in_force", f"{day} 没有生效的数据类别规则 {key}，批次无法审查",
                           f"no {key} rule is in force on {day}; the batch cannot be screened",
                           {"rule": key, "on": day}) from None


def _map_columns(headers, item, profile, received_on):
    """Catalogue columns by field code; other columns are restricted (refused) or ignored."""
    mapping, unknown, clashes = item.resolve_headers(headers)
    if clashes:
        text = "；".join(clashes)
        raise BatchRefused("ambiguous_columns", f"多列对应同一目录字段：{text}",
                           f"several columns map to the same catalogue field: {text}", {"columns": clashes})
    restricted_rule = _data_rule(profile, "data.restricted", received_on)
    restricted = {h["header"]: h for h in screening.class_hits(unknown, restricted_rule)}
    refused = [(h, restricted[h]["data_class"], restricted[h]["citation"]) for h in unknown if h in restricted]
    return mapping, [h for h in unknown if h not in restricted], refused


# ------------------------------------------------------------------ normalising values
def _prepare(df: pl.DataFrame, item: CatalogueItem, mapping: dict[str, str]) -> pl.DataFrame:
    """One trimmed column per catalogue field (absent -> null) plus parsed helper columns."""
    cols = [pl.col(ROW).alias("row_no")]
    for f in item.fields:
        raw = pl.col(mapping[f.code]) if f.code in mapping else pl.lit(None, STR)
        value = raw.str.strip_chars().replace("", None)
        if f.value_aliases and not f.multiple:
            value = value.replace(f.value_aliases)
        cols.append(value.alias(f.code))
    work = df.select(cols)
    dates = _dates_by_distinct(work, [f.code for f in item.fields if f.type == "date" and f.code in mapping])
    identifiers = checked_columns_by_distinct(work, {f.code: _identifier_kind(f) for f in item.fields
                                                     if _identifier_kind(f) and f.code in mapping})
    helpers = []
    for f in item.fields:
        c = pl.col(f.code)
        if f.type == "date":
            helpers.append(dates.get(f.code, _parse_date(c)).alias(f"__date_{f.code}"))
        elif f.type == "decimal":
            number = c.str.replace_all(",", "")
            helpers.append(pl.when(number.str.contains(r"^[+-]?(\d+\.?\d*|\.\d+)$"))
                           .then(number.cast(pl.Float64, strict=False)).alias(f"__num_{f.code}"))
        elif f.multiple:
            parts = c.str.replace_all(KIND_SEPARATORS, ";").str.strip_chars(";").str.split(";")
            helpers.append(parts.list.eval(pl.element().replace(f.value_aliases or {}))
                           .alias(f"__list_{f.code}"))
        elif _identifier_kind(f):
            norm, problem = identifiers.get(f.code, (pl.lit(None, STR), pl.lit(None, STR)))
            helpers += [norm.alias(f"__norm_{f.code}"), problem.alias(f"__problem_{f.code}")]
    return frames.collect(work.lazy().with_columns(helpers))


def _identifier_kind(f: FieldDef) -> str | None:
    """Fields whose values are checked as identifiers: uscc, or a resident ID (always, or
    when the matching 证件类型 is 身份证)."""
    if f.type == "uscc":
        return "uscc"
    if f.type == "resident_id" or f.role in ("subject_id_number", "legal_rep_id_number"):
        return "resident_id"
    return None


def _dates_by_distinct(work: pl.DataFrame, codes: list[str]) -> dict[str, pl.Expr]:
    """``_parse_date`` once per distinct value of the columns ``codes`` together (a batch's
    rows share a few thousand dates at most), mapped back to each column's rows."""
    if not codes:
        return {}
    distinct = pl.concat([work.select(pl.col(c).alias("v")) for c in codes]).select(pl.col("v").unique().drop_nulls())
    parsed = distinct.select(_parse_date(pl.col("v"))).to_series()
    return {c: pl.col(c).replace_strict(distinct.to_series(), parsed, default=None, return_dtype=pl.Date)
            for c in codes}


def _parse_date(c: pl.Expr) -> pl.Expr:
    """YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD; impossible dates give null."""
    parsed = pl.coalesce(c.str.to_date("%Y-%m-%d", strict=False), c.str.to_date("%Y/%m/%d", strict=False),
                         pl.when(c.str.contains(r"^\d{8}$")).then(c.str.to_date("%Y%m%d", strict=False)))
    return pl.when(parsed.dt.year().is_between(MIN_YEAR, 9999)).then(parsed)


# ------------------------------------------------------------------ checks
def _col(item: CatalogueItem, role: str) -> pl.Expr:
    f = item.field_by_role(role)
    return pl.col(f.code) if f else pl.lit(None, STR)


def _meaning(item: CatalogueItem, role: str) -> pl.Expr:
    f = item.field_by_role(role)
    if f is None or not f.meanings:
        return pl.lit(None, STR)
    return pl.col(f.code).replace_strict(f.meanings, default=None, return_dtype=STR)


def _screen_checks(f: FieldDef, free_text: bool, screen: ForbiddenData, told: ForbiddenData | None = None
                   ) -> list[Check]:
    """First, so that the rejection of a cell that must not be stored never quotes it."""
    out = [Check("control_character", screening.control_condition(pl.col(f.code)), "含有控制字符",
                 "contains control characters")]
    if free_text:
        out.append(Check("forbidden_data", pl.col(f"__forbidden_{f.code}").is_not_null(),
                         f"含有禁止采集的{{}}信息（{screen.citation}），退回复核",
                         f"holds {{}}, personal data the law forbids to collect ({screen.citation}); returned for review",
                         pl.col(f"__forbidden_{f.code}"), pl.col(f"__forbidden_en_{f.code}")))
        if told is not None:
            out.append(Check("restricted_data", pl.col(f"__restricted_{f.code}").is_not_null(),
                             f"含有个人的{{}}信息，须经本人被告知不利后果后书面同意方可采集（{told.citation}），退回复核",
                             f"holds a person's {{}}, collected only with their written consent after notice "
                             f"({told.citation}); returned for review",
                             pl.col(f"__restricted_{f.code}"), pl.col(f"__restricted_en_{f.code}")))
    return out


def _restricted_checks(f: FieldDef, item: CatalogueItem, held: tuple[screening.RestrictedValue, ...]) -> list[Check]:
    """A value of a restricted class (data.restricted ``catalogue_values``) sends its row back:
    collected only with the person's written consent after notice, which no batch carries."""
    out = []
    for v in held:
        if v.field != f.code:
            continue
        cond = pl.col(f.code).is_not_null()
        if v.subject_kinds:
            cond = cond & _meaning(item, "subject_kind").is_in(list(v.subject_kinds))
        for code, values in v.where:
            cond = cond & pl.col(code).is_in(list(values))
        out.append(Check("restricted_data", cond,
                         f"自然人的{v.class_zh}须经本人被告知不利后果后书面同意方可采集（{v.citation}），批次不附同意，"
                         "退回复核；不含该值可重新报送",
                         f"a natural person's {v.class_en} may be collected only with their written consent after notice of "
                         f"the adverse consequences ({v.citation}); a batch carries none: returned for review, send it "
                         "again without the value"))
    return out


def _decider_checks(f: FieldDef, decider: str | None) -> list[Check]:
    """An item ``decided_by_sender``: the row's deciding body is the agency sending it."""
    if decider is None or f.role != "deciding_agency_uscc":
        return []
    return [Check("not_decided_by_sender", pl.col(f.code).is_not_null() & (pl.col(f.code).str.to_uppercase() != decider),
                  "认定部门须为报送单位本身：名单由认定部门依其程序认定后自行报送，不能代其他单位报送",
                  "the deciding body must be the sending agency: a listing is sent by the body that decided it "
                  "after its own procedure, never for another")]


def _field_checks(f: FieldDef, item: CatalogueItem, received_on: dt.date) -> list[Check]:
    c = pl.col(f.code)
    out = []
    if f.required:
        out.append(Check("required", c.is_null(), "必填项为空", "mandatory value is empty"))
    if f.max_length:
        out.append(Check("too_long", c.str.len_chars() > f.max_length, f"超过最大长度{f.max_length}个字符",
                         f"longer than {f.max_length} characters"))
    out += _type_checks(f, c)
    out += _role_checks(f, item, received_on)
    return out


def _type_checks(f: FieldDef, c: pl.Expr) -> list[Check]:
    present = c.is_not_null()
    if f.multiple:
        bad = pl.col(f"__list_{f.code}").list.eval(pl.element().filter(~pl.element().is_in(list(f.codes))))
        return [Check("not_in_code_table", present & (bad.list.len() > 0), "不在代码表中：{}",
                      "not in the code table: {}", bad.list.join("、"), bad.list.join(", "))]
    if f.type in ("enum", "subject_kind"):
        return [Check("not_in_code_table", present & ~c.is_in(list(f.codes)),
                      f"不在代码表中（允许值：{'、'.join(f.codes)}）",
                      f"not in the code table (allowed: {', '.join(f.codes)})")]
    if f.type == "date":
        return [Check("bad_date", present & pl.col(f"__date_{f.code}").is_null(),
                      "日期无法识别或不存在（应为 YYYY-MM-DD、YYYY/MM/DD 或 YYYYMMDD）",
                      "not a valid date (use YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD)")]
    if f.type == "decimal":
        number = pl.col(f"__num_{f.code}")
        return [Check("bad_number", present & number.is_null(), "不是有效数字", "not a valid number"),
                Check("negative", number < 0, "不能为负数", "must not be negative")]
    if f.type == "uscc":
        return [_identifier_check("bad_uscc", present, f, "统一社会信用代码", "USCC")]
    if f.type == "resident_id":
        return [_identifier_check("bad_resident_id", present, f, "居民身份证号码", "resident ID number")]
    return []


def _identifier_check(code: str, when: pl.Expr, f: FieldDef, zh: str, en: str) -> Check:
    problem = pl.col(f"__problem_{f.code}")
    return Check(code, when & problem.is_not_null(), f"{zh}无效：{{}}", f"invalid {en}: {{}}",
                 problem.replace_strict({k: v[0] for k, v in ID_REASONS.items()}, default="", return_dtype=STR),
                 problem.replace_strict({k: v[1] for k, v in ID_REASONS.items()}, default="", return_dtype=STR))


def _role_checks(f: FieldDef, item: CatalogueItem, received_on: dt.date) -> list[Check]:
    """National 双公示 rules that span fields, attached to the field to be corrected."""
    c, kind = pl.col(f.code), _meaning(item, "subject_kind")
    if f.role == "subject_uscc":
        others = [pl.col(o.code).is_not_null() for o in item.fields_by_role("subject_other_code")]
        any_other = pl.any_horizontal([*others, _col(item, "subject_id_number").is_not_null()])
        return [Check("uscc_required_for_kind", (kind == "legal_person") & c.is_null(),
                      "法人及非法人组织必须填写统一社会信用代码",
                      "a legal person or unincorporated organisation must carry its USCC"),
                Check("code_required_for_kind", (kind == "individual_business") & c.is_null() & ~any_other,
                      "个体工商户须填写统一社会信用代码或其他行政相对人代码",
                      "an individual business must carry its USCC or another subject code")]
    if f.role == "subject_kind":
        return _identifiable_checks(c, item, kind)
    if f.role in ("subject_id_type", "subject_id_number"):
        other = _col(item, "subject_id_number" if f.role == "subject_id_type" else "subject_id_type")
        out = [Check("id_required_for_kind", (kind == "natural_person") & c.is_null(),
                     "自然人必须填写证件类型和证件号码", "a natural person must carry a document type and number"),
               Check("id_incomplete", c.is_null() & other.is_not_null(),
                     "证件类型与证件号码须同时填写", "document type and number must be given together")]
        return out + _resident_id_checks(f, item, "subject")
    if f.role == "legal_rep_id_number":
        return _resident_id_checks(f, item, "legal_rep")
    if f.role == "decision_date":
        return [Check("future_date", pl.col(f"__date_{f.code}") > pl.lit(received_on),
                      f"决定日期晚于接收日期（{received_on.isoformat()}）",
                      f"decision date is after the date of receipt ({received_on.isoformat()})")]
    if f.role == "valid_to" and item.field_by_role("decision_date"):
        start = pl.col(f"__date_{item.field_by_role('decision_date').code}")
        return [Check("valid_to_before_decision", pl.col(f"__date_{f.code}") < start,
                      "有效期早于决定日期", "validity ends before the decision date")]
    if f.role == "decision_no":
        first = pl.col("__first_row")  # joined onto the failed rows only (see _rejections)
        return [Check("duplicate_in_batch", c.is_not_null() & ~c.is_first_distinct(),
                      "与本批第{}行重复", "duplicates row {} of this batch",
                      first.cast(STR), first.cast(STR))]
    return []


# the column that identifies a subject of each kind (an individual business may use other codes)
IDENTIFYING = {"natural_person": "subject_id_number", "legal_person": "subject_uscc",
               "individual_business": "subject_uscc"}


def _identifiable_checks(c: pl.Expr, item: CatalogueItem, kind: pl.Expr) -> list[Check]:
    """A kind whose identifying column the item lacks (e.g. a natural person where the item has
    no 证件号码) can only be taken with some other identifier; with none the row goes back,
    rather than reach a subject that cannot be found or made."""
    uncovered = [k for k, role in IDENTIFYING.items() if item.field_by_role(role) is None]
    if not uncovered:
        return []
    present = [_col(item, r).is_not_null() for r in ("subject_uscc", "subject_id_number")]
    present += [pl.col(o.code).is_not_null() for o in item.fields_by_role("subject_other_code")]
    return [Check("kind_not_identifiable", c.is_not_null() & kind.is_in(uncovered) & ~pl.any_horizontal(present),
                  "本信息项没有可识别该类主体的代码列，须填写统一社会信用代码或其他主体代码",
                  "this item has no column identifying a subject of this kind: give a USCC or another subject code")]


def _resident_id_checks(f: FieldDef, item: CatalogueItem, who: str) -> list[Check]:
    if f.role != f"{who}_id_number":
        return []
    is_card = _meaning(item, f"{who}_id_type") == "resident_id"
    return [_identifier_check("bad_resident_id", is_card & pl.col(f.code).is_not_null(), f,
                              "居民身份证号码", "resident ID number")]


def _error_expr(code: str, checks: list[Check]) -> pl.Expr:
    expr = pl.when(checks[0].cond.fill_null(False)).then(pl.lit(checks[0].code))
    for ch in checks[1:]:
        expr = expr.when(ch.cond.fill_null(False)).then(pl.lit(ch.code))
    return expr.otherwise(pl.lit(None, STR))


def _reason(checks: list[Check], lang: str) -> pl.Expr:
    expr = None
    for ch in checks:
        template, detail = (ch.zh, ch.detail_zh) if lang == "zh" else (ch.en, ch.detail_en)
        text = pl.format(template, detail) if detail is not None else pl.lit(template)
        cond = pl.col("reason_code") == ch.code
        expr = pl.when(cond).then(text) if expr is None else expr.when(cond).then(text)
    return expr.otherwise(pl.lit(None, STR))


def _rejections(work, item, mapping, checks) -> pl.DataFrame:
    """One row per failing (row, field); only the failing rows and the columns their
    reasons need are touched."""
    checked = [f for f in item.fields if checks[f.code]]
    counts = work.select(pl.col(f"__err_{f.code}").is_not_null().sum() for f in checked).row(0)
    frames = []
    for f, count in zip(checked, counts):
        if not count:
            continue
        details = [e for ch in checks[f.code] for e in (ch.detail_zh, ch.detail_en) if e is not None]
        needed = {"row_no", f.code, f"__err_{f.code}"} | {n for e in details for n in e.meta.root_names()}
        needed.discard("__first_row")
        failed = work.select(sorted(needed)).filter(pl.col(f"__err_{f.code}").is_not_null())
        if f.role == "decision_no":
            firsts = work.select("row_no", f.code).filter(pl.col(f.code).is_first_distinct())
            failed = failed.join(firsts.rename({"row_no": "__first_row"}), on=f.code, how="left")
        value = mask_identifier_expr(pl.col(f.code)) if f.sensitive else pl.col(f.code)
        value = pl.when(pl.col("reason_code").is_in(screening.HIDDEN_REASONS)).then(pl.lit(None, STR)).otherwise(value)
        frames.append(failed.with_columns(reason_code=pl.col(f"__err_{f.code}")).select(
            pl.col("row_no"), pl.lit(mapping.get(f.code, f.header_zh)).alias("field"),
            value.alias("value"), pl.col("reason_code"),
            _reason(checks[f.code], "zh").alias("reason"), _reason(checks[f.code], "en").alias("reason_en")))
    if not frames:
        return pl.DataFrame(schema=REJECTION_SCHEMA)
    return pl.concat(frames).cast(REJECTION_SCHEMA).sort("row_no", maintain_order=True)


# ------------------------------------------------------------------ accepted rows
# the accepted rows' columns, in order; those only a record stores (none decides a row's acceptance
# or its subject) can be made later (validate's defer_stored)
ACCEPTED_COLUMNS = ("row_no", "subject_kind", "subject_name", "subject_uscc", "subject_resident_id",
                    "subject_other_id", "legal_rep_name", "legal_rep_resident_id", "decision_no", "decision_date",
                    "valid_to", "severity", "severity_basis", "source_agency_uscc", "deciding_agency_uscc",
                    "fields_json")
STORED_ONLY = ("severity", "severity_basis", "fields_json")


def _accepted(ok: pl.DataFrame, item: CatalogueItem, mapping, profile, stored: bool = True) -> pl.DataFrame:
    """The accepted rows' columns; without ``stored``, all but STORED_ONLY."""
    def date_of(role: str) -> pl.Expr:
        f = item.field_by_role(role)
        return pl.col(f"__date_{f.code}") if f else pl.lit(None, pl.Date)

    def norm_of(role: str) -> pl.Expr:
        f = item.field_by_role(role)
        return pl.col(f"__norm_{f.code}") if f else pl.lit(None, STR)

    sid_type, sid_no = _col(item, "subject_id_type"), _col(item, "subject_id_number")
    sid_card = (_meaning(item, "subject_id_type") == "resident_id").fill_null(False)
    rep_card = (_meaning(item, "legal_rep_id_type") == "resident_id").fill_null(False)
    columns = {
        "row_no": pl.col("row_no").cast(pl.Int64),
        "subject_kind": _meaning(item, "subject_kind"),
        "subject_name": _col(item, "subject_name"),
        "subject_uscc": norm_of("subject_uscc"),
        "subject_resident_id": pl.when(sid_card).then(norm_of("subject_id_number")),
        "subject_other_id": pl.when(~sid_card & sid_no.is_not_null()).then(pl.format("{}:{}", sid_type, sid_no)),
        "legal_rep_name": _col(item, "legal_rep_name"),
        "legal_rep_resident_id": pl.when(rep_card).then(norm_of("legal_rep_id_number")),
        "decision_no": _col(item, "decision_no"),
        "decision_date": date_of("decision_date"),
        "valid_to": date_of("valid_to"),
        "source_agency_uscc": norm_of("source_agency_uscc"),
        "deciding_agency_uscc": norm_of("deciding_agency_uscc"),
    }
    query = ok.lazy()
    if stored:
        query = _with_severity(query, ok, item, profile)
        columns |= _stored_exprs(ok, item, mapping)
    return _strings(frames.collect(query.select(columns[n].alias(n) for n in ACCEPTED_COLUMNS if n in columns)))


def _stored_only(ok: pl.DataFrame, item: CatalogueItem, mapping, profile) -> pl.DataFrame:
    """row_no and the STORED_ONLY columns of the accepted rows (what ``_accepted`` leaves out
    without ``stored``)."""
    stored = _stored_exprs(ok, item, mapping)
    return _strings(frames.collect(_with_severity(ok.lazy(), ok, item, profile).select(
        pl.col("row_no").cast(pl.Int64), *(stored[n].alias(n) for n in STORED_ONLY))))


def _stored_exprs(ok: pl.DataFrame, item: CatalogueItem, mapping) -> dict[str, pl.Expr]:
    """The STORED_ONLY columns, over a frame with the severity's columns (``_with_severity``)."""
    return {"severity": pl.col("__severity"), "severity_basis": pl.col("__severity_basis"),
            "fields_json": _fields_json(item, mapping, ok)}


def _with_severity(query: pl.LazyFrame, ok: pl.DataFrame, item: CatalogueItem, profile) -> pl.LazyFrame:
    explicit = (_meaning(item, "explicit_severity"), _col(item, "explicit_severity"))
    ranks, severity = severity_exprs(ok, item, profile, *explicit)
    return query.with_columns(ranks).with_columns(severity)


def _strings(out: pl.DataFrame) -> pl.DataFrame:
    """Columns of nothing but nulls (a field the item lacks) as text."""
    strings = [c for c, t in out.schema.items() if t == pl.Null]
    return out.with_columns(pl.col(strings).cast(STR)) if strings else out


# fields kept as typed record columns or resolved into lineage and subject: not repeated in
# the JSON (a smaller row is a faster bulk load)
STORED_ROLES = frozenset({"decision_no", "decision_date", "valid_to", "source_agency_uscc", "subject_uscc",
                          "subject_kind"})


def _fields_json(item: CatalogueItem, mapping: dict[str, str], ok: pl.DataFrame) -> pl.Expr:
    """{field code: value} for catalogue fields in the file, minus sensitive identifiers,
    fields stored as typed columns (STORED_ROLES) and empty cells; dates ISO, several codes joined with 、. Built as text: codes are snake_case
    and values are escaped per RFC 8259 (quote, backslash, control characters) in the
    columns that hold any such character."""
    present = sorted((f for f in item.fields if f.code in mapping and not f.sensitive and f.role not in STORED_ROLES),
                     key=lambda f: f.code)   # sorted keys: the text is the canonical JSON the leaves hash
    texts = [f.code for f in present if f.type not in ("date", "decimal", "enum", "subject_kind", "uscc")]
    # accepted rows hold no control character but tab and line breaks (every field's
    # control_character check), so those and the quote and backslash are all there is to look
    # for: a class of five characters is scanned ~4x faster than one of the 34 escaped ones
    flags = ok.select(pl.col(texts).str.contains(_ESCAPED_IN_ACCEPTED).any()).row(0) if texts else ()
    escape = {code for code, flag in zip(texts, flags) if flag}
    parts = []
    for f in present:
        if f.type == "date":
            value = pl.col(f"__date_{f.code}").dt.to_string("%Y-%m-%d")
        elif f.multiple and f.value_aliases:
            value = pl.col(f"__list_{f.code}").list.join("、")
        elif f.multiple:  # same result as joining the list, without building it again
            value = pl.col(f.code).str.replace_all(KIND_SEPARATORS, "、").str.strip_chars("、")
        else:
            value = pl.col(f.code)
        if f.code in escape:
            value = value.str.replace_many(_JSON_ESCAPES)
        parts.append(pl.concat_str([pl.lit(f'"{f.code}":"'), value, pl.lit('"')]))
    if not parts:
        return pl.lit("{}")
    body = pl.concat_str(parts, separator=",", ignore_nulls=True)
    return pl.concat_str([pl.lit("{"), body, pl.lit("}")])


_JSON_ESCAPES = PY_JSON_ESCAPES   # as Python's json escapes them: the text is canonical JSON
_ESCAPED_IN_ACCEPTED = r'[\\"\t\n\r]'   # what of _JSON_ESCAPES an accepted cell can hold
