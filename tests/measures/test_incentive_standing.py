"""QZ art. 18: incentives are for subjects in good standing (信用状况良好). A firm whose general
penalty is still published but has left the evaluation's two-year window is graded A; the joint
check then offers the punishment its current record calls for and no incentive beside it. Both
backends."""
from __future__ import annotations

import datetime as dt

from tests.measures.helpers import published_lists, setup, subject_with_record
from xinyong.evaluation import service as evaluation
from xinyong.measures import service


def test_a_graded_a_firm_with_a_published_general_penalty_gets_no_incentive(session, today):
    today("2026-06-01")
    ag, _, staff = setup(session)
    published_lists(session, staff)
    firm, record = subject_with_record(session, ag, "一般", seed=31, decided=dt.date(2024, 3, 1))
    assert record.severity == "general" and record.publicity_end > dt.date(2026, 6, 1), record.publicity_end
    evaluation.recompute_full(session)
    findings, *_ = service.evaluate(session, firm.id, "inspection", dt.date(2026, 6, 1))
    kinds = {f.measure.code: f.measure.kind for f in findings}
    assert kinds and set(kinds.values()) == {"punishment"}, kinds

    clean, _ = subject_with_record(session, ag, "一般", seed=32, decided=dt.date(2022, 3, 1))   # publicity ended
    evaluation.recompute_full(session)
    findings, *_ = service.evaluate(session, clean.id, "inspection", dt.date(2026, 6, 1))
    assert "incentive" in {f.measure.kind for f in findings}, [f.measure.code for f in findings]
