"""Shapes of bulletins for pages and the API, and the 政策法规 entries generated from the law
data: the regulations of the active profile (with the articles the platform applies) and the
published measure lists."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.bulletins import repository, rules
from xinyong.bulletins.schemas import AttachmentOut, BulletinOut, Label, PublicBulletinOut
from xinyong.kit.web import local_date
from xinyong.law import active_profile
from xinyong.measures import repository as measures
from xinyong.measures.service import jurisdiction
from xinyong.models.bulletin import Bulletin


def _attachments_out(bulletin_id: int, rows) -> list[AttachmentOut]:
    return [AttachmentOut(id=a.id, filename=a.filename, content_type=a.content_type, size=a.size, sha256=a.sha256,
                          url=f"/bulletins/{bulletin_id}/attachments/{a.id}") for a in rows]


def _category(policy: rules.BulletinPolicy, code: str) -> Label:
    name = policy.categories.get(code)
    return Label(zh=name.zh, en=name.en) if name else Label(zh=code, en=code)


def public_out(session: Session, rows: list[Bulletin]) -> list[PublicBulletinOut]:
    policy, files = rules.policy(active_profile(), clock.today()), repository.attachments(session, [b.id for b in rows])
    return [PublicBulletinOut(id=b.id, category=b.category, category_name=_category(policy, b.category), title=b.title,
                              paragraphs=rules.paragraphs(b.body), issuer=b.issuer, document_no=b.document_no,
                              related_path=b.related_path, published_on=b.published_on,
                              attachments=_attachments_out(b.id, files[b.id]), url=f"/bulletins/{b.id}")
            for b in rows]


def staff_out(session: Session, rows: list[Bulletin]) -> list[BulletinOut]:
    public = {p.id: p for p in public_out(session, rows)}
    return [BulletinOut(**public[b.id].model_dump(), status=b.status, withdraw_reason=b.withdraw_reason,
                        version=b.version, body=b.body) for b in rows]


@dataclass(frozen=True)
class RegulationEntry:
    id: str
    title: str
    effective_from: dt.date | None
    effective_to: dt.date | None
    articles: list[str]          # the articles the platform's rules in force today rest on


def regulations(lang: str) -> list[RegulationEntry]:
    """Every regulation of the active profile that a rule in force today cites, newest first."""
    profile, today = active_profile(), clock.today()
    cited: dict[str, set[str]] = {}
    for rule in profile.rules_in_force(today):
        c = rule.citation
        article = c.article_zh if lang == "zh" else c.article
        cited.setdefault(c.regulation_id, set()).update([article] if article else [])
    out = []
    for reg_id, articles in cited.items():
        reg = profile.regulations.get(reg_id)
        if reg is None:
            continue
        out.append(RegulationEntry(id=reg.id, title=reg.title_zh if lang == "zh" else reg.title_en,
                                   effective_from=reg.effective_from, effective_to=reg.effective_to,
                                   articles=sorted(articles, key=_article_order)))
    return sorted(out, key=lambda r: (r.effective_from or dt.date.min, r.id), reverse=True)


def regulation(lang: str, regulation_id: str) -> RegulationEntry | None:
    return next((r for r in regulations(lang) if r.id == regulation_id), None)


def _article_order(article: str) -> tuple[int, str]:
    """Articles in reading order: by the first number in them (Chinese numerals too)."""
    digits = "".join(ch for ch in article.split("para")[0] if ch.isdigit())
    if digits:
        return int(digits), article
    return _chinese_number(article), article


NUMERALS = {"零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def _chinese_number(article: str) -> int:
    """第三十六条 -> 36 (the article's number; 0 when there is none)."""
    head = article.split("条")[0].lstrip("第")
    total, current = 0, 0
    for ch in head:
        if ch in NUMERALS:
            current = NUMERALS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return 10_000
    return total + current


def measure_lists(session: Session, lang: str) -> list[dict]:
    """The published measure lists (激励/惩戒措施清单) of this jurisdiction, linked to /measures."""
    return [{"title": m.title_zh if lang == "zh" else m.title_en, "document_no": m.document_no,
             "compiled_by": m.compiled_by, "published_on": local_date(m.published_at)}
            for m in measures.lists(session, jurisdiction=jurisdiction())]
