"""The credit department's dashboard page: charts as inline SVG, the same numbers in tables."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from xinyong.catalogue import get_catalogue
from xinyong.dashboards import charts, service
from xinyong.kit.access import Principal, allow
from xinyong.kit.web import get_session, language, render
from xinyong.web.i18n import translate

router = APIRouter(include_in_schema=False)


@router.get("/dashboards")
def dashboards(request: Request, principal: Principal = allow("staff", "admin"), session: Session = Depends(get_session)):
    s = service.summary(session)
    lang = language(request)

    def t(key: str) -> str:
        return translate(key, lang)

    names = {i.code: (i.name_zh if lang == "zh" else i.name_en) for i in get_catalogue().items}
    by_agency: dict[str, int] = {}
    by_item: dict[str, int] = {}
    for v in s.volumes:
        by_agency[v.agency] = by_agency.get(v.agency, 0) + v.records
        item = names.get(v.item_code, v.item_code)
        by_item[item] = by_item.get(item, 0) + v.records
    series = [t("dash.on_time"), t("dash.late"), t("dash.overdue"), t("dash.open")]
    svg = {
        "by_agency": charts.bar_chart("chart-agency", t("dash.volume_by_agency"),
                                      sorted(by_agency.items(), key=lambda kv: -kv[1])),
        "by_item": charts.bar_chart("chart-item", t("dash.volume_by_item"),
                                    sorted(by_item.items(), key=lambda kv: -kv[1]), colour=charts.PALETTE[4]),
        "timeliness": charts.bar_chart("chart-timeliness", t("dash.timeliness"),
                                       [(q.agency, q.avg_days_to_receive) for q in s.quality
                                        if q.avg_days_to_receive is not None], unit=t("dash.days_unit"),
                                       colour=charts.PALETTE[2]),
        "rejection": charts.bar_chart("chart-rejection", t("dash.rejection_rate"),
                                      [(q.agency, round(100 * q.rejection_rate, 1)) for q in s.quality
                                       if q.rejection_rate is not None], unit="%", colour=charts.PALETTE[1]),
        "deadlines": charts.stacked_chart("chart-deadlines", t("dash.deadlines"), series,
                                          [(t("dash.procedure." + d.procedure), [d.done_on_time, d.done_late,
                                                                                   d.overdue, d.open_on_time])
                                           for d in s.deadlines]),
    }
    return render(request, "dashboards/index.html", {"s": s, "svg": svg, "item_names": names,
                                                     "agency_totals": sorted(by_agency.items(), key=lambda kv: -kv[1]),
                                                     "item_totals": sorted(by_item.items(), key=lambda kv: -kv[1])})
