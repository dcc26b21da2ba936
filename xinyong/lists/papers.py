"""The written documents of a listing, as sections of a PDF (xinyong.kit.pdf): the prior
notice (QZ art. 23 para. 1), the answer to an objection, the decision (QZ art. 23 para. 2) and
the removal notice. Texts in Chinese; contents from the proposal and the profile."""
from __future__ import annotations

import datetime as dt

from xinyong.kit.pdf import Section
from xinyong.lists import rules

OUTCOME_ZH = {"upheld": "经核实，维持拟列入意见", "withdrawn": "经核实，异议成立，撤回拟列入"}
REMOVAL_ZH = {"repaired": "已完成信用修复", "expired": "列入期限届满", "conditions_met": "已满足移出条件",
              "criteria_broken": "不再符合认定标准", "basis_lapsed": "所依据的信用记录已变更，不再符合列入条件"}


def _subject_rows(subject, org, kind) -> list[tuple[str, str]]:
    rows = [("信用主体", subject.name)]
    if subject.uscc:
        rows.append(("统一社会信用代码", subject.uscc))
    rows += [("认定单位", org.name), ("名单", kind.name_zh if kind else "")]
    return rows


def _grounds(p, kind, records: list[str]) -> Section:
    """``records``: the basis records as their agency and 决定文书号 (repository.basis_references)."""
    rows = []
    if p.category and kind is not None:
        rows.append(("认定情形", kind.categories.get(p.category, p.category)))
    if p.criteria and kind is not None:
        rows.append(("认定标准", "；".join(kind.criteria.get(c, {}).get("zh", c) for c in p.criteria)))
    if records:
        rows.append(("依据的信用记录", "；".join(records)))
    return Section(heading="事由", paragraphs=[p.reasons], rows=rows)


def _persons(p, policy: rules.ListPolicy) -> list[Section]:
    if not p.responsible_persons:
        return []
    table = [["类别", "姓名"]] + [[policy.responsible_roles.get(x["role"], {}).get("zh", x["role"]), x["name"]]
                                  for x in p.responsible_persons]
    return [Section(heading="负有责任的人员", paragraphs=[f"依据 {policy.responsible_citation} 标明。"], table=table)]


def notice(p, kind, policy: rules.ListPolicy, subject, org, due_on: dt.date, records: list[str]) -> list[Section]:
    return [
        Section(paragraphs=[f"{subject.name}：", f"本单位拟将你（单位）列入{kind.name_zh}。"
                            f"根据 {policy.notice_citation}，现将拟作出决定的事由、依据和你（单位）依法享有的权利告知如下。"],
                rows=_subject_rows(subject, org, kind)),
        _grounds(p, kind, records),
        Section(heading="依据", paragraphs=[p.legal_basis, f"名单规定：{kind.citation}"]),
        Section(heading="拟采取的措施", paragraphs=[p.measures, f"列入期限：{p.period_months}个月"]),
        *_persons(p, policy),
        Section(heading="你（单位）依法享有的权利",
                paragraphs=[f"{i}. {r}" for i, r in enumerate(policy.rights_zh, 1)] +
                [f"提出异议的截止日期：{due_on.isoformat()}（含当日）。可登录信用平台“我的名单”页面提出。"]),
    ]


def reply(p, kind, subject, org) -> list[Section]:
    return [
        Section(paragraphs=[f"{subject.name}：", f"你（单位）于 {p.objection_on.isoformat()} 对拟列入{kind.name_zh}提出的异议，"
                            "本单位已核实，现反馈如下。"], rows=_subject_rows(subject, org, kind)),
        Section(heading="异议内容", paragraphs=[p.objection_text or ""]),
        Section(heading="核实结果", paragraphs=[OUTCOME_ZH.get(p.objection_outcome, p.objection_outcome or ""),
                                               p.objection_reply or ""]),
    ]


def decision(p, kind, policy: rules.ListPolicy, subject, org, records: list[str]) -> list[Section]:
    return [
        Section(paragraphs=[f"{subject.name}：", f"经认定，本单位决定将你（单位）列入{kind.name_zh}。"],
                rows=_subject_rows(subject, org, kind) + [("告知日期", p.notice_sent_on.isoformat() if p.notice_sent_on else "—")]),
        _grounds(p, kind, records),
        Section(heading="依据", paragraphs=[p.legal_basis, f"名单规定：{kind.citation}"]),
        Section(heading="失信惩戒措施" if kind.punitive else "守信激励措施", paragraphs=[p.measures]),
        *_persons(p, policy),
        Section(heading="列入期限", paragraphs=[f"自公布之日起{p.period_months}个月。"]),
        Section(heading="移出条件和程序", paragraphs=[
            p.removal_conditions or kind.removal_conditions_zh,
            "期限届满由平台自动移出；完成信用修复的，经信用修复程序确认后移出；满足其他移出条件的，"
            "可向认定单位或信用主管部门提出，经核实后移出，并书面告知。"]),
        Section(heading="救济措施", paragraphs=[policy.remedies_zh, f"（{policy.remedies_citation}）"]),
    ]


def removal(entry, p, kind, subject, org, reason: str, note: str) -> list[Section]:
    name = kind.name_zh if kind else entry.kind
    return [
        Section(paragraphs=[f"{subject.name}：", f"你（单位）已被移出{name}。"],
                rows=_subject_rows(subject, org, kind) + [
                    ("列入日期", entry.listed_on.isoformat() if entry.listed_on else "未公布"),
                    ("移出日期", entry.removed_on.isoformat() if entry.removed_on else ""),
                    ("移出原因", REMOVAL_ZH.get(reason, reason))]),
        Section(heading="说明", paragraphs=[note] if note else []),
    ]


def lapse(p, kind, subject, org, reason: str, citation: str, records: list[str]) -> list[Section]:
    """A proposal ended before its decision because its grounds no longer hold."""
    sent = f"本单位于 {p.notice_sent_on.isoformat()} 告知的" if p.notice_sent_on else "本单位提出的"
    return [
        Section(paragraphs=[f"{subject.name}：", f"{sent}拟将你（单位）列入{kind.name_zh}的程序，现予终止，不作出列入决定。"],
                rows=_subject_rows(subject, org, kind) + [("终止日期", p.withdrawn_on.isoformat() if p.withdrawn_on else "")]),
        Section(heading="终止原因", paragraphs=[reason, f"（依据：{citation}）"],
                rows=[("原依据的信用记录", "；".join(records))] if records else []),
    ]
