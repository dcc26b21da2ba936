"""The query gate's law, pure: on what basis may a caller read a subject's non-public
information, and exactly which items (FZ art. 11, 13, 24; QZ art. 10, 14-15, 33).

Four bases, each allowing exactly what it covers and nothing more:
- self: a subject account reading its own subject (QZ art. 10 para. 2; FZ art. 13 para. 1), or
  credit-department staff serving the subject in person at the service window;
- authorisation: the subject's written authorisation of the caller's organisation for these
  items, this purpose, today (FZ art. 13 para. 3; QZ art. 33);
- query_item: a published query item of the caller's agency tying the items to one of its
  administrative matters (FZ art. 13 para. 2);
- legal_basis: a law named in the profile (`query.legal_bases`) for the caller's kind of
  organisation, with the number of the document that invokes it (FZ art. 13 para. 2-3).
Restricted classes ("restricted:income" ...) need the person's written consent after notice of
the adverse consequences (FZ art. 11 para. 2): only self, or an authorisation given with it.

Every decision carries its reason (zh and en) and the article it rests on. No I/O here: the
service loads the facts and the profile and passes them in.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

from xinyong.law import Profile, ProfileError, RuleNotInForce
from xinyong.models.org_roles import roles_with

BASES = ("self", "authorisation", "query_item", "legal_basis")
RESTRICTED_PREFIX = "restricted:"
QUERY_ROLES = (*roles_with("query_credit_information"), "staff", "subject")
REF_MAX = 200


@dataclasses.dataclass(frozen=True)
class LegalBasis:
    id: str
    name_zh: str
    name_en: str
    citation: str
    org_kinds: frozenset[str]
    items: frozenset[str]
    reference_zh: str
    reference_en: str
    identity: bool
    citation_en: str = ""    # the citation in English words (data beside the Chinese one)


@dataclasses.dataclass(frozen=True)
class QueryPolicy:
    """What the profile in force says about queries; a citation None = no rule in force."""
    catalogue: frozenset[str]
    restricted: dict[str, str]                  # class -> Chinese name
    restricted_en: dict[str, str]               # class -> English name
    citations: dict[str, str | None]            # self, authorisation, query_item, legal_basis, restricted, duty
    legal_bases: dict[str, LegalBasis]
    consent_notice: dict[str, str] | None       # {"zh": ..., "en": ...}
    notices: dict[str, dict[str, str]]          # authorisation / query_item -> {"zh", "en"}
    names: dict[str, str] = dataclasses.field(default_factory=dict)   # item code -> Chinese name
    names_en: dict[str, str] = dataclasses.field(default_factory=dict)  # item code -> English name
    duty_roles: frozenset[str] = frozenset()    # the credit department's roles that read in their duties (logged)
    consent_only: frozenset[str] = frozenset()  # catalogue items read only on the subject's written authorisation

    def zh(self, items) -> str:
        """Items by their Chinese names, for reasons shown to people."""
        return "、".join(self.names.get(i, i) for i in sorted(items))

    def en(self, items) -> str:
        """Items by their English names (their codes only where no name is known)."""
        return ", ".join(self.names_en.get(i, i) for i in sorted(items))

    def known(self, item: str) -> bool:
        if item.startswith(RESTRICTED_PREFIX):
            return item[len(RESTRICTED_PREFIX):] in self.restricted
        return item in self.catalogue

    @property
    def restricted_items(self) -> list[str]:
        return [RESTRICTED_PREFIX + c for c in self.restricted]


@dataclasses.dataclass(frozen=True)
class Caller:
    role: str
    org_id: int | None = None
    org_kind: str | None = None
    org_in_standing: bool = True   # xinyong.agencies.standing
    subject_id: int | None = None   # a subject account's own subject


@dataclasses.dataclass(frozen=True)
class Ask:
    subject_id: int
    items: tuple[str, ...]
    purpose: str
    basis: str
    basis_id: str | None
    reference: str
    today: dt.date


@dataclasses.dataclass(frozen=True)
class AuthorisationFacts:
    id: int
    subject_id: int
    grantee_org_id: int
    items: frozenset[str]
    purpose: str
    valid_from: dt.date
    valid_to: dt.date
    revoked_on: dt.date | None
    restricted_consent: bool


@dataclasses.dataclass(frozen=True)
class QueryItemFacts:
    id: int
    org_id: int
    matter: str
    items: frozenset[str]
    status: str


@dataclasses.dataclass(frozen=True)
class GateDecision:
    allowed: bool
    basis_kind: str
    basis_ref: str | None
    citation: str
    reason: str           # English
    reason_zh: str
    code: str             # stable machine-readable reason
    identity_covered: bool = False
    channel: str | None = None   # set when the basis fixes the channel (the service window)


# ---- the policy from the profile ---------------------------------------------------------------

def _citation(profile: Profile, key: str, on: dt.date) -> tuple[str | None, dict]:
    try:
        rule = profile.rule(key, on=on)
    except RuleNotInForce:
        return None, {}
    return str(rule.citation), rule.value


def _text_pair(raw, where: str) -> dict[str, str]:
    if not isinstance(raw, dict) or not all(isinstance(raw.get(k), str) and raw[k].strip() for k in ("zh", "en")):
        raise ProfileError(f"{where}: needs non-empty zh and en texts")
    return {"zh": raw["zh"].strip(), "en": raw["en"].strip()}


def parse_legal_bases(value: dict, org_kinds: tuple[str, ...], restricted: set[str], where: str) -> dict[str, LegalBasis]:
    """Validate `query.legal_bases`: unique ids, a citation, known organisation kinds, items
    that are never restricted classes (they need the person's consent, FZ art. 11 para. 2)."""
    raw = value.get("bases")
    if not isinstance(raw, list) or not raw:
        raise ProfileError(f"{where}: bases must be a non-empty list")
    found: dict[str, LegalBasis] = {}
    for i, entry in enumerate(raw):
        here = f"{where}: bases[{i}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str) or not entry["id"].strip():
            raise ProfileError(f"{here}: needs an id")
        if entry["id"] in found:
            raise ProfileError(f"{here}: id {entry['id']!r} declared twice")
        if not isinstance(entry.get("citation"), str) or not entry["citation"].strip():
            raise ProfileError(f"{here}: needs the citation of the law it rests on")
        kinds, items = entry.get("org_kinds"), entry.get("items")
        if not isinstance(kinds, list) or not kinds or not set(kinds) <= set(org_kinds):
            raise ProfileError(f"{here}: org_kinds must be a non-empty list of {', '.join(org_kinds)}")
        if not isinstance(items, list) or not items or not all(isinstance(x, str) and x for x in items):
            raise ProfileError(f"{here}: items must be a non-empty list of catalogue item codes")
        if any(x.startswith(RESTRICTED_PREFIX) or x in restricted for x in items):
            raise ProfileError(f"{here}: restricted classes need the person's consent, not a legal basis")
        name, ref = _text_pair(entry.get("name"), f"{here}.name"), _text_pair(entry.get("reference"), f"{here}.reference")
        found[entry["id"]] = LegalBasis(entry["id"], name["zh"], name["en"], entry["citation"].strip(),
                                        frozenset(kinds), frozenset(items), ref["zh"], ref["en"],
                                        bool(entry.get("identity", False)), str(entry.get("citation_en") or "").strip())
    return found


def policy_from(profile: Profile, on: dt.date, catalogue: frozenset[str], org_kinds: tuple[str, ...],
                names: dict[str, str] | None = None, consent_only: frozenset[str] = frozenset(),
                names_en: dict[str, str] | None = None) -> QueryPolicy:
    """``consent_only``: the catalogue items whose disclosure is the subject's authorisation
    (a published query item cannot cover them: FZ art. 13 para. 3, QZ art. 33)."""
    """The query policy in force on `on`. A missing rule closes its basis (fail closed)."""
    self_cite, _ = _citation(profile, "query.self_free", on)
    auth_cite, auth_value = _citation(profile, "query.written_authorisation", on)
    qi_cite, qi_value = _citation(profile, "query.query_items", on)
    legal_cite, legal_value = _citation(profile, "query.legal_bases", on)
    duty_cite, duty_value = _citation(profile, "query.duty_reads", on)
    restricted_cite, restricted_value = _citation(profile, "data.restricted", on)
    _, notice_value = _citation(profile, "query.restricted_consent_notice", on)
    restricted = {k: (v or {}).get("zh", k) for k, v in (restricted_value.get("classes") or {}).items()}
    where = f"profile {profile.name}: rule query.legal_bases"
    notices = {k: _text_pair(v["notice"], f"profile {profile.name}: {k} notice")
               for k, v in (("authorisation", auth_value), ("query_item", qi_value)) if v.get("notice")}
    return QueryPolicy(
        catalogue=catalogue, restricted=restricted,
        restricted_en={k: (v or {}).get("en", k) for k, v in (restricted_value.get("classes") or {}).items()},
        citations={"self": self_cite, "authorisation": auth_cite, "query_item": qi_cite,
                   "legal_basis": legal_cite, "restricted": restricted_cite, "duty": duty_cite},
        duty_roles=frozenset(duty_value.get("roles") or ()) if duty_cite else frozenset(),
        consent_only=frozenset(consent_only),
        legal_bases=parse_legal_bases(legal_value, org_kinds, set(restricted), where) if legal_cite else {},
        consent_notice=_text_pair(notice_value, f"profile {profile.name}: restricted consent notice")
        if notice_value else None,
        notices=notices,
        names={**(names or {}), **{RESTRICTED_PREFIX + k: v for k, v in restricted.items()}},
        names_en={**(names_en or {}), **{RESTRICTED_PREFIX + k: (v or {}).get("en", k)
                                          for k, v in (restricted_value.get("classes") or {}).items()}})


# ---- the decision ------------------------------------------------------------------------------

def _fmt(items) -> str:
    return ", ".join(sorted(items))


def refuse(ask: Ask, code: str, en: str, zh: str, citation: str | None, ref: str | None = None) -> GateDecision:
    return GateDecision(False, ask.basis, ref, citation or "", en, zh, code)


def allow(ask: Ask, code: str, en: str, zh: str, citation: str, ref: str | None, identity: bool,
          channel: str | None = None) -> GateDecision:
    return GateDecision(True, ask.basis, ref, citation, en, zh, code, identity, channel)


def decide(caller: Caller, ask: Ask, policy: QueryPolicy, authorisation: AuthorisationFacts | None = None,
           query_item: QueryItemFacts | None = None) -> GateDecision:
    """FZ art. 13 para. 3, QZ art. 33: non-public information only on a basis; anything else is refused."""
    default = policy.citations.get("authorisation")
    if caller.role not in QUERY_ROLES:
        return refuse(ask, "role", f"role {caller.role} may not query", f"角色 {caller.role} 无查询权限", default)
    unknown = [i for i in ask.items if not policy.known(i)]
    if not ask.items or unknown:
        return refuse(ask, "unknown_item", f"not catalogue items or restricted classes: {_fmt(unknown)}",
                      f"不是信息目录中的项目或受限信息类别：{_fmt(unknown)}", default)
    if ask.basis not in BASES:
        return refuse(ask, "unknown_basis", f"unknown basis {ask.basis}", f"未知查询依据 {ask.basis}", default)
    if caller.org_id is not None and not caller.org_in_standing:
        return refuse(ask, "organisation_not_in_standing",
                      "your organisation may not act on the platform: it is deactivated, or its filing as a credit "
                      "service agency is cancelled", "您所在机构已在平台停用或其信用服务机构备案已注销", default)
    if ask.basis != "self" and not ask.purpose.strip():
        return refuse(ask, "purpose_required", "a purpose is required", "须说明查询用途", default)
    if ask.basis != "self" and not ask.basis_id:
        return refuse(ask, "basis_id_required", f"name the {ask.basis.replace('_', ' ')} (its number or id)",
                      "须填写授权编号、查询事项编号或法定依据代码", default)
    return {"self": _self, "authorisation": _authorisation, "query_item": _query_item,
            "legal_basis": _legal_basis}[ask.basis](caller, ask, policy, authorisation, query_item)


def _restricted(items) -> list[str]:
    return [i for i in items if i.startswith(RESTRICTED_PREFIX)]


def _refuse_restricted(ask: Ask, policy: QueryPolicy, ref: str | None, how: tuple[str, str]) -> GateDecision | None:
    restricted = _restricted(ask.items)
    if not restricted:
        return None
    return refuse(ask, "restricted_needs_consent",
                  f"restricted classes {policy.en(restricted)} need the person's written consent after notice of the "
                  f"adverse consequences; {how[0]}",
                  f"受限信息 {policy.zh(restricted)} 须经本人在被告知不利后果后书面同意；{how[1]}",
                  policy.citations.get("restricted"), ref)


def _self(caller: Caller, ask: Ask, policy: QueryPolicy, *_facts) -> GateDecision:
    """QZ art. 10 para. 2, FZ art. 13 para. 1: a subject queries its own information, free."""
    cite = policy.citations.get("self")
    if cite is None:
        return refuse(ask, "no_rule", "no rule on self-query is in force", "本人查询规则未生效", None)
    if caller.role == "subject":
        if caller.subject_id != ask.subject_id:
            return refuse(ask, "not_own_subject", "a subject account may read only its own subject",
                          "主体账户只能查询本主体的信息", cite)
        return allow(ask, "self", "the subject reads its own information", "信用主体查询本人信息", cite, None, True)
    if caller.role == "staff":
        reference = ask.reference.strip()
        if not reference:
            return refuse(ask, "reference_required", "a self-query at the service window needs the application number",
                          "窗口本人查询须填写查询申请编号", cite)
        ref = f"window: {reference}"[:REF_MAX]
        return allow(ask, "self_window", f"self-query by the subject in person at the service window ({reference})",
                     f"信用主体本人在服务窗口查询（{reference}）", cite, ref, True, channel="window")
    return refuse(ask, "not_own_subject", "only the subject itself may query on this basis",
                  "仅信用主体本人可依此查询", cite)


def _authorisation(caller: Caller, ask: Ask, policy: QueryPolicy, auth: AuthorisationFacts | None,
                   _qi) -> GateDecision:
    """FZ art. 13 para. 3, QZ art. 33: the subject's written authorisation of this organisation."""
    cite, ref = policy.citations.get("authorisation"), ask.basis_id
    if cite is None:
        return refuse(ask, "no_rule", "no rule on written authorisations is in force", "书面授权规则未生效", None, ref)
    if (caller.org_id is None or auth is None or auth.subject_id != ask.subject_id
            or auth.grantee_org_id != caller.org_id):
        return refuse(ask, "no_authorisation", f"no written authorisation #{ref} by this subject to your organisation",
                      f"该信用主体未向您所在机构作出编号为 {ref} 的书面授权", cite, ref)
    if auth.revoked_on is not None:
        return refuse(ask, "revoked", f"authorisation #{ref} was revoked on {auth.revoked_on.isoformat()}",
                      f"授权 {ref} 已于 {auth.revoked_on.isoformat()} 撤销", cite, ref)
    if not auth.valid_from <= ask.today <= auth.valid_to:
        span = f"{auth.valid_from.isoformat()}..{auth.valid_to.isoformat()}"
        return refuse(ask, "not_valid_today", f"authorisation #{ref} is valid {span}, not on {ask.today.isoformat()}",
                      f"授权 {ref} 的有效期为 {span}，{ask.today.isoformat()} 不在有效期内", cite, ref)
    outside = set(ask.items) - auth.items
    if outside:
        return refuse(ask, "item_not_covered", f"authorisation #{ref} does not cover {policy.en(outside)}",
                      f"授权 {ref} 不包括 {policy.zh(outside)}", cite, ref)
    if ask.purpose.strip() != auth.purpose.strip():
        return refuse(ask, "purpose_mismatch", f"the purpose differs from the purpose authorised in #{ref}",
                      f"查询用途与授权 {ref} 的用途不一致", cite, ref)
    if not auth.restricted_consent:
        refused = _refuse_restricted(ask, policy, ref, ("this authorisation was given without that consent",
                                                        "该授权未包含此项同意"))
        if refused:
            return refused
    return allow(ask, "authorisation", f"the subject's written authorisation covers {policy.en(ask.items)} for this "
                 f"purpose until {auth.valid_to.isoformat()}",
                 f"书面授权 {ref} 涵盖 {policy.zh(ask.items)}，用途一致，有效至 {auth.valid_to.isoformat()}",
                 cite, ref, True)


def _query_item(caller: Caller, ask: Ask, policy: QueryPolicy, _auth, qi: QueryItemFacts | None) -> GateDecision:
    """FZ art. 13 para. 2: an agency queries the items tied to its published administrative matter."""
    cite, ref = policy.citations.get("query_item"), ask.basis_id
    if cite is None:
        return refuse(ask, "no_rule", "no rule on query items is in force", "查询事项规则未生效", None, ref)
    if caller.role != "agency" or caller.org_id is None or qi is None or qi.org_id != caller.org_id:
        return refuse(ask, "no_query_item", f"no query item #{ref} of your agency",
                      f"您所在机构没有编号为 {ref} 的查询事项", cite, ref)
    if qi.status != "published":
        state = {"draft": ("is a draft, not published", "为草稿，尚未公布"),
                 "withdrawn": ("was withdrawn", "已撤回")}.get(qi.status, (qi.status, qi.status))
        return refuse(ask, f"query_item_{qi.status}", f"query item #{ref} {state[0]}",
                      f"查询事项 {ref} {state[1]}", cite, ref)
    refused = _refuse_restricted(ask, policy, ref, ("a query item cannot cover them", "查询事项不能涵盖受限信息"))
    if refused:
        return refused
    consent = set(ask.items) & policy.consent_only
    if consent:
        return refuse(ask, "item_needs_authorisation",
                      f"{policy.en(consent)} may be read only on the subject's written authorisation, never on a query item",
                      f"{policy.zh(consent)} 只能凭信用主体的书面授权查询，查询事项不能涵盖",
                      policy.citations.get("authorisation"), ref)
    outside = set(ask.items) - qi.items
    if outside:
        return refuse(ask, "item_not_covered", f"query item #{ref} does not cover {policy.en(outside)}",
                      f"查询事项 {ref} 不包括 {policy.zh(outside)}", cite, ref)
    if ask.purpose.strip() != qi.matter.strip():
        return refuse(ask, "purpose_mismatch", f"the purpose is not the matter of query item #{ref}",
                      f"查询用途不是查询事项 {ref} 的行政管理事项", cite, ref)
    return allow(ask, "query_item", f"published query item #{ref} ({qi.matter}) covers {policy.en(ask.items)}",
                 f"已公布的查询事项 {ref}（{qi.matter}）涵盖 {policy.zh(ask.items)}", cite, ref, False)


def _legal_basis(caller: Caller, ask: Ask, policy: QueryPolicy, *_facts) -> GateDecision:
    """FZ art. 13 para. 2-3, QZ art. 33: judicial and administrative organs query by law."""
    cite = policy.citations.get("legal_basis")
    basis = policy.legal_bases.get(ask.basis_id or "")
    reference = ask.reference.strip()
    ref = f"{ask.basis_id}: {reference}"[:REF_MAX] if reference else ask.basis_id
    if cite is None or basis is None:
        return refuse(ask, "unknown_legal_basis", f"no legal basis {ask.basis_id!r} in the profile in force",
                      f"现行规则中没有查询依据 {ask.basis_id}", cite, ref)
    cite = f"{basis.citation}; {cite}"
    if caller.org_kind not in basis.org_kinds:
        kinds = _fmt(basis.org_kinds)
        return refuse(ask, "wrong_organisation_kind", f"{basis.id} is for organisations of kind {kinds}, "
                      f"not {caller.org_kind or 'none'}", f"依据 {basis.name_zh} 仅适用于 {kinds} 类机构", cite, ref)
    if not reference:
        return refuse(ask, "reference_required", f"{basis.id} needs the {basis.reference_en}",
                      f"依据 {basis.name_zh} 须填写{basis.reference_zh}", cite, ref)
    refused = _refuse_restricted(ask, policy, ref, ("a legal basis on this platform cannot cover them",
                                                        "本平台的法定依据不涵盖受限信息"))
    if refused:
        return refused
    outside = set(ask.items) - basis.items
    if outside:
        return refuse(ask, "item_not_covered", f"{basis.id} does not cover {policy.en(outside)}",
                      f"依据 {basis.name_zh} 不包括 {policy.zh(outside)}", cite, ref)
    return allow(ask, "legal_basis",
                 f"{basis.name_en} ({basis.citation_en or basis.citation}), document {reference}, covers {policy.en(ask.items)}",
                 f"{basis.name_zh}（{basis.citation}），文书 {reference}，涵盖 {policy.zh(ask.items)}",
                 cite, ref, basis.identity)


# ---- authorisations: what a subject may grant ---------------------------------------------------

def grant_problem(items: list[str], purpose: str, valid_from: dt.date, valid_to: dt.date, today: dt.date,
                  consent: bool, policy: QueryPolicy) -> tuple[str, str, str] | None:
    """(field, en, zh) of what is wrong with an authorisation, or None (FZ art. 11, 13)."""
    if policy.citations.get("authorisation") is None:
        return "items", "no rule on written authorisations is in force", "书面授权规则未生效"
    unknown = [i for i in items if not policy.known(i)]
    if not items or unknown:
        return "items", f"choose catalogue items or restricted classes (unknown: {_fmt(unknown)})", \
            f"请选择信息目录中的项目或受限信息类别（未知：{_fmt(unknown)}）"
    if not purpose.strip():
        return "purpose", "state the purpose", "请填写授权用途"
    if valid_to < valid_from or valid_to < today:
        return "valid_to", "the end date must be today or later, and not before the start", \
            "截止日期不得早于今天或起始日期"
    if _restricted(items):
        if policy.consent_notice is None:
            return "items", "restricted classes cannot be authorised: no consent notice is in force", \
                "现行规则未规定告知文本，不能授权查询受限信息"
        if not consent:
            return "restricted_consent", "restricted classes need your consent after reading the notice", \
                "授权查询受限信息须在阅读告知内容后勾选同意"
    return None


def authorisation_status(revoked: bool, valid_from: dt.date, valid_to: dt.date, today: dt.date) -> str:
    if revoked:
        return "revoked"
    if today < valid_from:
        return "pending"
    return "expired" if today > valid_to else "active"
