"""Home page and service guides. What is public comes from the domains that own it: records
from xinyong.disclosure (one definition of "in public view today"), bulletins from
xinyong.bulletins; the guides' rules and citations from the law profile."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.bulletins import service as bulletins
from xinyong.bulletins import views as bulletin_views
from xinyong.disclosure import service as disclosure
from xinyong.disclosure.pages import publicity_summary
from xinyong.kit.access import allow
from xinyong.kit.web import get_session, language, render
from xinyong.law import RuleNotInForce, active_profile

router = APIRouter(include_in_schema=False)
LATEST = 8
# the services around the search box, as 信用中国 and its local sites show them: (key, page)
SERVICES = (("search", "/search"), ("publicity", "/publicity"), ("repair", "/services/repair"),
            ("reports", "/services/reports"), ("lists", "/lists"), ("commitments", "/commitments"),
            ("notices", "/notices"), ("policies", "/policies"))
REPAIR_RULES = ("repair.application", "repair.conditions", "repair.effects", "repair.remedies")
REPORT_RULES = ("reports.public", "reports.full", "reports.special")


@router.get("/", dependencies=[allow("public")])
def home(request: Request, session: Session = Depends(get_session)):
    lang = language(request)
    records, _ = disclosure.browse(session, page=1, size=LATEST)
    notices, _ = bulletins.public_page(session, "notice", 1, LATEST)
    policies, _ = bulletins.public_page(session, "policy", 1, LATEST)
    return render(request, "portal/home.html", {
        "services": SERVICES, "records": records, "periods": publicity_summary(lang),
        "notices": bulletin_views.public_out(session, notices), "policies": bulletin_views.public_out(session, policies)})


def citations(keys: tuple[str, ...], lang: str) -> list[dict]:
    """Each rule in force today, in the reader's words: 《regulation》article, or its English."""
    profile, today, out = active_profile(), clock.today(), []
    for key in keys:
        try:
            rule = profile.rule(key, today)
        except RuleNotInForce:
            continue
        c, reg = rule.citation, profile.regulations.get(rule.citation.regulation_id)
        if lang == "zh":
            text = f"《{c.regulation_title}》{c.article_zh}".strip()
        else:
            text = f"{reg.title_en if reg else c.regulation_id} {c.article}".strip()
        out.append({"key": key.replace(".", "_"), "citation": text})
    return out


@router.get("/services/repair", dependencies=[allow("public")])
def repair_guide(request: Request):
    lang = language(request)
    return render(request, "portal/guide_repair.html", {"rules": citations(REPAIR_RULES, lang),
                                                        "periods": publicity_summary(lang)})


@router.get("/services/reports", dependencies=[allow("public")])
def reports_guide(request: Request):
    return render(request, "portal/guide_reports.html", {"rules": citations(REPORT_RULES, language(request))})
