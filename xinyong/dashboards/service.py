"""The dashboard summary from the repository's grouped queries (read only)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.dashboards import repository
from xinyong.dashboards.schemas import (AgencyQuality, DeadlineCompliance, FeedOverdue, ProcedureCount, Summary,
                                        UpstreamReporting, UpstreamTimeliness, Volume)
from xinyong.feed import service as feed
from xinyong.upstream import service as upstream

DEFINITIONS = {
    "timeliness": "Days from a record's decision date to the day its first version arrived on the platform "
                  "(records at version 1; arrival date in China time). 时效：决定日期至首次归集到平台的天数。",
    "rejection_rate": "Rejected rows / rows sent, over every batch the agency sent (refused batches count their "
                      "rows as sent). 退回率：退回行数 / 报送行数。",
    "time_to_correct": "For each batch with rejected rows (or refused whole), the days until the same agency's next "
                       "batch of the same catalogue item — the re-send carrying the corrections. Batches with no "
                       "later batch count as not yet re-sent. 更正时长：有退回的批次至该机构同一目录项下一批次的天数。",
    "deadline_compliance": "Deadlines of procedure steps: done on or before the due day, done after it, open and "
                           "past it (overdue), open and not yet due. 期限执行情况。",
    "feed": "Changes receiving systems have not acknowledged within deadline.feed.ack (QZ art. 36 para. 2).",
    "upstream": "双公示 records' first publication reported upward, per source agency and month of decision: working "
                "days decision -> platform receipt -> upstream acknowledgement, and the share acknowledged within "
                "deadline.upstream.shuanggongshi (not yet acknowledged counts as late).",
}


def _num(value) -> float | None:
    return None if value is None else round(float(value), 1)


def summary(session: Session, today: dt.date | None = None) -> Summary:
    today = today or clock.today()
    volumes = [Volume(agency_id=a, agency=name or f"#{a}", item_code=item, records=int(n))
               for a, name, item, n in repository.volumes(session)]
    quality: dict[int | None, AgencyQuality] = {}

    def entry(agency_id, name) -> AgencyQuality:
        return quality.setdefault(agency_id, AgencyQuality(agency_id=agency_id, agency=name or f"#{agency_id}"))

    for a, name, n, avg, mx in repository.timeliness(session):
        q = entry(a, name)
        q.records, q.avg_days_to_receive, q.max_days_to_receive = int(n), _num(avg), None if mx is None else int(mx)
    for a, name, batches, refused, rows, rejected in repository.rejections(session):
        q = entry(a, name)
        q.batches, q.refused_batches, q.rows, q.rejected_rows = int(batches), int(refused or 0), int(rows), int(rejected)
        q.rejection_rate = round(q.rejected_rows / q.rows, 4) if q.rows else None
    for a, name, flawed, resent, avg, open_ in repository.time_to_correct(session):
        q = entry(a, name)
        q.batches_with_rejections, q.resent, q.avg_days_to_correct = int(flawed), int(resent), _num(avg)
        q.not_yet_resent = int(open_ or 0)
    procedures = []
    for table, found in repository.procedure_counts(session).items():
        groups = [dict(zip([*_group_names(table), "count"], [*r[:-1], int(r[-1])])) for r in found["rows"]]
        procedures.append(ProcedureCount(table=table, available=found["available"],
                                         total=sum(g["count"] for g in groups), groups=groups))
    deadlines = [DeadlineCompliance(procedure=p, done_on_time=int(a or 0), done_late=int(b or 0), overdue=int(c or 0),
                                    open_on_time=int(d or 0))
                 for p, a, b, c, d in repository.deadline_compliance(session, today)]
    statuses = feed.statuses(session, limit=10_000, today=today)
    return Summary(today=today, total_records=sum(v.records for v in volumes), volumes=volumes,
                   quality=sorted(quality.values(), key=lambda q: q.agency), procedures=procedures,
                   deadlines=deadlines,
                   feed=FeedOverdue(receivers=len(statuses), receivers_overdue=sum(1 for s in statuses if s.overdue),
                                    overdue_changes=sum(s.overdue for s in statuses)),
                   upstream=_upstream(session, today), definitions=DEFINITIONS)


def _upstream(session: Session, today: dt.date) -> UpstreamReporting:
    policy, rows = upstream.timeliness(session, today)
    return UpstreamReporting(working_days=policy.working_days, citation=policy.citation, rows=[
        UpstreamTimeliness(agency_id=t.agency_id, agency=t.agency, month=t.month, records=t.records,
                           acknowledged=t.acknowledged, share_within=t.share_within, **t.averages()) for t in rows])


def _group_names(table: str) -> tuple[str, ...]:
    return next(cols for label, _, _, cols in repository.PROCEDURE_TABLES if label == table)
