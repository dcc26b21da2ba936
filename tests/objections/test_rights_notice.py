"""QZ art. 20: when a dishonesty record is recorded the subject is told, in writing, of its
rights to object and to apply for repair and how. The accounts of the subject are told when the
batch lands (one statement per batch); the written notice is a PDF issued on first request."""
from __future__ import annotations

import datetime as dt
import io
import random

import pytest
from sqlalchemy import func, select, update

from tests.objections.conftest import ENTERPRISE, login
from xinyong.ingest.service import ingest_file
from xinyong.models import Batch, Document, Notification, Record, Subject, User
from xinyong.objections import rights
from xinyong.synthetic import (
    LICENCE_HEADERS,
    PENALTY_HEADERS,
    licence_row,
    make_uscc,
    penalty_row,
    subject_columns,
    to_csv,
)


def _send(world, rows, item="penalty"):
    agency = world.orgs["scjg"]
    headers = LICENCE_HEADERS if item == "licence" else PENALTY_HEADERS
    out = ingest_file(world.session, data=to_csv(rows, headers), filename="b.csv", source_uscc=agency.uscc, item_code=item)
    world.session.commit()
    assert out.status == "completed", out
    return out


def _penalty(world, rng, name, uscc, no, day=dt.date(2026, 8, 20)):
    agency = world.orgs["scjg"]
    return penalty_row(rng, name=name, subject_uscc=uscc, decision_no=f"泉市监罚〔2026〕{no}号", decision_date=day,
                       agency_name=agency.name, agency_uscc=agency.uscc)


def _rights_notes(world):
    return world.session.scalars(select(Notification).where(Notification.kind == rights.KIND)
                                 .order_by(Notification.id)).all()


def test_new_dishonesty_records_tell_the_subjects_accounts_once(world):
    rng = random.Random(5)
    firm = world.session.get(Subject, world.enterprise_id)
    stranger = make_uscc(rng)                       # a subject with no account: nobody to tell in-app
    _send(world, [_penalty(world, rng, ENTERPRISE, firm.uscc, 301), _penalty(world, rng, "泉州市无账户有限公司", stranger, 302)])
    notes = _rights_notes(world)
    record = world.session.scalar(select(Record).where(Record.decision_no == "泉市监罚〔2026〕301号"))
    assert [(n.recipient_subject_id, n.link) for n in notes] == [(world.enterprise_id, f"/me/notices/{record.id}")]
    assert "泉市监罚〔2026〕301号" in notes[0].text_zh and "异议" in notes[0].text_zh and "修复" in notes[0].text_zh
    # re-sending the same decision updates the record; it is not a new recording
    again = _penalty(world, rng, ENTERPRISE, firm.uscc, 301)
    again["违法事实"] = "更正后的违法事实"
    _send(world, [again])
    assert len(_rights_notes(world)) == 1
    # a licence is no dishonesty record
    agency = world.orgs["scjg"]
    subject = subject_columns(name=ENTERPRISE, kind="legal_person", uscc_code=firm.uscc, legal_rep="王五")
    _send(world, [licence_row(subject=subject, doc_name="食品经营许可决定书", decision_no="泉市监许〔2026〕9号", kind="普通",
                              certificate="食品经营许可证", licence_no="JY13505000009", content="预包装食品销售",
                              decision_date=dt.date(2026, 8, 1), valid_to=dt.date(2031, 7, 31),
                              agency_name=agency.name, agency_uscc=agency.uscc)], item="licence")
    assert len(_rights_notes(world)) == 1


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize("from_accounts", [True, False])
def test_either_join_order_on_sqlite_tells_the_same_accounts_once_each(world, monkeypatch, from_accounts):
    """SQLite finds the batch's records from the accounts' side or each record's accounts from
    the batch's side (``rights._from_accounts``): the same notices, in record order, either way:
    a subject with two accounts told once per record, an inactive account's subject and a
    subject without one not at all."""
    rng = random.Random(8)
    firm = world.session.get(Subject, world.enterprise_id)
    other = world.session.get(Subject, world.other_id)
    from xinyong.accounts.service import create_user
    from tests.objections.conftest import PASSWORD
    create_user(world.session, username="firm2", password=PASSWORD, role="subject", subject_uscc=firm.uscc)
    world.session.execute(update(User).where(User.username == "other").values(active=False))
    world.session.commit()
    monkeypatch.setattr(rights, "_from_accounts", lambda session, batch_id: from_accounts)
    _send(world, [_penalty(world, rng, ENTERPRISE, firm.uscc, 311), _penalty(world, rng, "泉州市刺桐贸易有限公司", other.uscc, 312),
                  _penalty(world, rng, "泉州市无账户有限公司", make_uscc(rng), 313), _penalty(world, rng, ENTERPRISE, firm.uscc, 314)])
    ids = {r.decision_no: r.id for r in world.session.scalars(select(Record))}
    assert [(n.recipient_subject_id, n.link) for n in _rights_notes(world)] == [
        (world.enterprise_id, f"/me/notices/{ids[f'泉市监罚〔2026〕{no}号']}") for no in (311, 314)]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_sqlite_reads_from_the_accounts_side_only_when_they_are_few_against_the_batch(world):
    batch = world.session.scalar(select(func.max(Batch.id)))   # the world's 3 records; 2 subjects with accounts
    assert rights._from_accounts(world.session, batch) is False
    world.session.execute(update(User).where(User.subject_id.is_not(None)).values(active=False))
    assert rights._from_accounts(world.session, batch) is True
    world.session.rollback()


