"""Credit reports in the demo city: one special credit report (专项信用报告, all fields, the last
three years) issued for firm-demo's subject through the real service, signed, with its
verification code and URL printed. Idempotent: an existing one for the same request is re-used."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts.service import principal_of
from xinyong.models import User
from xinyong.reports import repository, service

FIELD = "all"


def load(session: Session, ctx) -> list[str]:
    user = session.scalar(select(User).where(User.username == "firm-demo"))
    if user is None or user.subject_id is None:
        return ["", "Credit reports: no firm-demo account, no report issued"]
    today = ctx.today
    date_from, date_to = today.replace(year=today.year - 3), today
    report = repository.existing_special(session, user.subject_id, user.id, FIELD, date_from.isoformat(),
                                         date_to.isoformat())
    reused = report is not None
    if report is None:
        ask = service.SpecialAsk(FIELD, date_from, date_to)
        report = service.issue(session, principal_of(user, "session"), "special", user.subject_id, ask,
                               channel="web").report
    finding = {"clean": "no violation record", "violations": f"{report.record_count} violation record(s)"}
    return ["", "Credit reports (信用报告: full, public, special; signed PDF, verifiable by anyone)",
            f"  special credit report for firm-demo ({FIELD}, {date_from}..{date_to}): "
            f"{finding.get(report.finding or '', report.finding)}{' (re-used)' if reused else ''}",
            f"  verification code {report.code} — {service.verify_url(report.code)}",
            "  firm-demo requests more at /me/reports; anyone verifies at /verify; certificate at /reports/certificate"]
