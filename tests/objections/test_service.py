"""Objection use cases on both backends: filing marks the record and opens the verify step;
deciding corrects the record through its history (or upholds it), unmarks it, completes the
step, issues the written result and notifies the subject."""
from __future__ import annotations

import datetime as dt
import random

import pytest
from sqlalchemy import select

from tests.objections.conftest import PASSWORD, PDF, PNG
from xinyong.accounts.service import create_user
from xinyong.agencies.service import register
from xinyong.deadlines import service as deadlines
from xinyong.history import versions
from xinyong.ingest.service import ingest_file
from xinyong.kit.errors import Conflict, Forbidden, InvalidInput, NotFound
from xinyong.models import AuditEntry, Document, Notification, Record, Subject
from xinyong.models.objection import ObjectionEvidence
from xinyong.objections import service
from xinyong.objections.service import Upload
from xinyong.synthetic import make_uscc, penalty_row, to_csv

REASONS = "处罚决定日期与决定书原件不一致，原件为2026年4月30日。"


def _file(world, username="firm", record=None, **kw):
    s = world.session
    obj = service.file_objection(s, world.principal(username), record_id=record or world.public_record,
                                 grounds=kw.pop("grounds", ["error"]), reasons=kw.pop("reasons", REASONS), **kw)
    s.commit()
    return obj


def test_filing_marks_the_record_opens_the_step_and_keeps_the_evidence(world):
    s = world.session
    obj = _file(world, files=[Upload("决定书.pdf", PDF), Upload("photo.png", PNG)])
    record = s.get(Record, world.public_record)
    assert record.under_objection is True and obj.status == "open" and obj.channel == "self"
    step = deadlines.step_of(s, "objection", obj.id, "verify")
    assert step.responsible_org_id == world.orgs["scjg"].id and step.due_on > dt.date(2026, 9, 1)
    assert deadlines.state_of(s, step) in ("on_time", "due_soon")
    files = s.scalars(select(ObjectionEvidence).where(ObjectionEvidence.objection_id == obj.id)).all()
    assert sorted(f.content_type for f in files) == ["application/pdf", "image/png"]
    assert all(len(f.sha256) == 64 and f.content for f in files)
    assert s.scalar(select(Notification).where(Notification.recipient_org_id == world.orgs["scjg"].id))
    assert s.scalar(select(AuditEntry).where(AuditEntry.action == "objection.file"))


def test_one_open_objection_per_record(world):
    _file(world)
    with pytest.raises(Conflict):
        _file(world)
    world.session.rollback()
    _file(world, record=world.ended_record)   # another record of the same subject is fine


def test_a_subject_objects_only_to_its_own_records(world):
    with pytest.raises(NotFound):
        _file(world, record=world.other_record)


def test_the_agency_may_not_file_and_staff_needs_the_authorisation(world):
    with pytest.raises(Forbidden):
        _file(world, username="scjg")
    with pytest.raises(InvalidInput) as exc:
        _file(world, username="staff")
    assert exc.value.code == "agent_needs_authorisation"
    obj = _file(world, username="staff", agent_ref="授权书〔2026〕7号")
    assert obj.channel == "agent" and obj.agent_authorisation_ref == "授权书〔2026〕7号"
    assert obj.filed_by == world.users["staff"].id


@pytest.mark.parametrize("files,code", [
    ([Upload("a.exe", b"MZ\x90\x00")], "file_type"),
    ([Upload("fake.pdf", b"<html>")], "file_type"),
    ([Upload(f"{i}.pdf", PDF) for i in range(6)], "too_many_files"),
    ([Upload("big.pdf", PDF + b"0" * (5 * 1024 * 1024))], "file_too_large"),
])
def test_evidence_files_are_checked(world, files, code):
    with pytest.raises(InvalidInput) as exc:
        _file(world, files=files)
    assert exc.value.code == code
    assert world.session.get(Record, world.public_record).under_objection is False


