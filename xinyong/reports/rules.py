"""The law of credit reports, pure: who may obtain which report, what a special credit report
covers and what it finds, how records are marked, and what a verification attempt concludes.

- full report: the subject's own, all its records public or not, free (QZ art. 10 para. 2;
  FZ art. 13 para. 1), with sources and change reasons (FZ art. 24; QZ art. 33);
- public report: what is public today, natural persons masked; anyone;
- special report (专项信用报告, QZ art. 11): whether the subject has violation (penalty /
  dishonesty) records in a field over a period, listing them if any; for the subject, or an
  organisation holding its written authorisation (QZ art. 33, FZ art. 13 para. 3: the query
  gate decides that part).

No I/O: the service passes the profile and the facts in. Every decision carries its reason in
both languages and its citation.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re

from xinyong.law import Profile, RuleNotInForce
from xinyong.models.org_roles import roles_with

KINDS = ("full", "public", "special")
TITLES = {"full": ("信用报告（完整版）", "Credit report (full, for the subject)"),
          "public": ("信用报告（公开版）", "Credit report (public)"),
          "special": ("专项信用报告", "Special credit report")}
PURPOSE = {"full": "本人信用报告", "special": "专项信用报告"}   # the purpose the platform logs for a subject's own report
LANGS = ("zh", "en")     # the languages a report is issued in (the Chinese one first)
ORG_ROLES = roles_with("obtain_special_report")   # organisations that may ask a special report
CODE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"   # RFC 4648 base32
CODE_LENGTH = 20                                      # 100 random bits
CODE_RE = re.compile(rf"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")
CODE_MARK = "XYRPT-"                                  # how a PDF names its code (metadata keywords)


@dataclasses.dataclass(frozen=True)
class FieldDef:
    code: str
    zh: str
    en: str
    agency_keywords: tuple[str, ...]
    basis_keywords: tuple[str, ...]

    @property
    def everything(self) -> bool:
        return not self.agency_keywords and not self.basis_keywords


@dataclasses.dataclass(frozen=True)
class ReportPolicy:
    citations: dict[str, str | None]      # full / public / special / sources / scope -> citation (None: closed)
    violation_items: tuple[str, ...]
    fields: dict[str, FieldDef]
    max_period_days: int
    history_per_record: int
    access_log_days: int
    access_log_rows: int


def _rule(profile: Profile, key: str, on: dt.date) -> tuple[str | None, dict]:
    try:
        rule = profile.rule(key, on=on)
    except RuleNotInForce:
        return None, {}
    return str(rule.citation), dict(rule.value or {})


def policy_from(profile: Profile, on: dt.date) -> ReportPolicy:
    """The report rules in force on `on`; a missing rule closes that report (fail closed)."""
    cites, values = {}, {}
    for kind, key in (("full", "reports.full"), ("public", "reports.public"), ("special", "reports.special"),
                      ("sources", "reports.sources"), ("scope", "reports.special.scope")):
        cites[kind], values[kind] = _rule(profile, key, on)
    scope, sources = values["scope"], values["sources"]
    fields = {}
    for raw in scope.get("fields") or []:
        fields[raw["code"]] = FieldDef(raw["code"], raw["zh"], raw["en"], tuple(raw.get("agency_keywords") or ()),
                                       tuple(raw.get("basis_keywords") or ()))
    if cites["scope"] is None:
        cites["special"] = None     # no scope, no special report
    return ReportPolicy(citations=cites, violation_items=tuple(scope.get("violation_items") or ()), fields=fields,
                        max_period_days=int(scope.get("max_period_days") or 0),
                        history_per_record=int(sources.get("history_per_record", 10)),
                        access_log_days=int(sources.get("access_log_days", 365)),
                        access_log_rows=int(sources.get("access_log_rows", 50)))


# ---- who may obtain which report ---------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Requester:
    role: str                       # "public" for anonymous callers
    subject_id: int | None = None   # a subject account's own subject
    org_id: int | None = None


@dataclasses.dataclass(frozen=True)
class Decision:
    allowed: bool
    basis: str           # self | public | authorisation (the query gate decides the latter) | none
    code: str
    reason: str
    reason_zh: str
    citation: str


def may_obtain(kind: str, who: Requester, subject_id: int, policy: ReportPolicy) -> Decision:
    """QZ art. 10-11, 33; FZ art. 13, 24: the subject obtains all three; anyone the public one;
    an organisation a special report only on the subject's written authorisation."""
    cite = policy.citations.get(kind) if kind in KINDS else None
    if cite is None:
        return Decision(False, "none", "no_rule", f"no rule on {kind} reports is in force",
                        f"{kind} 类信用报告的规则未生效", "")
    own = who.role == "subject" and who.subject_id == subject_id
    if kind == "public":
        return Decision(True, "public", "public", "public information, open to anyone", "公开信息，任何人均可获取", cite)
    if own:
        return Decision(True, "self", "self", "the subject obtains its own report, free of charge",
                        "信用主体免费获取本人信用报告", cite)
    if kind == "special" and who.role in ORG_ROLES and who.org_id is not None:
        return Decision(True, "authorisation", "needs_authorisation",
                        "an organisation obtains a special report only on the subject's written authorisation",
                        "机构须凭信用主体的书面授权获取专项信用报告", cite)
    if kind == "full":
        return Decision(False, "none", "not_own_subject", "only the subject itself obtains its full report",
                        "完整版信用报告仅限信用主体本人获取", cite)
    return Decision(False, "none", "not_allowed", "a special report goes to the subject or an organisation it "
                    "authorised in writing", "专项信用报告仅限信用主体本人或经其书面授权的机构获取", cite)


