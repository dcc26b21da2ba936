"""Repair use cases on both backends: a Quanzhou serious listing does not bar repair, repair ends
it (QZ art. 22, 36 para. 2); approval re-checks every condition (QZ art. 36, FZ art. 21); approval ends a black-list entry resting on the
record through the lists hook and revocation restores it; every step is audited, told to the
subject, kept in the record's history and issued as a document to the subject."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from tests.repair.conftest import ELIGIBLE, OLD, PDF, PNG, TOO_EARLY, conditions_in_force
from xinyong.accounts.service import principal_of
from xinyong.kit.errors import Conflict, Forbidden, NotFound
from xinyong.models import AuditEntry, Document, Notification, User
from xinyong.models.history import History
from xinyong.models.listing import ListBasisRecord, ListEntry, ListProposal
from xinyong.models.repair import RepairMaterial
from xinyong.repair import service
from xinyong.repair.service import Upload


def who(session, username):
    return principal_of(session.scalar(select(User).where(User.username == username)), "session")


def letter():
    """The materials Order 36 asks for a general penalty: the commitment letter and the proof the
    penalty was performed (FZ art. 21 para. 2 (4))."""
    return [Upload("commitment_letter", "c.pdf", "application/pdf", PDF),
            Upload("proof_of_performance", "receipt.png", "image/png", PNG)]


def listing(world, record_id, kind, category):
    s = world.session
    p = ListProposal(subject_id=world.subject_id, kind=kind, proposing_org_id=world.regulator_id, category=category,
                     reasons="r", legal_basis="b", period_months=36, status="decided", decided_on=dt.date(2026, 8, 1))
    s.add(p)
    s.flush()
    s.add(ListBasisRecord(proposal_id=p.id, record_id=record_id, subject_id=world.subject_id))
    entry = ListEntry(subject_id=world.subject_id, proposal_id=p.id, kind=kind, category=category,
                      proposing_org_id=world.regulator_id, status="active", decided_on=dt.date(2026, 8, 1),
                      listed_on=dt.date(2026, 8, 1), period_end=dt.date(2029, 8, 1))
    s.add(entry)
    s.commit()
    return entry


def by_record(items):
    return {e.record.decision_no: e.result for e in items}


def test_a_quanzhou_serious_listing_does_not_bar_repair_it_ends_with_it(world):
    """QZ art. 22 limits who may be listed; art. 36 para. 2: repair takes the subject off the
    serious-dishonesty list. The four non-repairable cases are Fuzhou's (FZ art. 22)."""
    s = world.session
    entry = listing(world, world.records[ELIGIBLE], "serious_dishonesty", "health_safety")
    result = by_record(service.eligibility(s, world.subject_id))[ELIGIBLE]
    assert result.eligible, result.blocking
    agency = who(s, "scjg")
    app = service.apply(s, who(s, "firm"), subject_id=world.subject_id, record_id=world.records[ELIGIBLE],
                        statement="", uploads=letter(), channel="online")
    service.accept(s, agency, app.id)
    service.approve(s, agency, app.id, confirmed=conditions_in_force())
    s.commit()
    s.refresh(entry)
    assert entry.status == "removed" and entry.removal_reason == "repaired"


def test_approval_requires_every_condition_in_force(world):
    """QZ art. 36, FZ art. 21 para. 2: approval re-checks the materials and every bar of the rule
    in force; an objection opened after acceptance stops it, as does a material gone missing."""
    s = world.session
    agency = who(s, "scjg")
    app = service.apply(s, who(s, "firm"), subject_id=world.subject_id, record_id=world.records[ELIGIBLE],
                        statement="", uploads=letter(), channel="online")
    service.accept(s, agency, app.id)
    record = world.record(ELIGIBLE)
    record.under_objection = True
    s.flush()
    with pytest.raises(Conflict) as caught:
        service.approve(s, agency, app.id)
    assert caught.value.code == "repair_conditions_not_met"
    record.under_objection = False
    s.query(RepairMaterial).filter_by(application_id=app.id, kind="proof_of_performance").delete()
    s.flush()
    with pytest.raises(Conflict) as caught:
        service.approve(s, agency, app.id)
    assert caught.value.code == "materials_missing" and "paid fine" in caught.value.message_en
    assert world.record(ELIGIBLE).status == "active"


