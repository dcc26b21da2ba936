"""A report as a PDF in Chinese (kit.pdf: fpdf2 with the embedded Noto CJK font): title, report
number, the content's sections, the legal basis, and a verification block with the code, the URL
and a QR code (segno) pointing at {base_url}/verify/{code}. Unsigned here; signing.sign signs it."""
from __future__ import annotations

import dataclasses
import datetime as dt
import io

import segno

from xinyong.kit.pdf import new_pdf, write_sections
from xinyong.reports import rules
from xinyong.reports.content import Content


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


def render(content: Content, stamp: Stamp) -> bytes:
    pdf = new_pdf(f"{stamp.issuer} · {stamp.number} · 验证码 {stamp.code}")
    pdf.set_title(f"{content.title} {stamp.number}")
    pdf.set_subject(f"{rules.TITLES[content.kind][1]} / verify at {stamp.verify_url}")
    pdf.set_keywords(f"{rules.CODE_MARK}{stamp.code}")
    pdf.set_creation_date(dt.datetime.combine(stamp.issued_on, dt.time(), dt.timezone.utc))
    width = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.set_font("cjk", size=18)
    pdf.multi_cell(width, 11, content.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=9)
    pdf.multi_cell(width, 5.5, f"报告编号：{stamp.number}    出具日期：{stamp.issued_on.isoformat()}    验证码：{stamp.code}",
                   align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    _verification_block(pdf, stamp, width)
    write_sections(pdf, content.sections)
    pdf.ln(4)
    pdf.set_font("cjk", size=10)
    pdf.multi_cell(width, 6, "依据：" + "；".join(c for c in content.citations if c), new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(width, 6, "说明：本报告由平台以电子签名（PAdES）签署。任何改动都会使签名失效；"
                   "请在平台验证页面输入验证码或上传本文件核验真伪。", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("cjk", size=10.5)
    pdf.multi_cell(width, 6.5, f"{stamp.issuer}\n{stamp.issued_on.year}年{stamp.issued_on.month}月{stamp.issued_on.day}日",
                   align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _verification_block(pdf, stamp: Stamp, width: float) -> None:
    top = pdf.get_y()
    size = 28
    pdf.image(io.BytesIO(qr_png(stamp.verify_url)), x=pdf.l_margin + width - size, y=top, w=size, h=size)
    pdf.set_font("cjk", size=9.5)
    pdf.multi_cell(width - size - 4, 5.5, f"验证码：{stamp.code}\n验证地址：{stamp.verify_url}\n"
                   "扫描右侧二维码或访问验证地址，可核验本报告的真实性与完整性（不显示报告内容）。",
                   new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(pdf.get_y(), top + size) + 2)