# ---- the special report ---------------------------------------------------------------------------

def period_problem(field: str, date_from: dt.date, date_to: dt.date, today: dt.date,
                   policy: ReportPolicy) -> tuple[str, str, str] | None:
    """(form field, en, zh) of what is wrong with a special report's field and period, or None."""
    if field not in policy.fields:
        return "field", f"choose a field ({', '.join(policy.fields)})", "请选择领域"
    if date_to < date_from:
        return "date_to", "the period ends before it starts", "截止日期早于起始日期"
    if date_to > today:
        return "date_to", "the period cannot end after today", "截止日期不得晚于今天"
    if policy.max_period_days and (date_to - date_from).days > policy.max_period_days:
        return "date_from", f"at most {policy.max_period_days} days per report", \
            f"每份报告的期间不得超过 {policy.max_period_days} 天"
    return None


def in_field(field: FieldDef, item_code: str, agency_name: str, texts: tuple[str, ...],
             violation_items: tuple[str, ...]) -> bool:
    """A violation record of the field: a violation item, whose agency name or 处罚依据 /
    违法行为类型 texts carry one of the field's keywords (the "all" field takes every one)."""
    if item_code not in violation_items:
        return False
    if field.everything:
        return True
    if any(k and k in (agency_name or "") for k in field.agency_keywords):
        return True
    return any(k and k in (t or "") for k in field.basis_keywords for t in texts)


def in_period(decision_date: dt.date, date_from: dt.date, date_to: dt.date) -> bool:
    return date_from <= decision_date <= date_to


def special_finding(count: int, field: FieldDef, date_from: dt.date, date_to: dt.date) -> tuple[str, str, str]:
    """(finding, zh, en): the sentence that replaces a "no violation record" certificate."""
    span_zh = f"{date_from.isoformat()} 至 {date_to.isoformat()}"
    span_en = f"{date_from.isoformat()} to {date_to.isoformat()}"
    if count == 0:
        return ("clean", f"经查询，该主体在{field.zh}领域于 {span_zh} 期间无违法违规（行政处罚、失信）记录。",
                f"No violation (penalty or dishonesty) record of the subject in {field.en} from {span_en}.")
    return ("violations", f"经查询，该主体在{field.zh}领域于 {span_zh} 期间有违法违规记录 {count} 条，列示如下。",
            f"The subject has {count} violation record(s) in {field.en} from {span_en}, listed below.")


# ---- marks on a record --------------------------------------------------------------------------------

def record_marks(status: str, under_objection: bool, public_now: bool) -> list[tuple[str, str]]:
    """(zh, en) marks every report shows on a record (QZ art. 34-36: objection and repair)."""
    marks = []
    if status == "repaired":
        marks.append(("已信用修复", "repaired"))
    if under_objection:
        marks.append(("异议处理中", "under objection"))
    marks.append(("公示中", "public") if public_now else ("未公示", "not public"))
    return marks


