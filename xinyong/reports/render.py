"""A report as a PDF in the language it is issued in, Chinese or English (kit.pdf: fpdf2 with
the embedded Noto CJK font): title, report number, the content's sections, the legal basis, and a verification block with the code, the URL
and a QR code (segno) pointing at {base_url}/verify/{code}. Unsigned here; signing.sign signs it."""
from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re

import segno

from xinyong.kit.pdf import Section, font_cache_dir, font_for, new_pdf_with_font, sections_text, worded
from xinyong.kit.pdf import in_words as pdf_in_words
from xinyong.reports import rules
from xinyong.law.citing import words_in_text
from xinyong.reports.content import Content, t


@dataclasses.dataclass(frozen=True)
class Stamp:
    number: str          # report number
    code: str            # verification code
    verify_url: str
    issued_on: dt.date
    issuer: str


def qr_png(url: str) -> bytes:
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="png", scale=4, border=2)
    return out.getvalue()


def all_text(content: Content, stamp: Stamp) -> str:
    parts = [content.title, stamp.number, stamp.issuer, stamp.verify_url, BOILERPLATE, *content.citations]
    return "".join(parts) + sections_text(content.sections)


BOILERPLATE = ("报告编号出具日期验证码验证地址扫描右侧二维码或访问验证地址，可核验本报告的真实性与完整性（不显示报告内容）。"
               "依据：；说明：本报告由平台以电子签名（PAdES）签署。任何改动都会使签名失效；请在平台验证页面输入验证码或上传本文件核验真伪。"
               "年月日第页/共0123456789·")


