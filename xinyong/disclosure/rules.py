"""Publicity windows of 双公示 records: when a penalty or licence is shown to the public.

Pure functions, no I/O. The periods come from the law profile (rules ``publicity.penalty``
and ``publicity.licence``); the version applied is the one in force on the record's decision
date, and periods are counted from that date. Windows are half-open: a record is public
while ``start <= day < end``; ``end`` None means no end. A record that is not published has
``start == end == decision_date`` (never public).
"""
from __future__ import annotations

import calendar
import re
import datetime as dt
from dataclasses import dataclass

import polars as pl

from xinyong.law import Citation, Profile, Rule, RuleNotInForce

PENALTY_KEY = "publicity.penalty"
LICENCE_KEY = "publicity.licence"
SEVERITIES = ("minor", "general", "serious")
OUTPUT_COLUMNS = ("publicity_published", "publicity_start", "publicity_end",
                  "publicity_min_end", "publicity_citation")


@dataclass(frozen=True)
class PublicityDecision:
    published: bool
    start: dt.date | None
    end: dt.date | None  # exclusive; None = no end
    min_end: dt.date | None  # earliest day repair may end publication (None: not applicable)
    citation: Citation
    reason: str


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar-month addition clamped to the month's last day (2026-01-31 + 1 = 2026-02-28).

    Agrees with polars ``dt.offset_by("<n>mo")``, which the frame functions use.
    """
    if months < 0:
        raise ValueError(f"months must be >= 0, got {months}")
    years, month0 = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month0 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def is_public(decision: PublicityDecision | tuple[dt.date | None, dt.date | None],
              day: dt.date) -> bool:
    """Whether a window shows its record on ``day`` (start inclusive, end exclusive)."""
    if isinstance(decision, PublicityDecision):
        start, end = decision.start, decision.end
    else:
        start, end = decision
    return start is not None and start <= day and (end is None or day < end)


def is_public_expr(day: dt.date, start: str = "publicity_start",
                   end: str = "publicity_end") -> pl.Expr:
    """The frame form of ``is_public`` over the output columns."""
    lit = pl.lit(day, dtype=pl.Date)
    return (pl.col(start) <= lit) & (pl.col(end).is_null() | (lit < pl.col(end)))


# --- penalties ------------------------------------------------------------------------------

def _penalty_terms(rule: Rule, severity: str, sector: str | None) -> tuple[bool, int, int, int]:
    """(published, effective minimum, maximum, sector minimum) in months for one record."""
    spec = rule.value["by_severity"][severity]
    sector_min = int(rule.value["sector_min_months"].get(sector, 0)) if sector else 0
    low, high = int(spec["min_months"]), int(spec["max_months"])
    return bool(spec["published"]), min(max(low, sector_min), high), high, sector_min


def _applied_note(profile: Profile, rule: Rule, on: dt.date) -> str:
    reg = profile.regulations[rule.citation.regulation_id]
    if reg.effective_from and on < reg.effective_from:
        return f" (periods of {reg.label} applied by profile choice; it was not yet in force)"
    return ""


def penalty_publicity(decision_date: dt.date, severity: str, profile: Profile,
                      sector: str | None = None) -> PublicityDecision:
    """Window of a penalty record under the rule in force on its decision date.

    National overlay: NDRC Order 58 (2023-05-01..2026-03-31; 3 months to 3 years, 1 year
    minimum in listed sectors) and NDRC Order 36 ch. 2 (from 2026-04-01; by severity, QZ
    art. 22 classes). Publication ends at the maximum; repair may end it after the minimum.
    """
    if severity not in SEVERITIES:
        raise ValueError(f"severity must be one of {', '.join(SEVERITIES)}, got {severity!r}")
    rule = profile.rule(PENALTY_KEY, on=decision_date)
    published, low, high, sector_min = _penalty_terms(rule, severity, sector)
    label = rule.regulation_label or rule.citation.regulation_id
    head = f"{severity} penalty decided {decision_date.isoformat()}"
    note = _applied_note(profile, rule, decision_date)
    if not published:
        return PublicityDecision(False, decision_date, decision_date, decision_date,
                                 rule.citation, f"{head}: not published under {label}{note}")
    end, min_end = add_months(decision_date, high), add_months(decision_date, low)
    sector_txt = f", {sector} sector minimum {sector_min} months" if sector_min else ""
    reason = (f"{head}: {low}–{high} months under {label}{sector_txt}{note}; "
              f"public until {end.isoformat()} (exclusive); "
              f"repair may end it from {min_end.isoformat()}")
    return PublicityDecision(True, decision_date, end, min_end, rule.citation, reason)


def _require(df: pl.DataFrame, columns: dict[str, tuple[type, ...]]) -> None:
    for name, dtypes in columns.items():
        if name not in df.columns:
            raise ValueError(f"missing column {name!r} (have: {', '.join(df.columns)})")
        if not isinstance(df.schema[name], dtypes):
            raise TypeError(f"column {name!r} must be {dtypes[0].__name__}, got {df.schema[name]}")


def _in_force(rule: Rule, column: str = "decision_date") -> pl.Expr:
    cond = pl.col(column).is_not_null()
    if rule.effective_from is not None:
        cond = cond & (pl.col(column) >= pl.lit(rule.effective_from, dtype=pl.Date))
    if rule.effective_to is not None:
        cond = cond & (pl.col(column) <= pl.lit(rule.effective_to, dtype=pl.Date))
    return cond


def _check_coverage(df: pl.DataFrame, profile: Profile, key: str, versions: list[Rule]) -> None:
    """Every dated row must fall under some version: same failure as the scalar lookup."""
    covered = pl.lit(False)
    for rule in versions:
        covered = covered | _in_force(rule)
    orphans = df.filter(pl.col("decision_date").is_not_null() & ~covered)
    if orphans.height:
        first = orphans.get_column("decision_date").min()
        raise RuleNotInForce(key, first, profile.name,
                             f"{orphans.height} row(s) dated outside every version")


def _switch(branches: list[tuple[pl.Expr, pl.Expr]], dtype: pl.DataType) -> pl.Expr:
    """One expression choosing, per row, the branch whose rule version is in force."""
    if not branches:
        return pl.lit(None, dtype=dtype)
    expr = pl.when(branches[0][0]).then(branches[0][1])
    for cond, value in branches[1:]:
        expr = expr.when(cond).then(value)
    return expr.otherwise(pl.lit(None, dtype=dtype))


def _penalty_branch(rule: Rule, has_sector: bool) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    by_sev = rule.value["by_severity"]
    sev = pl.col("severity").cast(pl.String)
    published = sev.replace_strict({s: bool(by_sev[s]["published"]) for s in SEVERITIES},
                                   default=None, return_dtype=pl.Boolean)
    low = sev.replace_strict({s: int(by_sev[s]["min_months"]) for s in SEVERITIES},
                             default=None, return_dtype=pl.Int64)
    high = sev.replace_strict({s: int(by_sev[s]["max_months"]) for s in SEVERITIES},
                              default=None, return_dtype=pl.Int64)
    sectors = {k: int(v) for k, v in (rule.value.get("sector_min_months") or {}).items()}
    if has_sector and sectors:
        sector_min = pl.col("sector").cast(pl.String).replace_strict(sectors, default=0, return_dtype=pl.Int64)
        low = pl.max_horizontal(low, sector_min)
    return published, pl.min_horizontal(low, high), high


def penalty_publicity_frame(df: pl.DataFrame, profile: Profile, key: str = PENALTY_KEY) -> pl.DataFrame:
    """Vectorised ``penalty_publicity``: one expression branch per rule version, no row loop.

    Input: decision_date (Date), severity (Utf8), optional sector (Utf8). Adds the
    OUTPUT_COLUMNS. Rows without a decision date get nulls; an unknown or missing severity
    on a dated row raises ValueError; a date no version covers raises RuleNotInForce.
    """
    _require(df, {"decision_date": (pl.Date,), "severity": (pl.String, pl.Null)})
    if "sector" in df.columns:
        _require(df, {"sector": (pl.String, pl.Null)})
    versions = profile.versions(key)
    _check_coverage(df, profile, key, versions)
    bad = df.filter(pl.col("decision_date").is_not_null()
                    & ~pl.col("severity").cast(pl.String).is_in(list(SEVERITIES)).fill_null(False))
    if bad.height:
        found = sorted({str(s) for s in bad.get_column("severity").to_list()})
        raise ValueError(f"{bad.height} row(s) with severity not in {SEVERITIES}: {found[:5]}")
    has_sector = "sector" in df.columns
    parts = [(_in_force(r), *_penalty_branch(r, has_sector), pl.lit(str(r.citation)))
             for r in versions]
    date = pl.col("decision_date")
    tmp = df.with_columns(
        _switch([(p[0], p[1]) for p in parts], pl.Boolean).alias("__pub"),
        _switch([(p[0], p[2]) for p in parts], pl.Int64).alias("__lo"),
        _switch([(p[0], p[3]) for p in parts], pl.Int64).alias("__hi"),
        _switch([(p[0], p[4]) for p in parts], pl.String).alias("__cite"),
    )
    pub = pl.col("__pub")
    return tmp.with_columns(
        publicity_published=pub,
        publicity_start=date,
        publicity_end=pl.when(pub).then(date.dt.offset_by(pl.format("{}mo", pl.col("__hi"))))
        .otherwise(date),
        publicity_min_end=pl.when(pub).then(date.dt.offset_by(pl.format("{}mo", pl.col("__lo"))))
        .otherwise(date),
        publicity_citation=pl.col("__cite"),
    ).drop("__pub", "__lo", "__hi", "__cite")


# --- licences -------------------------------------------------------------------------------

def licence_publicity(decision_date: dt.date, valid_to: dt.date | None,
                      profile: Profile, key: str = LICENCE_KEY) -> PublicityDecision:
    """Window of a licence record: public from its decision date through its 有效期至.

    National 双公示 data standard: 2099-12-31 (the rule's long_term_date) means long-term;
    without a valid-to date the record is public with no end (or ``default_months``).
    """
    rule = profile.rule(key, on=decision_date)
    long_term = dt.date.fromisoformat(rule.value["long_term_date"])
    months = rule.value.get("default_months")
    head = f"licence decided {decision_date.isoformat()}"
    under = f"under {rule.regulation_label or rule.citation.regulation_id}"
    if valid_to is None:
        end = add_months(decision_date, months) if months is not None else None
        tail = f"public until {end.isoformat()} (exclusive)" if end else "public with no end"
        if end is not None and end <= decision_date:
            return PublicityDecision(False, decision_date, decision_date, None, rule.citation,
                                     f"{head} without a valid-to date: not published {under}")
        return PublicityDecision(True, decision_date, end, None, rule.citation,
                                 f"{head} without a valid-to date: {tail} {under}")
    if valid_to >= long_term:
        return PublicityDecision(True, decision_date, None, None, rule.citation,
                                 f"{head}, valid long-term ({valid_to.isoformat()}): "
                                 f"public with no end {under}")
    if valid_to < decision_date:
        return PublicityDecision(False, decision_date, decision_date, None, rule.citation,
                                 f"{head}: valid-to {valid_to.isoformat()} is before the "
                                 f"decision date, not published {under}")
    end = valid_to + dt.timedelta(days=1)
    return PublicityDecision(True, decision_date, end, None, rule.citation,
                             f"{head}, valid to {valid_to.isoformat()}: public through that "
                             f"day (until {end.isoformat()} exclusive) {under}")


def _licence_end(rule: Rule) -> pl.Expr:
    date, valid_to = pl.col("decision_date"), pl.col("valid_to").cast(pl.Date)
    months = rule.value.get("default_months")
    no_date_end = (date.dt.offset_by(f"{int(months)}mo") if months is not None
                   else pl.lit(None, dtype=pl.Date))
    long_term = pl.lit(dt.date.fromisoformat(rule.value["long_term_date"]), dtype=pl.Date)
    return (pl.when(valid_to.is_null()).then(no_date_end)
            .when(valid_to >= long_term).then(pl.lit(None, dtype=pl.Date))
            .otherwise(valid_to + pl.duration(days=1)))


def licence_publicity_frame(df: pl.DataFrame, profile: Profile, key: str = LICENCE_KEY) -> pl.DataFrame:
    """Vectorised ``licence_publicity``. Input: decision_date (Date), valid_to (Date, nullable).

    Adds the OUTPUT_COLUMNS; publicity_min_end is always null (repair does not apply).
    """
    _require(df, {"decision_date": (pl.Date,), "valid_to": (pl.Date, pl.Null)})
    versions = profile.versions(key)
    _check_coverage(df, profile, key, versions)
    date = pl.col("decision_date")
    tmp = df.with_columns(
        _switch([(_in_force(r), _licence_end(r)) for r in versions], pl.Date).alias("__end"),
        _switch([(_in_force(r), pl.lit(str(r.citation))) for r in versions],
                pl.String).alias("__cite"),
    )
    end = pl.col("__end")
    published = pl.when(date.is_null()).then(pl.lit(None, dtype=pl.Boolean)) \
        .otherwise(end.is_null() | (end > date))
    return tmp.with_columns(
        publicity_published=published,
        publicity_start=date,
        publicity_end=pl.when(published).then(end).otherwise(date),
        publicity_min_end=pl.lit(None, dtype=pl.Date),
        publicity_citation=pl.col("__cite"),
    ).drop("__end", "__cite")


def penalty_sector_frame(df: pl.DataFrame, profile: Profile, on: dt.date, key: str = "sector.penalty") -> pl.DataFrame:
    """Add `sector` read from the cited law (rule `sector.penalty`, NDRC Order 58's sector
    minimums). Input: `fields_json` (the record's catalogue fields as JSON). Set-based."""
    rule = profile.rule(key, on=on)
    # the value of one key of the record's flat JSON, by pattern (no JSON parse per row)
    key = re.escape(rule.value["field"])
    basis = pl.col("fields_json").str.extract(rf'"{key}":"((?:[^"\\]|\\.)*)"', 1).fill_null("")
    # extracted once into a column: inside each keyword's test the regex ran once per keyword
    # (9 passes over ~800 MB of JSON for a 1M-row batch, ~5 s)
    expr = pl.lit(None, dtype=pl.String)
    for sector, words in reversed(list(rule.value["keywords"].items())):
        hit = pl.any_horizontal([pl.col("__basis").str.contains(w, literal=True) for w in words])
        expr = pl.when(hit).then(pl.lit(sector)).otherwise(expr)
    return df.with_columns(basis.alias("__basis")).with_columns(expr.alias("sector")).drop("__basis")


# --- any catalogue item ----------------------------------------------------------------------

def rule_shape(rule: Rule) -> str:
    """How a publicity rule reads: ``by_severity`` (periods by severity class, counted from the
    decision date: penalties and other dishonesty information) or ``valid_to`` (public from the
    decision date through the record's valid-to date: licences, listings until removal)."""
    if "by_severity" in rule.value:
        return "by_severity"
    if rule.value.get("until") == "valid_to":
        return "valid_to"
    raise ValueError(f"publicity rule {rule.key} ({rule.citation}) has neither by_severity nor until: valid_to")


def item_publicity_frame(df: pl.DataFrame, profile: Profile, key: str, on: dt.date) -> pl.DataFrame:
    """The window of any catalogue item's records under its publicity rule ``key``, by the rule's
    shape (one mechanism for every item: a new item needs a rule, not code). A ``by_severity``
    rule with a companion ``sector.<name>`` rule in force reads the sector first (Order 58)."""
    versions = profile.versions(key)
    if not versions:
        raise RuleNotInForce(key, on, profile.name, "the profile has no version of this rule")
    shapes = {rule_shape(r) for r in versions}
    if len(shapes) != 1:
        raise ValueError(f"publicity rule {key}: versions of different shapes {sorted(shapes)}")
    if shapes == {"valid_to"}:
        return licence_publicity_frame(df, profile, key)
    sector_key = "sector." + key.split(".", 1)[-1]
    if "sector" not in df.columns and "fields_json" in df.columns and profile.versions(sector_key):
        df = penalty_sector_frame(df, profile, on, sector_key)
    return penalty_publicity_frame(df, profile, key)
