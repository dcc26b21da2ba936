"""Which published measures apply to a subject in a matter, and why (pure: no I/O).

FZ art. 15 / QZ art. 24: a measure comes from a published list, rests on its stated legal
basis and is proportionate: it applies only when one of its triggers matches the subject's
CURRENT information — records still active and inside their publicity window, list entries
in force, the current evaluation grade, a commitment breach inside its look-back. A measure's
triggers are alternatives: any one match makes it applicable, and every match is reported
with the records or entries it rests on."""
from __future__ import annotations

import dataclasses
import datetime as dt

from xinyong.disclosure.rules import is_public

TRIGGER_KINDS = ("list", "record", "grade", "commitment_breach", "no_adverse_records", "peer_list")
LIST_KINDS = ("red", "serious_dishonesty", "black")
SEVERITIES = ("minor", "general", "serious")
SEVERITY_ZH = {"minor": "轻微", "general": "一般", "serious": "严重"}
LIST_ZH = {"red": "红名单", "serious_dishonesty": "严重失信主体名单", "black": "黑名单"}
LIST_EN = {"red": "red list", "serious_dishonesty": "serious-dishonesty list", "black": "black list"}
MEASURE_KINDS = ("incentive", "punishment")
PUNITIVE_LISTS = ("serious_dishonesty", "black")


class TriggerError(ValueError):
    pass


@dataclasses.dataclass(frozen=True)
class RecordFact:
    id: int
    item_code: str
    severity: str | None
    decision_date: dt.date
    status: str
    publicity_start: dt.date
    publicity_end: dt.date | None   # exclusive, as every publicity window (disclosure.rules)
    under_objection: bool = False


@dataclasses.dataclass(frozen=True)
class EntryFact:
    id: int
    kind: str


@dataclasses.dataclass(frozen=True)
class PeerEntryFact:
    """An entry in force on a recognised peer city's punitive list (QZ art. 6, FZ art. 7)."""
    id: int
    kind: str
    peer_zh: str
    peer_en: str
    basis: str
    decision_ref: str
    decision_url: str
    decided_on: dt.date | None
    citation: str


@dataclasses.dataclass(frozen=True)
class BreachFact:
    commitment_id: int
    breached_on: dt.date
    record_id: int | None
    record_current: bool = True


@dataclasses.dataclass(frozen=True)
class SubjectFacts:
    """What a check may rest on. `lists_known` / `grades_known` say whether the lists and
    evaluation domains could be read at all (their modules may not be installed)."""
    today: dt.date
    records: tuple[RecordFact, ...] = ()
    entries: tuple[EntryFact, ...] = ()
    grade: str | None = None
    breaches: tuple[BreachFact, ...] = ()
    peer_entries: tuple[PeerEntryFact, ...] = ()
    lists_known: bool = True
    grades_known: bool = True


@dataclasses.dataclass(frozen=True)
class Match:
    trigger: dict
    reason_zh: str
    reason_en: str
    record_ids: tuple[int, ...] = ()
    entry_ids: tuple[int, ...] = ()
    peer_entries: tuple[dict, ...] = ()    # the origin city's decision and citation of each foreign entry


@dataclasses.dataclass(frozen=True)
class Decision:
    allowed: bool
    code: str
    reason_zh: str
    reason_en: str
    citation: str


def check_trigger(trigger: dict) -> dict:
    """A trigger as data is well formed (raised at sync time, never at check time)."""
    kind = trigger.get("kind")
    if kind not in TRIGGER_KINDS:
        raise TriggerError(f"trigger kind {kind!r} not in {TRIGGER_KINDS}")
    if kind == "list" and trigger.get("list") not in LIST_KINDS:
        raise TriggerError(f"list trigger needs list in {LIST_KINDS}")
    if kind == "peer_list" and trigger.get("list") not in PUNITIVE_LISTS:
        raise TriggerError(f"peer_list trigger needs list in {PUNITIVE_LISTS}")
    if kind == "record":
        sev = trigger.get("severities")
        if not sev or not set(sev) <= set(SEVERITIES):
            raise TriggerError(f"record trigger needs severities from {SEVERITIES}")
    if kind == "grade" and not trigger.get("grades"):
        raise TriggerError("grade trigger needs grades")
    if kind in ("commitment_breach", "no_adverse_records"):
        years = trigger.get("years")
        if not isinstance(years, int) or years < 1:
            raise TriggerError(f"{kind} trigger needs years (a positive int)")
    return trigger


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:   # 29 February
        return day.replace(year=day.year - years, day=28)


def current_records(records, today: dt.date, proportionality: dict) -> list[RecordFact]:
    """Records a measure may rest on: status allowed (never repaired), inside the publicity
    window as the public sees it (``disclosure.rules.is_public``: the end day is outside it, so
    a record that has left public view no longer weighs on the subject that day)."""
    statuses = set(proportionality.get("record_statuses", ["active"]))
    within = proportionality.get("within_publicity", True)
    objected = proportionality.get("count_under_objection", True)
    return [r for r in records
            if r.status in statuses
            and (not within or is_public((r.publicity_start, r.publicity_end), today))
            and (objected or not r.under_objection)]