def test_correction_goes_through_history_and_recomputes_publicity(world):
    s = world.session
    obj = _file(world)
    before = s.get(Record, world.public_record)
    old_end, old_version = before.publicity_end, before.version
    service.decide(s, world.principal("scjg"), obj.id, outcome="corrected", reasons="核对原件，决定日期有误",
                   corrections={"decision_date": "2026/04/30", "severity": "serious", "remarks": "已更正"})
    s.commit()
    record = s.get(Record, world.public_record)
    assert record.decision_date == dt.date(2026, 4, 30) and record.severity == "serious"
    assert record.fields["remarks"] == "已更正" and record.version == old_version + 1
    assert record.under_objection is False
    # serious: 1 to 3 years from the decision date (NDRC Order 36 by severity)
    assert record.publicity_end != old_end and record.publicity_end == dt.date(2029, 4, 30)
    history = versions(s, "record", record.id)
    assert history[-1].change_reason.startswith("异议更正") and f"#{obj.id}" in history[-1].change_reason
    assert history[-1].snapshot["decision_date"] == "2026-05-01" and history[-1].snapshot["severity"] == "general"
    assert {c["field"]: (c["old"], c["new"]) for c in obj.changes} == {
        "decision_date": ("2026-05-01", "2026-04-30"), "severity": ("general", "serious"), "remarks": (None, "已更正")}
    step = deadlines.step_of(s, "objection", obj.id, "verify")
    assert step.completed_on == dt.date(2026, 9, 1) and step.outcome == "corrected"
    doc = s.get(Document, obj.document_id)
    assert doc.kind == "objection_result" and doc.subject_id == world.enterprise_id and doc.content[:5] == b"%PDF-"
    assert s.scalar(select(Notification).where(Notification.recipient_subject_id == world.enterprise_id))
    assert obj.open_record_id is None
    _file(world)   # a new objection may now be filed


def test_upheld_leaves_the_record_and_unmarks_it(world):
    s = world.session
    obj = _file(world)
    version = s.get(Record, world.public_record).version
    service.decide(s, world.principal("scjg"), obj.id, outcome="upheld", reasons="经核对原件，记录无误")
    s.commit()
    record = s.get(Record, world.public_record)
    assert record.version == version and record.under_objection is False and obj.status == "upheld"
    assert versions(s, "record", record.id) == []
    with pytest.raises(Conflict):
        service.decide(s, world.principal("scjg"), obj.id, outcome="upheld", reasons="再次处理")


def test_only_the_source_agency_decides(world):
    s = world.session
    obj = _file(world)
    with pytest.raises(NotFound):
        service.decide(s, world.principal("swj"), obj.id, outcome="upheld", reasons="不是我们的记录")
    with pytest.raises(Forbidden):
        service.decide(s, world.principal("staff"), obj.id, outcome="upheld", reasons="工作人员不能决定")
    with pytest.raises(NotFound):
        service.decide(s, world.principal("firm"), obj.id, outcome="upheld", reasons="主体不能决定")


def test_only_the_source_organisation_is_told_of_an_objection(world):
    """The notice of an objection goes to the organisation that answers it, not to every account
    of a public body's role (it named the record and the objection to all of them)."""
    from xinyong.notifications.service import inbox
    _file(world)
    told = {name: [n.kind for n in inbox(world.session, world.principal(name), 50)] for name in ("scjg", "swj")}
    assert "objection.filed" in told["scjg"] and "objection.filed" not in told["swj"]


def test_a_court_answers_the_objections_to_its_own_records(world):
    """QZ art. 34 para. 1: an objection goes to the public body concerned, and a court is a state
    organ (QZ art. 2 para. 6): its judicial staff see and decide the objections to records it is
    the source of; another court's do not (judicial accounts were no objection source before,
    and such a step sat in the court's queue with nobody able to take it)."""
    s, rng = world.session, random.Random(8)
    court, other = (register(s, uscc=make_uscc(rng, "11"), name=name, kind="judicial")
                    for name in ("泉州市中级人民法院", "泉州市丰泽区人民法院"))
    firm = s.get(Subject, world.enterprise_id)
    row = penalty_row(rng, name=firm.name, subject_uscc=firm.uscc, decision_no="泉中法罚〔2026〕5号",
                      decision_date=dt.date(2026, 6, 1), agency_name=court.name, agency_uscc=court.uscc)
    assert ingest_file(s, data=to_csv([row]), filename="j.csv", source_uscc=court.uscc,
                       item_code="penalty").accepted == 1
    record = s.scalars(select(Record).where(Record.decision_no == "泉中法罚〔2026〕5号")).one()
    for username, org in (("judge", court), ("clerk", other)):
        world.users[username] = create_user(s, username=username, password=PASSWORD, role="judicial",
                                            agency_uscc=org.uscc)
    s.commit()
    obj = _file(world, record=record.id)
    judge, clerk = world.principal("judge"), world.principal("clerk")
    assert service.visible(s, judge, obj.id)[0].id == obj.id
    assert service.scope_of(judge).agency_id == court.id
    with pytest.raises(NotFound):
        service.visible(s, clerk, obj.id)
    with pytest.raises(NotFound):
        service.decide(s, clerk, obj.id, outcome="upheld", reasons="不是本院的记录")
    service.decide(s, judge, obj.id, outcome="upheld", reasons="经核对本院案卷，记录无误")
    s.commit()
    assert obj.status == "upheld" and s.get(Record, record.id).under_objection is False


