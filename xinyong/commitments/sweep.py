"""Daily sweep: open commitments past their deadline with no fulfilment recorded are flagged
for the agency that holds them (QZ art. 25: 将承诺人履行承诺情况全面纳入信用记录)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from xinyong.audit import record_event
from xinyong.commitments import repository
from xinyong.notifications.service import notify


def run_sweep(session: Session, today: dt.date) -> dict[str, int | str]:
    rows = repository.overdue(session, today)
    for cid, agency_id, subject_id, number, deadline in rows:
        notify(session, kind="commitment.overdue", org_id=agency_id, link="/agency/commitments",
               dedupe_key=f"commitment-overdue-{cid}",
               text_zh=f"信用承诺 {number} 已过履约期限（{deadline}）仍未登记履行，请核查并登记履行或违诺",
               text_en=f"Credit commitment {number} passed its deadline ({deadline}) with no fulfilment recorded")
    repository.flag_overdue(session, [r[0] for r in rows], today)
    if rows:
        record_event(session, None, "commitment.overdue_flagged", target_type="sweep", target_id=today.isoformat(),
                     details={"count": len(rows)})
    return {"commitments_overdue_flagged": len(rows)}
