"""Pure rules of market credit information (市场信用信息). No I/O; every decision carries the
article it rests on, read from the profile (xinyong/law/profiles/*.d/market.yaml):

- who may provide it, with what business scope (QZ art. 12 para. 1; FZ art. 10 para. 1);
- collection that is credit reporting business needs a licence (FZ art. 10 para. 3);
- a row is accepted only under the subject's written authorisation to that provider for that
  item in force on the day of submission (QZ art. 12 para. 2);
- a provider publishes its objection rules and channel (QZ art. 34 para. 2);
- what a provider shares is shown to anyone only under the subject's authorisation to publish it
  (QZ art. 15 item 3: nothing not authorised for publication is disclosed)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from xinyong.kit.names import Name
from xinyong.law.loader import Profile


@dataclass(frozen=True)
class Decision:
    allowed: bool
    code: str = "ok"
    reason_zh: str = ""
    reason_en: str = ""
    citation: str = ""
    field: str | None = None


OK = Decision(True)


@dataclass(frozen=True)
class Scope:
    code: str
    name: Name
    credit_reporting: bool


@dataclass(frozen=True)
class MarketPolicy:
    org_kinds: tuple[str, ...]
    scopes: dict[str, Scope]
    rules_min_chars: int
    providers_citation: str
    max_years: int
    wording: Name
    authorisation_citation: str
    label: Name
    counted_in_evaluation: bool
    display_citation: str
    channel_required: bool
    channel_citation: str
    credit_reporting_citation: str
    publication_wording: Name
    publication_citation: str


def policy(profile: Profile, on: dt.date) -> MarketPolicy:
    """The market rules in force on ``on`` (RuleNotInForce when one is missing)."""
    prov, auth = profile.rule("market.providers", on), profile.rule("market.authorisation", on)
    disp, chan = profile.rule("market.display", on), profile.rule("market.objection_channel", on)
    cr, pub = profile.rule("market.credit_reporting", on), profile.rule("market.publication", on)
    scopes = {code: Scope(code, Name(zh=s["zh"], en=s["en"]), bool(s.get("credit_reporting", False)))
              for code, s in prov.value["scopes"].items()}
    return MarketPolicy(
        org_kinds=tuple(prov.value["org_kinds"]), scopes=scopes, rules_min_chars=int(prov.value["rules_min_chars"]),
        providers_citation=str(prov.citation), max_years=int(auth.value["max_years"]),
        wording=Name(**auth.value["wording"]), authorisation_citation=str(auth.citation),
        label=Name(**disp.value["label"]), counted_in_evaluation=bool(disp.value["counted_in_evaluation"]),
        display_citation=str(disp.citation), channel_required=bool(chan.value["required"]),
        channel_citation=str(chan.citation), credit_reporting_citation=str(cr.citation),
        publication_wording=Name(**pub.value["wording"]), publication_citation=str(pub.citation))


# ---- providers ---------------------------------------------------------------------------------

def check_application(pol: MarketPolicy, *, org_kind: str, scope: list[str], licence: str | None,
                      objection_rules: str, objection_channel: str) -> Decision:
    """An organisation applying to provide market credit information."""
    if org_kind not in pol.org_kinds:
        return Decision(False, "provider_kind", f"该类机构不能登记为市场信用信息提供单位（{pol.providers_citation}）",
                        f"an organisation of kind {org_kind} cannot register as a provider ({pol.providers_citation})",
                        pol.providers_citation, "kind")
    unknown = [s for s in scope if s not in pol.scopes]
    if not scope or unknown:
        return Decision(False, "provider_scope", "请从所列业务范围中选择", "business scope: choose from the listed scopes",
                        pol.providers_citation, "scope")
    reporting = [s for s in scope if pol.scopes[s].credit_reporting]
    if reporting and not (licence or "").strip():
        names = "、".join(pol.scopes[s].name.zh for s in reporting)
        return Decision(False, "credit_reporting_unlicensed",
                        f"业务范围「{names}」属于征信业务，未取得征信业务许可或备案的，不予登记（{pol.credit_reporting_citation}）",
                        f"the scope {', '.join(reporting)} is credit reporting business; without a credit reporting "
                        f"licence or filing it is refused ({pol.credit_reporting_citation})",
                        pol.credit_reporting_citation, "scope")
    if pol.channel_required and (len(objection_rules.strip()) < pol.rules_min_chars or not objection_channel.strip()):
        return Decision(False, "objection_channel", f"请公开异议处理规则和渠道（{pol.channel_citation}）",
                        f"state the objection rules (at least {pol.rules_min_chars} characters) and the channel "
                        f"({pol.channel_citation})", pol.channel_citation, "objection_rules")
    return OK


def check_item_for_provider(pol: MarketPolicy, *, item_source: str, item_credit_reporting: bool,
                            provider_status: str | None, licence: str | None) -> Decision:
    """May this source send a batch of this item? Market items only from approved providers,
    and a credit reporting item only from a licensed one."""
    if item_source != "market":
        if provider_status is None:
            return OK
        return Decision(False, "public_item_from_provider", "市场信用信息提供单位只能报送市场信用信息目录项",
                        "a market provider sends market information items only", pol.providers_citation, "item")
    if provider_status != "approved":
        return Decision(False, "not_a_provider",
                        f"报送单位不是经核准的市场信用信息提供单位（{pol.providers_citation}）",
                        f"the source is not an approved market credit information provider ({pol.providers_citation})",
                        pol.providers_citation, "source")
    if item_credit_reporting and not (licence or "").strip():
        return Decision(False, "credit_reporting_unlicensed",
                        f"该信息项的采集属于征信业务，提供单位未取得征信业务许可或备案，整批拒收（{pol.credit_reporting_citation}）",
                        f"collecting this item is credit reporting business and the provider holds no licence; the "
                        f"batch is refused ({pol.credit_reporting_citation})", pol.credit_reporting_citation, "item")
    return OK


# ---- authorisations ------------------------------------------------------------------------------

def in_force(valid_from: dt.date, valid_to: dt.date | None, revoked_on: dt.date | None, day: dt.date) -> bool:
    """QZ art. 12 para. 2: the written authorisation covers ``day`` — inside its validity
    (both ends inclusive) and not revoked on or before it. Python twin of
    ``repository.in_force_condition`` (at submission every revocation is on or before today)."""
    return valid_from <= day and (valid_to is None or day <= valid_to) and (revoked_on is None or day < revoked_on)


def check_grant(pol: MarketPolicy, *, valid_from: dt.date, valid_to: dt.date, today: dt.date,
                item_source: str) -> Decision:
    if item_source != "market":
        return Decision(False, "not_market_item", "只能对市场信用信息目录项授权", "only market information items take an authorisation",
                        pol.authorisation_citation, "item")
    if valid_to < valid_from or valid_to < today:
        return Decision(False, "authorisation_dates", "授权有效期不正确：截止日期不能早于起始日期或今天",
                        "validity: the end cannot be before the start or before today", pol.authorisation_citation,
                        "valid_to")
    if valid_to > _add_years(valid_from, pol.max_years):
        return Decision(False, "authorisation_too_long", f"授权有效期最长 {pol.max_years} 年",
                        f"an authorisation lasts at most {pol.max_years} years", pol.authorisation_citation, "valid_to")
    return OK


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:   # 29 February
        return day.replace(year=day.year + years, day=28)


def no_authorisation_reason(pol: MarketPolicy, provider: str, item: str) -> tuple[str, str]:
    """The return-for-review reason of a row without an authorisation in force (zh, en)."""
    return (f"信息主体未向{provider}出具在报送当日有效的「{item}」书面授权，退回复核（{pol.authorisation_citation}）",
            f"the subject has given {provider} no written authorisation for {item} in force on the day of "
            f"submission; returned for review ({pol.authorisation_citation})")


def wording(pol: MarketPolicy, lang: str, *, provider: str, item: str, valid_from: dt.date, valid_to: dt.date,
            publication: bool = False) -> str:
    """The words the subject accepts: sharing with the platform, and publication only when it
    chose to authorise it too (QZ art. 15 item 3)."""
    template = pol.wording.en if lang == "en" else pol.wording.zh
    words = template.format(provider=provider, item=item, valid_from=valid_from.isoformat(), valid_to=valid_to.isoformat())
    if publication:
        words += (" " if lang == "en" else "") + (pol.publication_wording.en if lang == "en" else pol.publication_wording.zh)
    return words


def label(pol: MarketPolicy, lang: str, provider: str) -> str:
    return (pol.label.en if lang == "en" else pol.label.zh).format(provider=provider)
