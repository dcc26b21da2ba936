"""Batch templates (报送模板) for each ingestible catalogue item: its headers, a description
row (what each column takes: mandatory or not, type, length, code table), and valid example
rows — all derived from the item's catalogue fields, so a template never drifts from what
ingestion checks.

The description row is row 2 and its first cell starts with ``TEMPLATE_MARK``: the batch
reader (xinyong/ingest/readers.py) skips exactly that row, so a template filled in below it,
or sent back unchanged with its example row, uploads cleanly. Example rows are marked
（示例数据） in the subject's name; their dates lie shortly before ``today``. The files are
written by ``template_files``; ``example_rows`` also makes the demo's example batches.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from xinyong.catalogue.loader import CatalogueItem, FieldDef
from xinyong.ingest.readers import TEMPLATE_MARK
from xinyong.synthetic import make_resident_id, make_uscc

EXAMPLE_TAG = "（示例数据）"
LONG_TERM = "2099-12-31"
TYPE_WORDS = {
    "text": "文本", "decimal": "数字（不带单位）", "uscc": "18位统一社会信用代码",
    "date": "日期，格式 YYYY-MM-DD（也可 YYYY/MM/DD 或 YYYYMMDD）",
    "enum": "按代码表填写", "subject_kind": "按代码表填写", "resident_id": "居民身份证号码",
}
ROLE_WORDS = {
    "subject_uscc": "法人及非法人组织必填；个体工商户填写本列或其他相对人代码",
    "subject_id_type": "自然人必填，与证件号码同时填写",
    "subject_id_number": "自然人必填；证件类型为身份证时须为有效的居民身份证号码",
    "decision_date": "不得晚于报送日期",
    "decision_no": "同一批次内不得重复；重新报送同一文号即为更正",
    "source_agency_uscc": "报送单位本单位的统一社会信用代码",
}
# text for the example row's mandatory free-text columns, by field code; others get the header
EXAMPLE_TEXT = {
    "offence_type": "未按规定公示年度报告", "offence_facts": "当事人未按规定期限公示上一年度年度报告。",
    "legal_basis": "《中华人民共和国行政处罚法》第二十八条", "penalty_content": "给予警告。",
    "decision_doc_name": "行政许可决定书", "licence_content": "食品销售（预包装食品）",
    "commitment_type": "告知承诺制审批", "commitment_matter": "按期补交消防安全检查合格证明",
    "breach_facts": "承诺期限届满未补交承诺材料。", "facts": "未按合同约定期限支付工程款。",
    "legal_rep_name": "张某某",
}
EXAMPLE_NAMES = ("示例甲科技有限公司", "示例乙商贸有限公司", "示例丙便利店")
PERSON_NAMES = ("张示例", "李示例", "王示例")   # items for natural persons only (QZ art. 30 para. 2)
PUBLIC_BODY_ITEMS = {"government_breach": ("示例市示例局", "11")}   # item -> (subject name, USCC kind)
EXAMPLE_AGENCY = ("示例市市场监督管理局", make_uscc(random.Random(1301), kind="11"))
AGENCY_NAME_FIELDS = {"deciding_agency_name", "source_agency_name", "licensing_agency_name"}


@dataclass(frozen=True)
class Sender:
    """Whose template it is: an agency's own name and USCC fill the agency columns."""
    name: str
    uscc: str


def description(f: FieldDef) -> str:
    """One cell of the description row: mandatory or not, type, length, codes, cross-field rules."""
    parts = ["必填" if f.required else "选填", TYPE_WORDS.get(f.type, f.type)]
    if f.max_length and f.type not in ("date", "uscc") and not f.codes:
        parts.append(f"最长{f.max_length}字")
    if f.codes:
        parts.append("可选值：" + "、".join(f.codes))
    if f.multiple:
        parts.append("可填多个，用分号或顿号分隔")
    if f.role in ROLE_WORDS:
        parts.append(ROLE_WORDS[f.role])
    if f.role == "valid_to":
        parts.append(f"长期有效填 {LONG_TERM}")
    if f.sensitive:
        parts.append("敏感信息，不予公示")
    return "；".join(parts)


def headers(item: CatalogueItem) -> list[str]:
    return [f.header_zh for f in item.fields]


def description_row(item: CatalogueItem) -> list[str]:
    cells = [description(f) for f in item.fields]
    cells[0] = f"{TEMPLATE_MARK}{cells[0]}"
    return cells


def example_rows(item: CatalogueItem, today: dt.date, sender: Sender | None = None, count: int = 1) -> list[list[str]]:
    """``count`` valid rows: legal persons, every third one an individual business (natural persons
    for an item of natural persons only)."""
    agency = sender or Sender(*EXAMPLE_AGENCY)
    return [[_example_value(f, item, n, today, agency) for f in item.fields] for n in range(count)]


def _example_value(f: FieldDef, item: CatalogueItem, n: int, today: dt.date, agency: Sender) -> str:
    decided = today - dt.timedelta(days=10 + n)
    public_body = PUBLIC_BODY_ITEMS.get(item.code)
    person = _persons_only(item)
    by_role = {
        "subject_name": lambda: _subject_name(n, public_body, person),
        "subject_kind": lambda: _kind_code(f, "natural_person" if person else "individual_business"
                                           if n % 3 == 2 and not public_body else "legal_person"),
        "subject_id_number": lambda: make_resident_id(random.Random(f"{item.code}-{n}")) if person else "",
        "subject_uscc": lambda: make_uscc(random.Random(f"{item.code}-{n}"),
                                          kind=public_body[1] if public_body else "91"),
        "decision_no": lambda: f"示例〔{decided.year}〕{n + 1}号",
        "decision_date": decided.isoformat,
        "valid_to": lambda: (decided + dt.timedelta(days=365)).isoformat(),
        "source_agency_uscc": lambda: agency.uscc, "deciding_agency_uscc": lambda: agency.uscc,
    }
    if f.role in by_role:
        return by_role[f.role]()
    if f.code in AGENCY_NAME_FIELDS:
        return agency.name
    if f.code == "valid_from":
        return decided.isoformat()
    if f.code in EXAMPLE_TEXT and not f.codes and (f.required or f.role == "legal_rep_name"):
        return EXAMPLE_TEXT[f.code][: f.max_length or None]
    if not f.required:
        return ""
    if f.codes:
        return f.codes[0]
    if f.type == "decimal":
        return "0"
    return f"{f.header_zh}（示例）"[: f.max_length or None]


def _subject_name(n: int, public_body: tuple[str, str] | None, person: bool = False) -> str:
    names = PERSON_NAMES if person else EXAMPLE_NAMES
    base = public_body[0] if public_body else names[n % len(names)]
    return f"{base}{'' if n < len(names) else n + 1}{EXAMPLE_TAG}"


def _persons_only(item: CatalogueItem) -> bool:
    kind = item.field_by_role("subject_kind")
    return kind is not None and set(kind.meanings.values()) == {"natural_person"}


def _kind_code(f: FieldDef, meaning: str) -> str:
    return next(code for code, m in f.meanings.items() if m == meaning)


def code_tables(item: CatalogueItem) -> list[tuple[FieldDef, tuple[str, ...]]]:
    """The fields that take a code table, with their codes (for the XLSX second sheet)."""
    return [(f, f.codes) for f in item.fields if f.codes]
