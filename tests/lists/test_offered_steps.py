"""What the procedure page offers the deciding agency (issue #13 point 4): the decision button
is withheld with the reason while the notice period runs and offered after it; every document
link the page shows the agency opens for it (the listing's notice, reply and decision went to
the subject, and the agency conducting the procedure reads them too); another agency gets 404."""
from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from tests.lists.support import build, proposal
from tests.support.web import page_login
from xinyong.lists import service
from xinyong.models import Deadline

DOC_LINK = re.compile(r'href="(/documents/\d+)"')
DECIDE = re.compile(r'action="/office/lists/proposals/\d+/decision"')


def test_the_decision_is_offered_only_when_it_can_succeed_and_its_documents_open(client, session, today):
    today("2026-06-01")
    w = build(session)
    p = service.propose(session, w.agency, proposal(w))
    service.send_notice(session, w.staff, p.id)
    session.commit()
    due = session.scalar(select(Deadline.due_on).where(Deadline.procedure_id == p.id, Deadline.step == "notice_period"))
    page_login(client, "agency1", "agency-pass-123")

    during = client.get(f"/office/lists/proposals/{p.id}")
    assert during.status_code == 200
    assert not DECIDE.search(during.text)
    withheld = re.search(r'id="decision-withheld">([^<]+)<', during.text).group(1)
    assert "暂不能作出列入决定" in withheld and due.isoformat() in withheld and "告知期" in withheld
    refused = client.post(f"/office/lists/proposals/{p.id}/decision",
                          data={"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', during.text).group(1)})
    assert refused.status_code == 409                      # the server agrees: it could not have succeeded

    today((due + dt.timedelta(days=1)).isoformat())
    after = client.get(f"/office/lists/proposals/{p.id}")
    assert DECIDE.search(after.text) and 'id="decision-withheld"' not in after.text
    assert 'data-confirm="' in after.text[after.text.index("/decision"):][:200]
    service.decide(session, w.agency, p.id)
    session.commit()

    decided = client.get(f"/office/lists/proposals/{p.id}")
    links = DOC_LINK.findall(decided.text)
    assert len(links) == 2                                  # the notice and the decision
    for link in links:
        r = client.get(link)
        assert r.status_code == 200 and r.headers["content-type"] == "application/pdf", link
    mine = client.get("/agency/documents").text
    assert all(link in mine for link in links)
    page_login(client, "agency2", "agency-pass-123")
    assert all(client.get(link).status_code == 404 for link in links)
    assert not any(link in client.get("/agency/documents").text for link in links)
