"""A measures form refused on its page comes back as it was sent, with the refusal: an
application refused from a joint check shows that check again, as found then (it vanished, and
the case reference typed with it), without a new read of the subject; a refused feedback keeps
its text in its row."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from tests.measures.helpers import published_lists, setup, subject_with_record
from tests.support.builders import agency, agency_user
from tests.support.web import page_login
from xinyong.measures import service
from xinyong.models import AccessLog
from xinyong.models.measure import Measure, MeasureList

ERROR = re.compile(r'<p class="error-message">([^<]+)</p>')


def _check(client, csrf, subject):
    page = client.post("/agency/joint-check", data={"csrf_token": csrf, "subject": subject.uscc, "matter": "fiscal_funds"})
    assert page.status_code == 200 and 'id="finding-QZ-P-03"' in page.text
    return {k: re.search(rf'name="{k}" value="([^"]+)"', page.text).group(1)
            for k in ("measure_id", "subject_id", "matter", "check_id")}


def _case_ref(html: str, measure_id: str) -> str:
    return re.search(rf'id="case-{measure_id}"[^>]*value="([^"]*)"', html).group(1)


def test_a_refused_application_shows_its_check_again_with_the_case_reference(session, client, today):
    today("2026-06-01")
    ag, _, staff = setup(session)
    published_lists(session, staff)
    subject, record = subject_with_record(session, ag, "严重")
    session.commit()
    csrf = page_login(client, "agency1", "agency-pass-123")
    sent = _check(client, csrf, subject)

    blank = client.post("/agency/measure-applications", data={"csrf_token": csrf, **sent, "case_ref": "  "})
    assert blank.status_code == 422 and "办件编号" in ERROR.search(blank.text).group(1)
    assert 'id="finding-QZ-P-03"' in blank.text

    listed = session.scalar(select(MeasureList).join(Measure, Measure.list_id == MeasureList.id)
                            .where(Measure.id == int(sent["measure_id"])))
    service.withdraw(session, staff, listed.id, "清单修订")           # withdrawn between the check and the application
    session.commit()
    refused = client.post("/agency/measure-applications", data={"csrf_token": csrf, **sent, "case_ref": "CZ-2026-7"})
    assert refused.status_code == 409 and 'id="refusal"' in refused.text
    assert 'id="check-result"' in refused.text and _case_ref(refused.text, sent["measure_id"]) == "CZ-2026-7"
    assert f'name="check_id" value="{sent["check_id"]}"' in refused.text
    reason = re.search(r'<dd class="reason">(.*?)</dd>', refused.text, re.S).group(1)
    assert f"（记录 {record.decision_no}）" in reason                # the record by its decision, not its id
    assert re.search(r'id="subject" name="subject"[^>]*value="([^"]*)"', refused.text).group(1) == subject.uscc   # as typed
    reads = session.scalar(select(func.count()).select_from(AccessLog).where(AccessLog.subject_id == subject.id))
    assert reads == 1                                                  # the check's read; showing it again is none

    other = agency(session, seed=8, name="泉州市应急管理局")
    agency_user(session, other.uscc, username="agency2")
    session.commit()
    csrf = page_login(client, "agency2", "agency-pass-123")        # another agency naming this check sees none of it
    theirs = client.post("/agency/measure-applications", data={"csrf_token": csrf, **sent, "case_ref": " "})
    assert theirs.status_code == 422 and 'id="check-result"' not in theirs.text and subject.uscc not in theirs.text


def test_a_refused_feedback_keeps_its_text_in_its_row(session, client, today):
    today("2026-06-01")
    ag, agent, staff = setup(session)
    published_lists(session, staff)
    subject, _ = subject_with_record(session, ag, "严重")
    result = service.joint_check(session, agent, subject.id, "fiscal_funds")
    app = service.apply(session, agent, measure_id=result.findings[0].measure.id, subject_id=subject.id,
                        matter="fiscal_funds", case_ref="CZ-2026-8", check_id=result.check_id)
    session.commit()
    csrf = page_login(client, "agency1", "agency-pass-123")
    r = client.post(f"/agency/measure-applications/{app.id}/feedback",
                    data={"csrf_token": csrf, "effect": "", "text": "已限制其申请财政资金"})
    assert r.status_code == 422 and ERROR.search(r.text)
    assert re.search(rf'id="fb-{app.id}"[^>]*value="已限制其申请财政资金"', r.text)
