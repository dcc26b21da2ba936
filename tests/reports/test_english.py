"""Issue #13 point 3: a reader of the English pages obtains the credit report in English. The
language is chosen at issue and stored with the report; the signed bytes stored are the English
PDF, so it verifies by code and by file like a Chinese one. Data (names, agencies, decision
numbers, change reasons) stays as recorded; every word the platform prints is English."""
from __future__ import annotations

import re

from sqlalchemy import select

from tests.reports.support import my_report, pdf_of, text_of
from xinyong.models import Record
from xinyong.models.report import IssuedReport
from xinyong.repair.service import change_record

HAN = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]+")


def _interface_han(text: str, data: list[str]) -> list[str]:
    """Chinese left in the text once the recorded data is taken out: interface words not translated."""
    for value in sorted(data, key=len, reverse=True):
        text = text.replace(value.replace(" ", ""), "")
    return HAN.findall(text)


def _data(session) -> list[str]:
    from xinyong.models import Agency, Subject
    rows = session.execute(select(Record.decision_no, Record.item_code)).all()
    values = [r for row in rows for r in row]
    values += list(session.scalars(select(Agency.name))) + list(session.scalars(select(Subject.name)))
    from xinyong.models.history import History
    values += [v for v in session.scalars(select(History.change_reason)) if v]
    return [v for v in values if v]


def test_an_english_report_speaks_english_and_verifies_by_code_and_by_file(client, world, session):
    recent = session.scalars(select(Record).where(Record.subject_id == world.enterprise_id)
                             .order_by(Record.decision_date.desc())).first()
    change_record(session, recent, None, "异议受理：核查处罚金额", under_objection=True)
    session.commit()
    headers = world.token("firm")
    for kind, special in (("full", {}), ("public", {}),
                          ("special", {"field": "market", "date_from": "2022-01-01", "date_to": "2026-08-31"})):
        r = my_report(client, headers, kind, lang="en", **special)
        assert r.status_code == 201, r.text
        issued = r.json()
        assert issued["lang"] == "en"
        pdf = pdf_of(client, headers, issued["id"])
        text = text_of(pdf)
        assert "Creditreport" in text or "Specialcreditreport" in text, text[:300]
        assert "Verificationcode" in text and "Legalbasis" in text and "Sources" in text
        assert "泉州市市场监督管理局" in text                   # data as recorded
        assert "Regulation" in text and "《" not in text, text   # citations in English words
        assert _interface_han(text, _data(session)) == [], (kind, _interface_han(text, _data(session)))
        stored = session.scalar(select(IssuedReport).where(IssuedReport.id == issued["id"]))
        session.refresh(stored)
        assert stored.lang == "en" and stored.content == pdf
        by_code = client.get(f"/api/v1/reports/verify/{issued['code']}").json()
        assert by_code["outcome"] == "authentic" and by_code["hash_matches"] is True
        by_file = client.post("/api/v1/reports/verify", files={"file": ("r.pdf", pdf, "application/pdf")}).json()
        assert by_file["outcome"] == "authentic" and by_file["code"] == issued["code"]
    full = text_of(pdf_of(client, headers, my_report(client, headers, "full", lang="en").json()["id"]))
    assert "underobjection" in full and "异议受理：核查处罚金额" in full   # the reason as recorded
    assert "owncreditreport" in full and "本人信用报告" not in full    # the platform's own logged purpose, in words


def test_the_report_follows_the_page_language_and_chinese_stays_the_default(client, world, session):
    headers = world.token("firm")
    zh = my_report(client, headers, "public")
    assert zh.status_code == 201 and zh.json()["lang"] == "zh"
    assert "信用报告（公开版）" in text_of(pdf_of(client, headers, zh.json()["id"]))
    public = client.post(f"/api/v1/reports/public/{world.enterprise_id}?lang=en")
    assert public.status_code == 200
    text = text_of(public.content)
    assert "Creditreport(public)" in text and "信用报告" not in text
    stored = session.scalar(select(IssuedReport).where(IssuedReport.code == public.headers["x-report-code"]))
    assert stored.lang == "en"
    assert my_report(client, headers, "public", lang="fr").status_code == 422