def test_the_written_notice_names_the_record_the_rights_and_the_ways(client, world):
    from pypdf import PdfReader
    login(client, "firm")
    r = client.get(f"/me/notices/{world.public_record}")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages).replace("\x00", "")
    for expected in ("权利告知书", "泉市监罚〔2026〕101号", "异议", "信用修复", "我的异议", "线下服务窗口",
                     "行政复议", "第二十条"):
        assert expected in text, expected
    assert client.get(f"/me/notices/{world.public_record}").content == r.content      # issued once, kept
    count = select(func.count()).select_from(Document).where(Document.kind == rights.KIND)
    assert world.session.scalar(count) == 1
    # the record of another subject, or one that is not a dishonesty record: not found
    assert client.get(f"/me/notices/{world.other_record}").status_code == 404
    assert client.get("/me/notices/999999").status_code == 404
    # the API gives the same document to the subject's token
    api = client.get(f"/api/v1/me/records/{world.public_record}/rights-notice", headers=world.token("firm"))
    assert api.status_code == 200 and api.content == r.content
    # the records page links each dishonesty record to its notice
    assert f'href="/me/notices/{world.public_record}"' in client.get("/me/profile").text


def test_a_profile_without_the_rule_sends_nothing(world, monkeypatch):
    monkeypatch.setenv("XINYONG_PROFILE", "fuzhou")
    from xinyong.config import reset_settings
    reset_settings()
    try:
        rng = random.Random(6)
        firm = world.session.get(Subject, world.enterprise_id)
        _send(world, [_penalty(world, rng, ENTERPRISE, firm.uscc, 401)])
        assert _rights_notes(world) == []
    finally:
        monkeypatch.delenv("XINYONG_PROFILE")
        reset_settings()


def test_an_abnormal_operation_listing_is_a_recording_that_is_notified(world):
    """经营异常名录 is dishonesty information a public body enters (market regulation): the subject
    is told of its rights as for a penalty (QZ art. 20); a licence is not dishonesty and tells no one."""
    from tests.catalogue.test_every_item import valid_row
    from xinyong.catalogue import get_catalogue
    from xinyong.ingest.service import ingest_rows
    firm = world.session.get(Subject, world.enterprise_id)
    agency = world.orgs["scjg"]
    item = get_catalogue().get("abnormal_operation")
    row = valid_row(item, 1, agency.uscc)
    row[item.field_by_role("subject_name").header_zh] = ENTERPRISE
    row[item.field_by_role("subject_uscc").header_zh] = firm.uscc
    out = ingest_rows(world.session, rows=[row], source_uscc=agency.uscc, item_code="abnormal_operation")
    world.session.commit()
    assert out.accepted == 1, out
    record = world.session.scalar(select(Record).where(Record.batch_id == out.batch_id))
    assert [(n.recipient_subject_id, n.link) for n in _rights_notes(world)] == [(world.enterprise_id,
                                                                                 f"/me/notices/{record.id}")]