def match(trigger: dict, facts: SubjectFacts, proportionality: dict) -> Match | None:
    """The match of one trigger against the subject's current facts, or None."""
    kind = trigger["kind"]
    if kind == "list":
        hits = tuple(e.id for e in facts.entries if e.kind == trigger["list"])
        if hits:
            name = LIST_ZH[trigger["list"]]
            return Match(trigger, f"主体现列入{name}", f"the subject is on the {LIST_EN[trigger['list']]}",
                         entry_ids=hits)
        return None
    if kind == "peer_list":
        return _peer_match(trigger, facts)
    if kind == "record":
        items = set(trigger.get("items") or ())
        hits = tuple(r.id for r in current_records(facts.records, facts.today, proportionality)
                     if r.severity in trigger["severities"] and (not items or r.item_code in items))
        if hits:
            sev = "、".join(SEVERITY_ZH[s] for s in trigger["severities"])
            return Match(trigger, f"主体有{len(hits)}条现行{sev}失信记录（未修复、在公示期内）",
                         f"{len(hits)} current {'/'.join(trigger['severities'])} record(s), not repaired, in publicity",
                         record_ids=hits)
        return None
    if kind == "grade":
        if facts.grade is not None and facts.grade in trigger["grades"]:
            return Match(trigger, f"主体现行公共信用综合评价等级为{facts.grade}",
                         f"the subject's current evaluation grade is {facts.grade}")
        return None
    if kind == "commitment_breach":
        since = _years_before(facts.today, trigger["years"])
        hits = [b for b in facts.breaches if b.breached_on >= since and b.record_current]
        if hits:
            return Match(trigger, f"主体近{trigger['years']}年内有{len(hits)}项信用承诺违诺",
                         f"{len(hits)} broken credit commitment(s) in the last {trigger['years']} years",
                         record_ids=tuple(b.record_id for b in hits if b.record_id is not None))
        return None
    if kind == "no_adverse_records":
        since = _years_before(facts.today, trigger["years"])
        adverse = [r for r in facts.records if r.severity is not None and r.status == "active"
                   and r.decision_date >= since]
        if not adverse:
            return Match(trigger, f"主体连续{trigger['years']}年无不良信用记录",
                         f"no adverse record in the last {trigger['years']} years")
        return None
    raise TriggerError(f"unknown trigger kind {kind!r}")


def _peer_match(trigger: dict, facts: SubjectFacts) -> Match | None:
    """Cross-region joint punishment: the subject is on a recognised peer city's punitive list
    (only measures whose published list carries a peer_list trigger apply it)."""
    hits = [e for e in facts.peer_entries if e.kind == trigger["list"]]
    if not hits:
        return None
    zh = "；".join(f"主体现列入{e.peer_zh}公布的{LIST_ZH[e.kind]}（决定 {e.decision_ref}，{e.decided_on or ''}；"
                  f"依据 {e.citation}；依{e.basis}互认）" for e in hits)
    en = "; ".join(f"the subject is on the {LIST_EN[e.kind]} published by {e.peer_en} (decision {e.decision_ref}, "
                   f"{e.decided_on or ''}; under {e.citation}; recognised under {e.basis})" for e in hits)
    return Match(trigger, zh, en, peer_entries=tuple(
        {"id": e.id, "peer": e.peer_en, "decision_ref": e.decision_ref, "decision_url": e.decision_url,
         "decided_on": e.decided_on.isoformat() if e.decided_on else None, "citation": e.citation, "basis": e.basis}
        for e in hits))


def incentive_withheld(measure_kind: str, facts: SubjectFacts, proportionality: dict) -> bool:
    """FZ art. 14, 16-17: incentives and punishments are not offered together; while the subject
    is on a punitive list no incentive measure is offered (its red-list entry has ended). And an
    incentive is for a subject in good standing (QZ art. 18 信用状况良好, FZ art. 16 守信主体):
    none while it has a current record of a severity the profile names
    (``incentives_withheld_by``), whatever its grade says."""
    if measure_kind != "incentive":
        return False
    if any(e.kind in PUNITIVE_LISTS for e in facts.entries):
        return True
    severities = set(proportionality.get("incentives_withheld_by", ()))
    return bool(severities) and any(r.severity in severities
                                    for r in current_records(facts.records, facts.today, proportionality))


def matches(triggers: list[dict], facts: SubjectFacts, proportionality: dict) -> list[Match]:
    return [m for m in (match(t, facts, proportionality) for t in triggers) if m is not None]


def unavailable_sources(triggers: list[dict], facts: SubjectFacts) -> list[str]:
    """Trigger kinds that could not be evaluated (their domain is not installed)."""
    out = []
    if not facts.lists_known and any(t["kind"] == "list" for t in triggers):
        out.append("lists")
    if not facts.grades_known and any(t["kind"] == "grade" for t in triggers):
        out.append("grades")
    return out


def may_apply(*, list_status: str | None, measure_matters: list[str] | None, matter: str,
              found: list[Match], citation: str) -> Decision:
    """FZ art. 15 / QZ art. 24: refuse an unlisted, unpublished or withdrawn measure, one
    outside the matter, and one whose triggers do not match the subject's current facts."""
    if list_status is None:
        return Decision(False, "unlisted", "该措施不在任何措施清单中，不得实施",
                        "the measure is on no published list and may not be applied", citation)
    if list_status == "draft":
        return Decision(False, "unpublished", "该措施所在清单尚未公布，未经公布的措施不得实施",
                        "the measure's list is not published; unpublished measures may not be applied", citation)
    if list_status == "withdrawn":
        return Decision(False, "withdrawn", "该措施所在清单版本已撤回或被新版本取代，不得实施",
                        "the measure's list version was withdrawn or superseded and may not be applied", citation)
    if matter not in (measure_matters or []):
        return Decision(False, "wrong_matter", "该措施不适用于所办事项（关联原则）",
                        "the measure does not apply to this matter (relevance principle)", citation)
    if not found:
        return Decision(False, "no_trigger", "主体现行信用信息不符合该措施的适用条件（比例原则），不得实施",
                        "the subject's current information does not meet the measure's conditions "
                        "(proportionality); it may not be applied", citation)
    return Decision(True, "applicable", "；".join(m.reason_zh for m in found),
                    "; ".join(m.reason_en for m in found), citation)
