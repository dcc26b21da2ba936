"""Credit commitment decisions (pure: no I/O): the type and whether it is published, and the
"accept first" (先行受理 / 容缺受理) check for incomplete materials — QZ art. 25 para. 1 (credit
status good), FZ art. 16(1) (诚信典型, three years without an adverse record)."""
from __future__ import annotations

import dataclasses
import datetime as dt

from xinyong.measures.rules import LIST_ZH, SEVERITY_ZH, SubjectFacts, current_records, _years_before


@dataclasses.dataclass(frozen=True)
class CommitmentType:
    code: str
    name_zh: str
    name_en: str
    publication_required: bool


@dataclasses.dataclass(frozen=True)
class Reason:
    ok: bool
    text_zh: str
    text_en: str


@dataclasses.dataclass(frozen=True)
class AcceptFirst:
    allowed: bool
    reasons: tuple[Reason, ...]
    citation: str


def commitment_types(value: dict) -> dict[str, CommitmentType]:
    return {code: CommitmentType(code, spec["zh"], spec["en"], bool(spec["publication_required"]))
            for code, spec in value["types"].items()}


def accept_first(facts: SubjectFacts, rule_value: dict, proportionality: dict, citation: str) -> AcceptFirst:
    """Every condition is checked and reported, so a refusal names all its reasons."""
    reasons: list[Reason] = []
    for kind in rule_value.get("blocking_lists", []):
        on = [e for e in facts.entries if e.kind == kind]
        name = LIST_ZH.get(kind, kind)
        if not facts.lists_known:
            reasons.append(Reason(True, f"名单数据暂不可查，未核对{name}", f"lists not available: {kind} not checked"))
        else:
            reasons.append(Reason(not on, f"{'列入' if on else '未列入'}{name}",
                                  f"{'on' if on else 'not on'} the {kind} list"))
    severities = rule_value.get("blocking_record_severities", [])
    if severities:
        lookback = rule_value.get("record_lookback_years")
        if lookback:   # "连续N年无不良信用记录": decided in the last N years, in public view or not
            since = _years_before(facts.today, lookback)
            statuses = set(proportionality.get("record_statuses", ["active"]))
            considered = [r for r in facts.records if r.status in statuses and since <= r.decision_date <= facts.today]
            span_zh, span_en = f"近{lookback}年内", f" in the last {lookback} years"
        else:
            considered, span_zh, span_en = current_records(facts.records, facts.today, proportionality), "", ""
        bad = [r for r in considered if r.severity in severities]
        sev = "、".join(SEVERITY_ZH[s] for s in severities)
        reasons.append(Reason(not bad, f"{span_zh}有{len(bad)}条未修复的{sev}失信记录" if bad
                              else f"{span_zh}无未修复的{sev}失信记录",
                              f"{len(bad)} unrepaired {'/'.join(severities)} record(s){span_en}" if bad
                              else f"no unrepaired {'/'.join(severities)} record{span_en}"))
    grades = rule_value.get("blocking_grades", [])
    if grades and facts.grades_known and facts.grade is not None:
        blocked = facts.grade in grades
        reasons.append(Reason(not blocked, f"公共信用综合评价等级为{facts.grade}",
                              f"evaluation grade {facts.grade}"))
    years = rule_value.get("breach_lookback_years")
    if years:
        since = _years_before(facts.today, years)
        broke = [b for b in facts.breaches if b.breached_on >= since]
        reasons.append(Reason(not broke, f"近{years}年内有{len(broke)}项信用承诺违诺" if broke
                              else f"近{years}年内无信用承诺违诺",
                              f"{len(broke)} broken commitment(s) in the last {years} years" if broke
                              else f"no broken commitment in the last {years} years"))
    return AcceptFirst(all(r.ok for r in reasons), tuple(reasons), citation)


def overdue(deadline: dt.date | None, status: str, today: dt.date) -> bool:
    """A commitment still open after its deadline is flagged for its agency (QZ art. 25)."""
    return status == "open" and deadline is not None and deadline < today
