"""A local supplementary item as staff would define it, and rows of it as an agency sends them."""
from __future__ import annotations

import copy

SUBJECT_KINDS = [{"value": "法人及非法人组织", "maps_to": "legal_person"}, {"value": "自然人", "maps_to": "natural_person"},
                 {"value": "个体工商户", "maps_to": "individual_business"}]

MODEL_FIRM = {
    "code": "qz_honest_model_firm", "name_zh": "泉州市诚信经营示范企业", "name_en": "Quanzhou model of honest business",
    "category": "honour", "order": 5, "disclosure": "public", "ingestible": True,
    "fields": [
        {"code": "subject_name", "header_zh": "主体名称", "required": True, "type": "text", "max_length": 200,
         "role": "subject_name"},
        {"code": "subject_kind", "header_zh": "主体类别", "required": True, "type": "subject_kind",
         "codes": SUBJECT_KINDS, "role": "subject_kind"},
        {"code": "subject_uscc", "header_zh": "统一社会信用代码", "type": "uscc", "max_length": 18, "role": "subject_uscc"},
        {"code": "decision_no", "header_zh": "认定文号", "required": True, "type": "text", "max_length": 128,
         "role": "decision_no"},
        {"code": "decision_date", "header_zh": "认定日期", "required": True, "type": "date", "role": "decision_date"},
        {"code": "source_agency_uscc", "header_zh": "数据来源单位统一社会信用代码", "required": True, "type": "uscc",
         "max_length": 18, "role": "source_agency_uscc"},
    ],
}


def definition(**changes) -> dict:
    d = copy.deepcopy(MODEL_FIRM)
    d.update(changes)
    return d


def rows(n: int, agency_uscc: str, subject_usccs: list[str], start: int = 0) -> list[dict[str, str]]:
    return [{"主体名称": f"泉州市示范贸易有限公司{start + i}", "主体类别": "法人及非法人组织",
             "统一社会信用代码": subject_usccs[i], "认定文号": f"泉信示范〔2026〕{start + i + 1}号",
             "认定日期": "2026-06-01", "数据来源单位统一社会信用代码": agency_uscc} for i in range(n)]
