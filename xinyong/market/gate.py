"""The market gate on every batch (xinyong/ingest/gates.py): market items only from an approved
provider (and a credit reporting item only from a licensed one, FZ art. 10 para. 3), public items
never from a provider; each market row only under its subject's written authorisation to the
provider for the item in force on the day of submission (QZ art. 12 para. 2) — one query per
batch part, the rest a vectorised membership test."""
from __future__ import annotations

import datetime as dt

import polars as pl

from xinyong.ingest.rules import REJECTION_SCHEMA
from xinyong.law import active_profile
from xinyong.market import repository, rules

REASON_CODE = "no_market_authorisation"


def _policy(today: dt.date) -> rules.MarketPolicy | None:
    try:
        return rules.policy(active_profile(), today)
    except LookupError:   # RuleNotInForce: the profile has no market rules that day
        return None


def refusal(session, agency, item, today: dt.date) -> tuple[str, ...] | None:
    """(code, the API's "zh / en" message, zh, en), or None."""
    pol = _policy(today)
    if pol is None:
        zh, en = "该日没有生效的市场信用信息规则，批次不予接收", "no market information rules are in force on that day; batch refused"
        return None if item.source != "market" else ("market_rules_not_in_force", f"{zh} / {en}", zh, en)
    # only organisations of a provider kind can be one: a public body's batch costs no query
    provider = repository.provider_of_agency(session, agency.id) if agency.kind in pol.org_kinds else None
    decided = rules.check_item_for_provider(
        pol, item_source=item.source, item_credit_reporting=item.credit_reporting,
        provider_status=provider.status if provider else None,
        licence=provider.credit_reporting_licence if provider else None)
    return None if decided.allowed else (decided.code, f"{decided.reason_zh} / {decided.reason_en}", decided.reason_zh,
                                         decided.reason_en)


def screen(session, agency, item, accepted: pl.DataFrame, today: dt.date) -> tuple[pl.DataFrame, pl.DataFrame]:
    if item.source != "market":
        return accepted, pl.DataFrame(schema=REJECTION_SCHEMA)
    pol = rules.policy(active_profile(), today)
    provider = repository.provider_of_agency(session, agency.id)   # refusal() let only a provider through
    authorised = repository.authorised_usccs(session, provider.id, item.code, today)
    keys = pl.DataFrame({"subject_uscc": sorted(authorised)}, schema={"subject_uscc": pl.String})
    kept = accepted.join(keys, on="subject_uscc", how="semi", maintain_order="left")
    zh, en = rules.no_authorisation_reason(pol, agency.name, item.name_zh)
    returned = accepted.join(keys, on="subject_uscc", how="anti", nulls_equal=False, maintain_order="left").select(
        pl.col("row_no").cast(pl.Int64), pl.lit("subject_uscc").alias("field"),
        pl.col("subject_uscc").fill_null("").alias("value"), pl.lit(REASON_CODE).alias("reason_code"),
        pl.lit(zh).alias("reason"), pl.lit(en).alias("reason_en"))
    return kept, returned.cast(REJECTION_SCHEMA)