def test_approval_ends_the_listing_on_the_record_and_revocation_restores_it(world):
    s = world.session
    entry = listing(world, world.records[ELIGIBLE], "black", None)
    firm, agency, staff = who(s, "firm"), who(s, "scjg"), who(s, "staff")
    app = service.apply(s, firm, subject_id=world.subject_id, record_id=world.records[ELIGIBLE], statement="已整改",
                        uploads=letter(), channel="online")
    service.accept(s, agency, app.id)
    service.approve(s, agency, app.id, confirmed=conditions_in_force())
    s.commit()
    s.refresh(entry)
    assert entry.status == "removed" and entry.removal_reason == "repaired"
    record = world.record(ELIGIBLE)
    assert record.status == "repaired" and record.version == 2
    service.revoke(s, staff, app.id, "broken_commitment", "承诺期内再次发生同类违法行为")
    s.commit()
    s.refresh(entry)
    assert entry.status == "active"
    assert world.record(ELIGIBLE).status == "active"
    reasons = [h.change_reason for h in s.scalars(select(History).where(
        History.entity == "record", History.entity_id == world.records[ELIGIBLE]).order_by(History.version))]
    assert len(reasons) == 2 and "信用修复" in reasons[0] and "撤销信用修复" in reasons[1]
    actions = set(s.scalars(select(AuditEntry.action).where(AuditEntry.target_type == "repair_application")))
    assert actions == {"repair.apply", "repair.accept", "repair.approve", "repair.revoke"}
    kinds = [d.kind for d in s.scalars(select(Document).where(Document.procedure == "repair").order_by(Document.id))]
    assert kinds == ["repair_acceptance", "repair_result", "repair_revocation"]
    assert all(d.subject_id == world.subject_id for d in s.scalars(select(Document)))
    told = set(s.scalars(select(Notification.kind).where(Notification.recipient_subject_id == world.subject_id)))
    assert {"repair.received", "repair.accepted", "repair.approved", "repair.revoked"} <= told


def test_only_the_deciding_agency_and_staff_act_and_others_get_not_found(world):
    s = world.session
    app = service.apply(s, who(s, "firm"), subject_id=world.subject_id, record_id=world.records[OLD], statement="",
                        uploads=letter(), channel="online")
    with pytest.raises(NotFound):
        service.accept(s, who(s, "swj"), app.id)
    with pytest.raises(NotFound):
        service.accept(s, who(s, "firm"), app.id)
    with pytest.raises(Conflict):
        service.approve(s, who(s, "staff"), app.id)       # not accepted yet
    with pytest.raises(Forbidden):
        service.apply(s, who(s, "firm"), subject_id=world.subject_id, record_id=world.records[OLD], statement="",
                      uploads=letter(), channel="window")
    with pytest.raises(NotFound):   # a subject applies only for itself
        service.apply(s, who(s, "firm"), subject_id=world.subject_id + 999, record_id=world.records[OLD],
                      statement="", uploads=letter(), channel="online")
    assert service.accept(s, who(s, "staff"), app.id).status == "accepted"


def test_fraud_found_during_the_procedure_ends_it_and_bars_new_applications(world):
    """FZ art. 23: 及时终止其信用修复程序 — the record was never repaired, so nothing is restored."""
    s = world.session
    firm, staff = who(s, "firm"), who(s, "staff")
    app = service.apply(s, firm, subject_id=world.subject_id, record_id=world.records[ELIGIBLE], statement="",
                        uploads=letter(), channel="online")
    service.accept(s, staff, app.id)
    service.revoke(s, staff, app.id, "fraud", "提交的缴款凭证系伪造")
    s.commit()
    assert app.status == "revoked" and world.record(ELIGIBLE).status == "active" and world.record(ELIGIBLE).version == 1
    from xinyong.deadlines import service as deadlines
    assert deadlines.step_of(s, "repair", app.id, "result").outcome == "terminated"
    doc = s.scalar(select(Document).where(Document.kind == "repair_revocation"))
    assert doc.title == "终止信用修复程序决定书"
    # no fraud bar: its national source is not in our sources (issue #11 point 5)
    again = service.apply(s, firm, subject_id=world.subject_id, record_id=world.records[OLD], statement="",
                          uploads=letter(), channel="online")
    assert again.status == "received"
    with pytest.raises(Conflict):                                      # the open application answers a second
        service.apply(s, firm, subject_id=world.subject_id, record_id=world.records[OLD], statement="",
                      uploads=letter(), channel="online")
    refused = service.apply(s, firm, subject_id=world.subject_id, record_id=world.records[TOO_EARLY], statement="",
                            uploads=letter(), channel="online")       # inside its minimum period: refused
    assert refused.status == "refused"
    with pytest.raises(Conflict):
        service.revoke(s, staff, refused.id, "fraud", "x")    # a refused application has nothing to revoke
