"""The written result of an objection (异议处理结果告知书), addressed to the subject: its grounds,
the outcome, the field-level changes, the reasons and the remedies that remain (QZ art. 38)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.documents.service import issue
from xinyong.kit.access import Principal
from xinyong.kit.pdf import Section
from xinyong.law import Profile
from xinyong.models import Agency, Document, Record
from xinyong.models.objection import Objection
from xinyong.objections import rules

OUTCOME_ZH = {"corrected": "异议成立，已更正", "upheld": "经核查，维持原记录"}


def issue_result(session: Session, principal: Principal, objection: Objection, record: Record, profile: Profile,
                 today: dt.date) -> Document:
    grounds = rules.grounds_of(profile, today)
    agency = session.scalar(select(Agency.name).where(Agency.id == objection.source_agency_id)) or ""
    remedy_zh, _remedy_en, remedy_cite = rules.remedies(profile, today)
    facts = Section(heading="异议事项", rows=[
        ("异议编号", f"第{objection.id}号"), ("提出日期", objection.filed_on.isoformat()),
        ("提出方式", "本人提出" if objection.channel == "self" else f"服务窗口代为提出（授权书：{objection.agent_authorisation_ref}）"),
        ("信用记录", f"{_item_name(record.item_code)} {record.decision_no}"), ("信息来源单位", agency),
        ("异议情形", "、".join(grounds.get(g, {}).get("zh", g) for g in objection.grounds)),
    ], paragraphs=[f"异议理由：{objection.reasons}"])
    outcome = Section(heading="处理结果", paragraphs=[OUTCOME_ZH[objection.status],
                                                   f"理由：{objection.decision_reasons}"])
    sections = [facts, outcome]
    if objection.changes:
        table = [["字段", "原值", "更正后"]] + [[c["label"], c["old"] or "（空）", c["new"] or "（空）"]
                                              for c in objection.changes]
        sections.append(Section(heading="更正内容", table=table,
                                paragraphs=["记录的修改历史保存变更原因：" + f"异议更正（第{objection.id}号异议）"]))
    sections.append(Section(heading="救济途径", paragraphs=[remedy_zh, f"（{remedy_cite}）"]))
    citation = rules.citation_of(profile, rules.GROUNDS_KEY, today)
    return issue(session, kind="objection_result", procedure="objection", procedure_id=objection.id,
                 title="信用信息异议处理结果告知书", sections=sections, subject_id=objection.subject_id,
                 citation=citation, created_by=principal.user_id)


def _item_name(code: str) -> str:
    from xinyong.catalogue.loader import CatalogueError, get_catalogue
    try:
        return get_catalogue().get(code).name_zh
    except CatalogueError:   # an item retired since: its code still identifies it
        return code
