"""The market section of a credit report (QZ art. 12 para. 3): its own section, apart from the
public credit information, each row with its provider, under the label saying who answers for it;
a public report holds only what the subject authorised for publication (QZ art. 15 item 3)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.kit.pdf import Section
from xinyong.market import repository, rules, service
from xinyong.models import Subject
from xinyong.web.i18n import translate


def section(session: Session, subject: Subject, public: bool, lang: str = "zh") -> Section | None:
    """None when nothing is in view (or, in a public report, for a natural person)."""
    try:
        pol = service.policy()
    except LookupError:
        return None
    if public and subject.kind == "natural_person":
        return None
    rows = repository.records_in_view(session, subject.id, clock.today(), limit=100, public=public)
    if not rows:
        return None
    t = lambda key: translate(key, lang)   # noqa: E731
    table = [[t("market.item"), t("market.report_no"), t("market.date"), t("market.provider")]]
    for record, provider in rows:
        item = record.item_code
        table.append([_item_name(item, lang), record.decision_no[:40], record.decision_date.isoformat(), provider])
    providers = sorted({p for _, p in rows})
    labels = [rules.label(pol, lang, p) for p in providers]
    return Section(heading=t("market.public_title"), paragraphs=[*labels, f"{t('market.basis')}: {pol.display_citation}"],
                   table=table)


def _item_name(code: str, lang: str) -> str:
    from xinyong.catalogue import CatalogueError, get_catalogue
    try:
        item = get_catalogue().get(code)
    except CatalogueError:
        return code
    return item.name_en if lang == "en" else item.name_zh