def render(content: Content, stamp: Stamp) -> bytes:
    """The PDF; the cached common-character font when it covers every character (fast path)."""
    content, lang = _worded(content), content.lang
    path, index = font_for(all_text(content, stamp), font_cache_dir())
    pdf = new_pdf_with_font(path, index, t(lang, "footer", issuer=stamp.issuer, number=stamp.number, code=stamp.code))
    pdf.page_words = t(lang, "page")
    pdf.set_title(f"{content.title} {stamp.number}")
    pdf.set_subject(f"{rules.TITLES[content.kind][1]} / verify at {stamp.verify_url}")
    pdf.set_keywords(f"{rules.CODE_MARK}{stamp.code}")
    pdf.set_creation_date(dt.datetime.combine(stamp.issued_on, dt.time(), dt.timezone.utc))
    width = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.set_font("cjk", size=18)
    pdf.multi_cell(width, 11, content.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=9)
    pdf.multi_cell(width, 5.5, t(lang, "stamp_line", number=stamp.number, date=stamp.issued_on.isoformat(), code=stamp.code),
                   align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    _verification_block(pdf, stamp, width, lang)
    _sections(pdf, content.sections)
    pdf.ln(4)
    pdf.set_font("cjk", size=10)
    cited = t(lang, "basis_sep").join(c for c in content.citations if c)
    pdf.multi_cell(width, 6, t(lang, "basis", citations=cited), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(width, 6, t(lang, "note"), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("cjk", size=10.5)
    day = stamp.issued_on
    signed_on = t(lang, "signed_date", year=day.year, month=day.month, day=day.day, date=day.isoformat())
    pdf.multi_cell(width, 6.5, f"{stamp.issuer}\n{signed_on}",
                   align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _worded(content: Content) -> Content:
    """Citations in words (kit.pdf.in_words; law.citing in English) in every text the report prints."""
    in_words = _words_in(content.lang)
    return dataclasses.replace(content, sections=worded(content.sections, in_words),
                               citations=[in_words(c) for c in content.citations if c])


def _words_in(lang: str):
    return pdf_in_words if lang == "zh" else (lambda text: words_in_text(str(text), lang))


def _verification_block(pdf, stamp: Stamp, width: float, lang: str = "zh") -> None:
    top = pdf.get_y()
    size = 28
    pdf.image(io.BytesIO(qr_png(stamp.verify_url)), x=pdf.l_margin + width - size, y=top, w=size, h=size)
    pdf.set_font("cjk", size=9.5)
    pdf.multi_cell(width - size - 4, 5.5, t(lang, "verify_block", code=stamp.code, url=stamp.verify_url),
                   new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(pdf.get_y(), top + size) + 2)


# ---- sections and a fast ruled table -----------------------------------------------------------------------
# fpdf2's table() lays every cell out twice through multi_cell (about 15 ms a row here); a report
# with hundreds of records would take seconds. Reports only need ruled rows of wrapped text, drawn
# here with measured character widths and pdf.text(): the same look at a fraction of the cost.

TABLE_FONT, LINE_H, PAD = 8.5, 4.2, 1.2
SHORT_CELL, LEAST_CAP = 16, 42.0       # cells this short (a decision number, a date) are not wrapped


def _sections(pdf, sections: list[Section]) -> None:
    width = pdf.w - pdf.l_margin - pdf.r_margin
    for section in sections:
        if section.heading:
            pdf.ln(2)
            pdf.set_font("cjk", size=12)
            pdf.multi_cell(width, 8, section.heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("cjk", size=10)
        for text in section.paragraphs:
            pdf.multi_cell(width, 6, text, align="L", new_x="LMARGIN", new_y="NEXT")
        for label, value in section.rows:
            pdf.multi_cell(width * 0.3, 6, label, new_x="RIGHT", new_y="TOP", max_line_height=6)
            pdf.multi_cell(width * 0.7, 6, value or "—", new_x="LMARGIN", new_y="NEXT")
        if section.table:
            _table(pdf, section.table, width)
            pdf.ln(1)


class _Widths:
    def __init__(self, pdf):
        self.pdf, self.cache = pdf, {}

    def __call__(self, ch: str) -> float:
        w = self.cache.get(ch)
        if w is None:
            w = self.cache[ch] = self.pdf.get_string_width(ch)
        return w

    def wrap(self, text: str, limit: float) -> list[str]:
        lines, line, used = [], [], 0.0
        for ch in text.replace("\r", ""):
            if ch == "\n":
                lines.append("".join(line))
                line, used = [], 0.0
                continue
            w = self(ch)
            if line and used + w > limit:
                lines.append("".join(line))
                line, used = [], 0.0
            line.append(ch)
            used += w
        lines.append("".join(line))
        return lines


def _column_widths(table: list[list[str]], width: float, measure: _Widths) -> list[float]:
    """Each column gets at least its longest unbreakable run (a date, a number; at most 30 mm),
    then the rest of the width in proportion to how much more its text would need."""
    cols = max(len(r) for r in table)
    natural, least = [0.0] * cols, [0.0] * cols
    for row in table[:80]:
        for i, cell in enumerate(row):
            text = str(cell)
            natural[i] = max(natural[i], sum(measure(c) for c in text) + 2 * PAD)
            runs = re.findall(r"[\x21-\x7e]+", text) + [text[:2]] + ([text] if len(text) <= SHORT_CELL else [])
            least[i] = max(least[i], min(LEAST_CAP, max(sum(measure(c) for c in run) for run in runs) + 2 * PAD))
    if sum(least) >= width:
        return [x * width / sum(least) for x in least]
    extra = [max(0.0, n - m) for n, m in zip(natural, least)]
    spare = width - sum(least)
    if sum(extra) <= spare:
        return [n + (spare - sum(extra)) / cols for n in natural]
    return [m + e * spare / sum(extra) for m, e in zip(least, extra)]


def _table(pdf, table: list[list[str]], width: float) -> None:
    pdf.set_font("cjk", size=TABLE_FONT)
    measure = _Widths(pdf)
    widths = _column_widths(table, width, measure)
    header = table[0]
    _row(pdf, header, widths, measure, shaded=True)
    for cells in table[1:]:
        lines = [measure.wrap(str(c), w - 2 * PAD) for c, w in zip(cells, widths)]
        height = max(len(x) for x in lines) * LINE_H + 2 * PAD
        if pdf.get_y() + height > pdf.page_break_trigger:
            pdf.add_page()
            pdf.set_font("cjk", size=TABLE_FONT)
            _row(pdf, header, widths, measure, shaded=True)
        _draw(pdf, lines, widths, height)


def _row(pdf, cells, widths, measure: _Widths, shaded: bool = False) -> None:
    lines = [measure.wrap(str(c), w - 2 * PAD) for c, w in zip(cells, widths)]
    height = max(len(x) for x in lines) * LINE_H + 2 * PAD
    if shaded:
        pdf.set_fill_color(235, 239, 244)
        pdf.rect(pdf.l_margin, pdf.get_y(), sum(widths), height, style="F")
    _draw(pdf, lines, widths, height)


def _draw(pdf, lines: list[list[str]], widths: list[float], height: float) -> None:
    x, top = pdf.l_margin, pdf.get_y()
    pdf.set_draw_color(150, 150, 150)
    pdf.set_line_width(0.15)
    for cell_lines, w in zip(lines, widths):
        for n, text in enumerate(cell_lines):
            if text:
                pdf.text(x + PAD, top + PAD + (n + 0.78) * LINE_H, text)
        pdf.rect(x, top, w, height)
        x += w
    pdf.set_xy(pdf.l_margin, top + height)
