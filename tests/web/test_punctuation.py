"""A template writes its own punctuation Chinese style ("：", "（…）", "；", "、"); an English page
prints it English style, and data printed into the page keeps its punctuation as recorded (the
demo audit: "legal representative：", "（Public body）", "A ≥ 90；B ≥ 75" on English pages, and
"依据: ", "等级划分:" on Chinese ones)."""
from __future__ import annotations

import re
from pathlib import Path

from xinyong.kit.web import templates

TEMPLATES = Path(__file__).resolve().parents[2] / "xinyong" / "web" / "templates"


def test_a_templates_punctuation_follows_the_page_language_and_data_keeps_its_own():
    page = templates.env.from_string("{{ label }}：{{ name }}（{{ kind }}）{% for g in gs %}{{ g }}"
                                     "{{ punctuation('；') if not loop.last }}{% endfor %}")
    data = {"label": "Name", "name": "泉州某某（分公司）", "kind": "Public body", "gs": ["A ≥ 90", "B ≥ 75"]}
    assert page.render(lang="en", **data) == "Name: 泉州某某（分公司） (Public body)A ≥ 90; B ≥ 75"
    assert page.render(lang="zh", **{**data, "label": "名称", "kind": "机关"}) == "名称：泉州某某（分公司）（机关）A ≥ 90；B ≥ 75"


def test_no_template_writes_a_label_colon_the_english_way():
    # "{{ t(...) }}: " printed "依据: " on Chinese pages; written "：" it reads right in both languages
    found = {str(p.relative_to(TEMPLATES)): hits for p in sorted(TEMPLATES.rglob("*.html"))
             if (hits := re.findall(r"\{\{ t\([^}]*\) \}\}:", p.read_text("utf-8")))}
    assert not found, found
