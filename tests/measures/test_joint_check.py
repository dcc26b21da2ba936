"""Issue 5 evidence: the joint check — matching, non-matching, unpublished (refused),
repaired (no longer applies; application lifted) — on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.measures.helpers import published_lists, setup, subject_with_record
from xinyong.kit.errors import Conflict, InvalidInput
from xinyong.measures import hooks, service
from xinyong.models import AuditEntry, Record
from xinyong.models.measure import Measure, MeasureApplication, MeasureCheck, MeasureList


@pytest.fixture
def world(session, today):
    today("2026-06-01")
    ag, agent, staff = setup(session)
    published_lists(session, staff)
    return ag, agent, staff


def _measure(session, code, status="published"):
    return session.scalar(select(Measure).join(MeasureList, MeasureList.id == Measure.list_id)
                          .where(Measure.code == code, MeasureList.status == status))


def test_serious_record_matches_fiscal_funds_restriction_with_basis_and_is_logged(session, world):
    ag, agent, _ = world
    subject, record = subject_with_record(session, ag, "严重")
    result = service.joint_check(session, agent, subject.id, "fiscal_funds")
    codes = [f.measure.code for f in result.findings]
    assert codes == ["QZ-P-03"]
    finding = result.findings[0]
    assert "第二十四条" in finding.measure.legal_basis
    assert finding.matches[0].record_ids == (record.id,)
    assert "严重" in finding.matches[0].reason_zh
    assert "QZ art. 24" in result.citation
    check = session.get(MeasureCheck, result.check_id)
    assert check.subject_id == subject.id and check.matter == "fiscal_funds" and check.asked_by == agent.user_id
    assert check.result["measures"][0]["code"] == "QZ-P-03"
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "measure.check")) is not None


def test_general_record_does_not_match_a_serious_only_measure(session, world):
    ag, agent, _ = world
    subject, _ = subject_with_record(session, ag, "一般")
    assert service.joint_check(session, agent, subject.id, "fiscal_funds").findings == []
    # ... but matches the inspection-frequency measure, which takes general records
    found = service.joint_check(session, agent, subject.id, "inspection").findings
    assert [f.measure.code for f in found if f.measure.kind == "punishment"] == ["QZ-P-05"]
    with pytest.raises(Conflict) as refused:
        service.apply(session, agent, measure_id=_measure(session, "QZ-P-03").id, subject_id=subject.id,
                      matter="fiscal_funds", case_ref="CZ-2026-1")
    assert refused.value.code == "measure_no_trigger"


def test_wrong_matter_is_refused(session, world):
    ag, agent, _ = world
    subject, _ = subject_with_record(session, ag, "严重")
    with pytest.raises(Conflict) as refused:
        service.apply(session, agent, measure_id=_measure(session, "QZ-P-03").id, subject_id=subject.id,
                      matter="government_procurement", case_ref="CG-1")
    assert refused.value.code == "measure_wrong_matter"


def test_unpublished_measure_is_refused_and_not_offered(session, today):
    today("2026-06-01")
    ag, agent, _ = setup(session)
    service.sync(session, None)       # drafts only
    subject, _ = subject_with_record(session, ag, "严重")
    assert service.joint_check(session, agent, subject.id, "fiscal_funds").findings == []
    with pytest.raises(Conflict) as refused:
        service.apply(session, agent, measure_id=_measure(session, "QZ-P-03", "draft").id, subject_id=subject.id,
                      matter="fiscal_funds", case_ref="CZ-1")
    assert refused.value.code == "measure_unpublished"
    assert session.scalar(select(MeasureApplication)) is None


def test_withdrawn_version_is_refused(session, world):
    ag, agent, staff = world
    subject, _ = subject_with_record(session, ag, "严重")
    m = _measure(session, "QZ-P-03")
    service.withdraw(session, staff, m.list_id, "清单修订")
    with pytest.raises(Conflict) as refused:
        service.apply(session, agent, measure_id=m.id, subject_id=subject.id, matter="fiscal_funds", case_ref="CZ-2")
    assert refused.value.code == "measure_withdrawn"


def test_apply_records_the_application_and_feedback(session, world):
    ag, agent, _ = world
    subject, record = subject_with_record(session, ag, "严重")
    check = service.joint_check(session, agent, subject.id, "fiscal_funds")
    app = service.apply(session, agent, measure_id=check.findings[0].measure.id, subject_id=subject.id,
                        matter="fiscal_funds", case_ref="CZ-2026-0001", check_id=check.check_id)
    assert (app.status, app.agency_id, app.list_version, app.record_ids) == ("applied", ag.id, 1, [record.id])
    assert "第二十四条" in app.basis["legal_basis"] and app.basis["list"].endswith("号)")
    service.feedback(session, agent, app.id, "effective", "已不予立项")
    assert app.feedback_effect == "effective" and app.feedback_at is not None


def test_feedback_without_an_effect_names_the_effects_by_their_words(session, world):
    ag, agent, _ = world
    subject, _record = subject_with_record(session, ag, "严重")
    app = service.apply(session, agent, measure_id=_measure(session, "QZ-P-03").id, subject_id=subject.id,
                        matter="fiscal_funds", case_ref="CZ-8")
    with pytest.raises(InvalidInput) as refused:
        service.feedback(session, agent, app.id, "", "")
    assert "部分有效" in refused.value.message and "partly effective" in refused.value.message_en
    assert "_" not in refused.value.message + refused.value.message_en and "(" not in refused.value.message


def test_repaired_record_no_longer_matches_and_its_application_is_lifted(session, world, today):
    ag, agent, _ = world
    subject, record = subject_with_record(session, ag, "严重")
    app = service.apply(session, agent, measure_id=_measure(session, "QZ-P-03").id, subject_id=subject.id,
                        matter="fiscal_funds", case_ref="CZ-9")
    record.status = "repaired"      # what the repair domain does to a repaired record
    session.flush()
    hooks.on_records_repaired(session, subject.id, [record.id], service.clock.today())
    assert (app.status, app.lifted_on.isoformat()) == ("lifted", "2026-06-01")
    assert "repair" in app.lift_reason
    assert service.joint_check(session, agent, subject.id, "fiscal_funds").findings == []


def test_record_past_its_publicity_no_longer_matches(session, world, today):
    ag, agent, _ = world
    subject, record = subject_with_record(session, ag, "严重")
    today((record.publicity_end + service.dt.timedelta(days=1)).isoformat())
    assert service.joint_check(session, agent, subject.id, "fiscal_funds").findings == []


def test_sync_is_idempotent_and_a_changed_file_makes_a_new_draft(session, world, tmp_path):
    _, _, staff = world
    assert service.sync(session, None) == {"added": 0, "unchanged": 2}
    import shutil
    for p in service.LISTS_DIR.glob("quanzhou-*.yaml"):
        shutil.copy(p, tmp_path / p.name)
    f = tmp_path / "quanzhou-incentive.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("公共服务便利", "公共服务便利措施"), encoding="utf-8")
    assert service.sync(session, None, directory=tmp_path) == {"added": 1, "unchanged": 1}
    draft = session.scalar(select(MeasureList).where(MeasureList.code == "quanzhou-incentive",
                                                     MeasureList.status == "draft"))
    assert draft.edition == 2
    service.publish(session, staff, draft.id, "泉信用办〔2026〕99号")
    statuses = dict(session.execute(select(MeasureList.edition, MeasureList.status)
                                    .where(MeasureList.code == "quanzhou-incentive")).all())
    assert statuses == {1: "withdrawn", 2: "published"}


def test_unknown_matter_is_invalid(session, world):
    ag, agent, _ = world
    subject, _ = subject_with_record(session, ag, "严重")
    with pytest.raises(service.InvalidInput):
        service.joint_check(session, agent, subject.id, "space_travel")
    assert session.scalar(select(Record.id)) is not None


def test_a_correction_on_objection_lifts_a_measure_its_facts_no_longer_ground(session, world):
    """The serious record a fiscal-funds restriction rests on is found general on the subject's
    objection (QZ art. 34): the restriction is lifted with the reason; a correction that leaves
    the record serious lifts nothing."""
    from xinyong.accounts.service import create_user, principal_of
    from xinyong.objections import service as objections
    ag, agent, _ = world
    subject, record = subject_with_record(session, ag, "严重")
    app = service.apply(session, agent, measure_id=_measure(session, "QZ-P-03").id, subject_id=subject.id,
                        matter="fiscal_funds", case_ref="CZ-2026-9")
    firm = principal_of(create_user(session, username="firm9", password="firm-pass-123", role="subject",
                                    subject_uscc=subject.uscc), "session")

    def corrected(changes):
        obj = objections.file_objection(session, firm, record_id=record.id, grounds=["error"],
                                        reasons="决定书记载的违法情节与原件不一致，请予更正。")
        objections.decide(session, agent, obj.id, outcome="corrected", reasons="核对原件后更正", corrections=changes)
        session.flush()

    corrected({"legal_rep_name": "王大鸣"})
    assert app.status == "applied"
    corrected({"severity": "general"})
    assert app.status == "lifted" and "异议更正" in app.lift_reason
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "measure.lift")).one()
    assert entry.details["reason"] == "correction" and entry.details["applications"] == [app.id]