@pytest.mark.parametrize("corrections,code", [
    ({"decision_no": "X"}, "not_correctable"),
    ({"subject_name": "别的公司"}, "not_correctable"),
    ({"decision_date": "2026-02-30"}, "no_such_date"),
    ({"decision_date": "2027-01-01"}, "future_date"),
    ({"severity": "huge"}, "bad_severity"),
    ({"fine_wan": "abc"}, "bad_number"),
    ({"decision_date": "2026-05-01"}, "no_change"),
])
def test_corrected_values_are_validated(world, corrections, code):
    s = world.session
    obj = _file(world)
    with pytest.raises(InvalidInput) as exc:
        service.decide(s, world.principal("scjg"), obj.id, outcome="corrected", reasons="更正若干字段",
                       corrections=corrections)
    assert exc.value.code == code
    s.rollback()
    assert s.get(Record, world.public_record).under_objection is True


def test_a_field_error_names_the_field_by_its_label_in_each_language(world):
    s = world.session
    obj = _file(world)
    with pytest.raises(InvalidInput) as exc:
        service.decide(s, world.principal("scjg"), obj.id, outcome="corrected", reasons="更正若干字段",
                       corrections={"decision_date": "2026-02-30"})
    s.rollback()
    zh_label, en = exc.value.message.split("：")[0], exc.value.message_en
    assert "decision_date" not in en and "decision_date" not in exc.value.message
    assert en.split(":")[0] not in ("", zh_label) and en.split(":")[0][0].isupper(), en


def test_overdue_when_the_clock_passes_the_due_date(world, today):
    s = world.session
    obj = _file(world)
    step = deadlines.step_of(s, "objection", obj.id, "verify")
    today((step.due_on + dt.timedelta(days=3)).isoformat())
    assert deadlines.state_of(s, step) == "overdue"


def test_the_written_result_states_grounds_outcome_changes_reasons_and_remedies(world):
    import io

    from pypdf import PdfReader
    s = world.session
    obj = _file(world, grounds=["error", "omission"])
    service.decide(s, world.principal("scjg"), obj.id, outcome="corrected", reasons="核对原件，决定日期有误",
                   corrections={"decision_date": "2026-04-30"})
    s.commit()
    doc = s.get(Document, obj.document_id)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(doc.content)).pages).replace("\x00", "")
    for expected in ("异议处理结果告知书", "行政处罚", "信息存在错误", "信息存在遗漏", "异议成立，已更正", "2026-05-01",
                     "2026-04-30", "核对原件，决定日期有误", "行政复议", "行政诉讼", "第三十八条"):
        assert expected in text, expected


def test_receiving_systems_follow_the_objection_mark(world):
    """The mark "under objection" reaches the change feed as it reaches the portal (QZ art. 34),
    and so does its end; a correction is a change of its own."""
    from xinyong.models.feed import FeedEvent
    s = world.session

    def kinds():
        return [(e.kind, e.record_id, e.details["under_objection"])
                for e in s.scalars(select(FeedEvent).where(FeedEvent.kind != "published").order_by(FeedEvent.id))]
    obj = _file(world)
    assert kinds() == [("objection_opened", world.public_record, True)]
    service.decide(s, world.principal("scjg"), obj.id, outcome="upheld", reasons="经核查，记录无误")
    s.commit()
    assert kinds()[1:] == [("objection_closed", world.public_record, False)]
    again = _file(world, reasons="处罚决定日期与原件不一致，请核查")
    service.decide(s, world.principal("scjg"), again.id, outcome="corrected", reasons="核对原件，予以更正",
                   corrections={"decision_date": "2026-04-30"})
    s.commit()
    assert [k for k, _, _ in kinds()[2:]] == ["objection_opened", "corrected", "objection_closed"]
