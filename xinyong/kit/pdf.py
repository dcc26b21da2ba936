"""PDF documents in Chinese with an embedded CJK font (fpdf2; the font is subset and embedded,
so the document reads the same on any machine). The font comes from Debian's fonts-noto-cjk,
installed by scripts/setup.sh; XINYONG_PDF_FONT may point at another TrueType/OpenType file.
Documents and reports whose every character is a common one are drawn with a cached subset of
that font (`common_font`, in XINYONG_FONT_CACHE_DIR): the same glyphs, several times faster."""
from __future__ import annotations

import dataclasses
import fcntl
import functools
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from fpdf import FPDF
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

FONT_CANDIDATES = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),   # index 2: Simplified Chinese
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
)


class FontMissing(RuntimeError):
    pass


class FontSettings(BaseSettings):
    """Where the cached common-character font is kept (typed, env prefix XINYONG_)."""
    model_config = SettingsConfigDict(env_prefix="XINYONG_", extra="ignore")
    data_dir: Path = Field(default=Path("var"), description="the platform's data directory")
    font_cache_dir: Path | None = Field(default=None, description="cached document font; default <data_dir>/cache/fonts")


def font_cache_dir() -> Path:
    settings = FontSettings()
    return settings.font_cache_dir or settings.data_dir / "cache" / "fonts"


@functools.lru_cache(maxsize=1)
def cjk_font() -> tuple[str, int]:
    given = os.environ.get("XINYONG_PDF_FONT")
    if given:
        if not Path(given).is_file():
            raise FontMissing(f"XINYONG_PDF_FONT={given!r} is not a file")
        return given, 0
    for path, index in FONT_CANDIDATES:
        if Path(path).is_file():
            return path, index
    raise FontMissing("no CJK font found: install fonts-noto-cjk (scripts/setup.sh does) "
                      "or set XINYONG_PDF_FONT")


@dataclass
class Section:
    """A block of a document: an optional heading, paragraphs, and label/value rows."""
    heading: str = ""
    paragraphs: list[str] = field(default_factory=list)
    rows: list[tuple[str, str]] = field(default_factory=list)
    table: list[list[str]] = field(default_factory=list)       # first row is the header


@dataclass
class DocumentSpec:
    title: str
    number: str                      # 文书编号, printed under the title
    issuer: str                      # the platform / organ issuing it
    date_text: str
    sections: list[Section] = field(default_factory=list)
    footer: str = ""


class _Pdf(FPDF):
    footer_text = ""
    page_words = "第 {page} 页 / 共 {{nb}} 页"     # a report issued in English sets its own

    def footer(self):
        self.set_y(-15)
        self.set_font("cjk", size=8)
        self.cell(0, 10, f"{self.footer_text}  " + self.page_words.format(page=self.page_no()), align="C")


def in_words(text: str) -> str:
    """Documents are issued in Chinese: a citation in its stored form is printed in words."""
    from xinyong.law.citing import words_in_text
    return words_in_text(str(text), "zh")


def worded(sections: list[Section], words: Callable[[str], str] = in_words) -> list[Section]:
    """The sections as printed: citations in words in every paragraph, value and cell."""
    return [Section(s.heading, [words(p) for p in s.paragraphs], [(a, words(b) if b else b) for a, b in s.rows],
                    [[words(str(c)) for c in row] for row in s.table]) for s in sections]


def sections_text(sections: list[Section]) -> str:
    """Every character the sections print, for the choice of font (`font_for`)."""
    parts = []
    for s in sections:
        parts += [s.heading, *s.paragraphs, *(x for row in s.rows for x in row), *(str(c) for row in s.table for c in row)]
    return "".join(parts)


EMPTY_VALUE = "—"