# ---- verification -------------------------------------------------------------------------------------

def normalise_code(text: str) -> str:
    return re.sub(r"[\s-]", "", (text or "").upper())[:64]


def is_code(text: str) -> bool:
    return bool(CODE_RE.match(text or ""))


def verification_outcome(found: bool, signature_valid: bool | None, hash_matches: bool | None) -> str:
    """authentic only when the report was issued here, its platform signature is valid and the
    document's SHA-256 equals the one stored at issue."""
    if not found:
        return "not_found"
    if signature_valid and hash_matches:
        return "authentic"
    if hash_matches and not signature_valid:
        return "signature_invalid"
    return "tampered"


def file_outcome(issued_as_is: bool, platform_signed: bool, signature_valid: bool) -> str:
    """An uploaded file: `issued_as_is` when its bytes are those of a report issued here. A file
    without the platform's signature was not issued here (whatever code it shows or is given
    with): it is told so, never that its hash changed. Only a file that carries the platform's
    signature and is not, byte for byte, an issued report has been altered (unless the signature
    still covers it whole: then it is one the platform has no issue record of)."""
    if issued_as_is:
        return "authentic" if signature_valid else "signature_invalid"
    if not platform_signed:
        return "not_a_report"
    if signature_valid:   # signed by the platform exactly so, yet not on its issue record
        return "not_found"
    return "tampered"


# what a reader is told, by outcome: the report is valid, was altered after issue, or was never
# issued here (look-alikes and unknown codes); each has its own colour, heading and words
VERDICTS = {"authentic": "valid", "tampered": "tampered", "signature_invalid": "tampered",
            "not_found": "foreign", "not_a_report": "foreign", "document_authentic": "valid",
            # a report a recognised peer platform signed (QZ art. 6, FZ art. 7: xinyong.peers)
            "peer_authentic": "recognised", "peer_tampered": "tampered"}

OUTCOME_TEXT = {
    "authentic": ("真实有效：平台签名有效，文件与签发时一致", "authentic: the platform signature is valid and the file is as issued"),
    "not_found": ("未找到该验证码对应的报告：本平台没有签发过使用这个验证码的报告",
                  "no report with this verification code: this platform issued none"),
    "tampered": ("文件已被改动：它带有本平台的签名，但与平台签发的报告不一致",
                 "modified: the file carries this platform's signature but differs from the report it issued"),
    "signature_invalid": ("签名无效：文件与签发记录一致，但平台签名无法验证",
                          "the signature is not valid: the file matches the issue record but its platform signature does not verify"),
    "document_authentic": ("真实有效：这是本平台出具的文书，平台签名有效，文件与出具时一致",
                           "authentic: a written decision this platform issued; its signature is valid and the file is as issued"),
    "not_a_report": ("不是本平台签发的报告：文件上没有本平台的签名",
                     "not issued by this platform: the file carries no signature of this platform"),
    # {peer} / {peer_en}: the recognised peer platform's name; {basis}: the recognition's legal basis
    "peer_authentic": ("由{peer}签发，签名有效、文件完整，本平台依据{basis}予以互认",
                       "signed by {peer_en} (recognised under {basis}): the signature is valid and the file is whole"),
    "peer_tampered": ("文件已被改动：它带有{peer}的签名，但签名后被改动过",
                      "modified: the file carries the signature of {peer_en} but was changed after signing"),
}


def masked_subject_name(name: str, kind: str, keep_first: int = 1, mask_char: str = "*") -> str:
    """The subject's name as a verifier sees it: a person's surname only; an organisation's
    first and last characters (enough to match the paper in hand, not to learn the name)."""
    name = (name or "").strip()
    if not name:
        return ""
    if kind == "natural_person":
        return name[:keep_first] + mask_char * max(1, len(name) - keep_first)
    if len(name) <= 4:
        return name[:1] + mask_char * (len(name) - 1)
    keep_end = min(4, len(name) // 3)
    return name[:2] + mask_char * (len(name) - 2 - keep_end) + name[-keep_end:]
