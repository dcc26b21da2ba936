"""Documents and reports are drawn in the cached common-character subset of the CJK font when it
covers every character they print, else in the full font (kit.pdf.font_for). A name outside
GB 2312 (喆 is in GBK, common in given names) must still be printed, not dropped as a missing glyph."""
from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from xinyong.kit.pdf import DocumentSpec, Section, common_characters, render


def _printed(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).replace("\x00", "").replace("\n", "")


def _decision(name: str, table: bool = False) -> DocumentSpec:
    rows = [["当事人", name]] if table else []
    return DocumentSpec(title="严重失信主体名单认定决定书", number="泉信认〔2026〕1号", issuer="泉州市发展和改革委员会",
                        date_text="2026年6月9日",
                        sections=[Section(heading="一、当事人", paragraphs=[f"当事人{name}，依《泉州市社会信用条例》第三十条认定。"],
                                          rows=[("姓名", name), ("备注", "")], table=[["项目", "内容"], *rows])])


@pytest.mark.parametrize("name", ["王大明", "王喆", "李𠮷"])
@pytest.mark.parametrize("table", [False, True])
def test_every_character_of_a_document_is_printed_whichever_font_draws_it(name, table):
    assert (name in ("王喆", "李𠮷")) == (not set(name) <= common_characters())
    printed = _printed(render(_decision(name, table)))
    assert f"当事人{name}" in printed and "第1页/共1页" in printed.replace(" ", "")


def test_a_document_in_common_characters_embeds_the_small_font():
    common, rare = render(_decision("王大明")), render(_decision("王喆"))
    assert len(common) < len(rare)