def write_sections(pdf: FPDF, sections: list[Section]) -> None:
    """Draws sections already `worded`."""
    width = pdf.w - pdf.l_margin - pdf.r_margin
    for section in sections:
        if section.heading:
            pdf.ln(2)
            pdf.set_font("cjk", size=12)
            pdf.multi_cell(width, 8, section.heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("cjk", size=10.5)
        for text in section.paragraphs:
            pdf.multi_cell(width, 6.5, text, new_x="LMARGIN", new_y="NEXT")
        for label, value in section.rows:
            pdf.set_font("cjk", size=10)
            pdf.multi_cell(width * 0.3, 6.5, label, new_x="RIGHT", new_y="TOP", max_line_height=6.5)
            pdf.multi_cell(width * 0.7, 6.5, value or EMPTY_VALUE, new_x="LMARGIN", new_y="NEXT")
        if section.table:
            pdf.set_font("cjk", size=9)
            with pdf.table(text_align="LEFT", line_height=5.5) as table:
                for cells in section.table:
                    row = table.row()
                    for cell in cells:
                        row.cell(cell)


def render(spec: DocumentSpec) -> bytes:
    """The document's PDF, in the cached common-character font when it covers every character."""
    spec = dataclasses.replace(spec, sections=worded(spec.sections))
    footer = spec.footer or f"{spec.issuer} · {spec.number}"
    text = "".join((spec.title, spec.number, spec.issuer, spec.date_text, footer, _Pdf.page_words, "0123456789",
                    EMPTY_VALUE, sections_text(spec.sections)))
    path, index = font_for(text, font_cache_dir())
    pdf = new_pdf_with_font(path, index, footer, bold_face=any(s.table for s in spec.sections))
    pdf.set_title(spec.title)
    width = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.set_font("cjk", size=16)
    pdf.multi_cell(width, 10, spec.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=9)
    pdf.multi_cell(width, 6, f"{spec.number}", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    write_sections(pdf, spec.sections)
    pdf.ln(8)
    pdf.set_font("cjk", size=10.5)
    pdf.multi_cell(width, 6.5, f"{spec.issuer}\n{spec.date_text}", align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


# ---- a faster font for documents rendered often (credit reports) -------------------------------------
# Parsing the whole Noto CJK collection costs about 0.5 s per font registration and as much again
# when the subset is written. A cached font holding only the common characters (ASCII, Latin-1,
# punctuation, full-width forms and the 7,445 characters of GB 2312) parses and subsets several
# times faster; a text with any character outside it falls back to the full font (same look).

def _gb2312_characters() -> set[str]:
    found = set()
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                found.add(bytes((high, low)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return found


@functools.lru_cache(maxsize=1)
def common_characters() -> frozenset[str]:
    ranges = ((0x20, 0x250), (0x2000, 0x2070), (0x2190, 0x2200), (0x2460, 0x2500), (0x25A0, 0x2700),
              (0x3000, 0x3040), (0xFF00, 0xFFF0))
    chars = {chr(c) for start, end in ranges for c in range(start, end)}
    return frozenset(chars | _gb2312_characters() | {"\n", "\t"})


def common_font(cache_dir: Path) -> Path:
    """The cached common-character subset of the CJK font, built on first use (about 20 s)."""
    path, index = cjk_font()
    target = Path(cache_dir) / f"cjk-common-{Path(path).stem}-{index}.otf"
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)    # processes starting together build it once
        if not target.is_file():
            _build_common_font(path, index, target)
    return target


def _build_common_font(path: str, index: int, target: Path) -> None:
    from fontTools import subset, ttLib
    font = ttLib.TTFont(path, fontNumber=index)
    options = subset.Options()
    options.name_IDs, options.notdef_outline, options.hinting = ["*"], True, False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in common_characters()])
    subsetter.subset(font)
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    font.save(str(tmp))
    os.replace(tmp, target)


def font_for(text: str, cache_dir: Path) -> tuple[str, int]:
    """The common-character font when it covers `text`, else the full CJK font."""
    if set(text) <= common_characters():
        return str(common_font(cache_dir)), 0
    return cjk_font()


def new_pdf_with_font(path: str, index: int = 0, footer: str = "", bold_face: bool = False) -> FPDF:
    """An A4 document with the given font file registered as ``cjk``. Each registered face is
    subset and embedded separately: register the "B" face (fpdf2 table headings) only if used."""
    pdf = _Pdf(format="A4")
    pdf.footer_text = footer
    pdf.set_creator("Xinyong 公共信用信息平台")
    pdf.add_font("cjk", fname=path, collection_font_number=index)
    if bold_face:
        pdf.add_font("cjk", style="B", fname=path, collection_font_number=index)
    for font in pdf.fonts.values():
        # a subset keeps the source font's bounding boxes; recomputing them from every kept glyph
        # outline when the subset is written costs more than half of the output time
        ttfont = getattr(font, "ttfont", None)
        if ttfont is not None:
            ttfont.recalcBBoxes = False
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_page()
    return pdf
