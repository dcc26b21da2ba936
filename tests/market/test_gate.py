"""The authorisation-in-force rule as the ingest applies it (one query per batch part): for any
set of authorisations — validities, revocations, other providers, other items — a batch keeps
exactly the rows whose subject the Python rule (rules.in_force) says is covered today, and the
others come back for review with QZ art. 12 para. 2. Both backends."""
from __future__ import annotations

import datetime as dt
import random

from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import delete

from tests.market.support import PW, application, contract_row
from xinyong import clock
from xinyong.accounts.service import create_user, principal_of
from xinyong.agencies.service import register
from xinyong.ingest.service import ingest_rows
from xinyong.market import rules, service
from xinyong.models import BatchRejection, Record, Subject
from xinyong.models.market import MarketAuthorisation
from xinyong.synthetic import make_uscc

TODAY = dt.date(2026, 6, 1)
auth = st.fixed_dictionaries({
    "subject": st.integers(0, 4), "start": st.integers(-400, 30), "length": st.one_of(st.none(), st.integers(0, 500)),
    "revoked": st.booleans(), "other_provider": st.booleans(), "other_item": st.booleans()})


def _setup(session):
    rng = random.Random(77)
    bank = register(session, uscc=make_uscc(rng, kind="91"), name="泉州测试银行", kind="financial")
    other = register(session, uscc=make_uscc(rng, kind="51"), name="泉州市商会", kind="association")
    staff = principal_of(create_user(session, username="staff1", password=PW, role="staff"), "session")
    providers = []
    for org, name in ((bank, "bank1"), (other, "assoc1")):
        user = principal_of(create_user(session, username=name, password=PW, role=org.kind, agency_uscc=org.uscc),
                            "session")
        p = service.apply(session, user, **_application())
        service.decide(session, staff, p.id, approve=True, reason="")
        providers.append(p)
    subjects = [Subject(kind="legal_person", name=f"泉州市测试企业{i}有限公司", uscc=make_uscc(rng)) for i in range(5)]
    session.add_all(subjects)
    session.commit()
    return bank, providers, subjects


def _application() -> dict:
    a = application()
    return {"scope": a["scope"], "licence": None, "objection_rules": a["objection_rules"],
            "objection_channel": a["objection_channel"]}


@settings(max_examples=12, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(auths=st.lists(auth, max_size=8))
def test_a_row_is_kept_exactly_when_an_authorisation_is_in_force_on_the_day_of_submission(session, today, auths):
    today(TODAY.isoformat())
    if not session.query(Subject).count():
        _setup(session)
    bank_provider, other_provider = service.repository.providers(session)[0][0], service.repository.providers(session)[1][0]
    subjects = session.query(Subject).order_by(Subject.id).all()
    for table in (MarketAuthorisation, Record, BatchRejection):
        session.execute(delete(table))
    expected = set()
    for a in auths:
        start = TODAY + dt.timedelta(days=a["start"])
        end = None if a["length"] is None else start + dt.timedelta(days=a["length"])
        provider = other_provider if a["other_provider"] else bank_provider
        item = "utility_payment" if a["other_item"] else "contract_performance"
        session.add(MarketAuthorisation(subject_id=subjects[a["subject"]].id, provider_id=provider.id, item_code=item,
                                        valid_from=start, valid_to=end, wording="书面授权",
                                        revoked_at=clock.now() if a["revoked"] else None))
        if provider is bank_provider and item == "contract_performance" and rules.in_force(
                start, end, TODAY if a["revoked"] else None, TODAY):
            expected.add(subjects[a["subject"]].uscc)
    session.commit()
    bank = service.repository.provider_with_agency(session, bank_provider.id)[1]
    rows = [contract_row(s, f"H-{i}") for i, s in enumerate(subjects)]
    outcome = ingest_rows(session, rows=rows, source_uscc=bank.uscc, item_code="contract_performance")
    kept = {session.get(Subject, r.subject_id).uscc for r in session.query(Record).filter(Record.batch_id == outcome.batch_id)}
    returned = session.query(BatchRejection).filter(BatchRejection.batch_id == outcome.batch_id).all()
    assert kept == expected
    assert {r.value for r in returned} == {s.uscc for s in subjects} - expected
    assert all(r.reason_code == "no_market_authorisation" and "QZ art. 12 para. 2" in r.reason for r in returned)
    assert (outcome.accepted, outcome.rejected) == (len(expected), len(subjects) - len(expected))
