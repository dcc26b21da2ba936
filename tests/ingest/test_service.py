"""The record path end to end through the ingest service, on SQLite and PostgreSQL."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, text

from tests.support.builders import agency, penalty_rows, to_csv
from xinyong.ingest import repository as ingest_repository
from xinyong.ingest.service import ingest_file
from xinyong.kit.crypto import keyed_hash
from xinyong.kit.errors import InvalidInput, PayloadTooLarge
from xinyong.models import Batch, BatchRejection, History, Record, Subject
from xinyong.synthetic import PENALTY_HEADERS

USCC_COL = "行政相对人代码_1(统一社会信用代码)"


def _counts(session) -> dict[str, int]:
    return {m.__tablename__: session.scalar(select(func.count()).select_from(m))
            for m in (Batch, BatchRejection, Record, History, Subject)}


def _ingest(session, src, rows, **kw):
    out = ingest_file(session, data=to_csv(rows), filename="p.csv", source_uscc=src, item_code="penalty", **kw)
    session.commit()
    return out


def test_accepts_valid_rows_and_returns_bad_ones_with_reasons(session):
    src = agency(session).uscc
    rows = penalty_rows(20, src)
    rows[3][USCC_COL] = rows[3][USCC_COL][:-1] + ("0" if rows[3][USCC_COL][-1] != "0" else "1")
    rows[7]["处罚决定日期"] = ""
    out = _ingest(session, src, rows)
    assert (out.status, out.total_rows, out.accepted, out.rejected, out.created) == ("completed", 20, 18, 2, 18)
    rejected = session.scalars(select(BatchRejection).order_by(BatchRejection.row_no)).all()
    assert [r.row_no for r in rejected] == [5, 9]  # spreadsheet rows: header is row 1
    assert rejected[0].field == USCC_COL and rejected[0].reason
    assert rejected[1].field == "处罚决定日期"
    records = session.scalars(select(Record)).all()
    assert {r.row_no for r in records} == set(range(2, 22)) - {5, 9}
    assert all(r.batch_id == out.batch_id and r.source_agency_id for r in records)


def test_resending_a_decision_updates_it_and_keeps_history(session):
    src = agency(session).uscc
    rows = penalty_rows(5, src)
    first = _ingest(session, src, rows)
    again = _ingest(session, src, rows)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)
    rows[2]["违法事实"] = "更正后的违法事实"
    fixed = _ingest(session, src, rows, change_reason="来源单位更正违法事实")
    assert (fixed.created, fixed.updated, fixed.unchanged) == (0, 1, 4)
    assert session.scalar(select(func.count()).select_from(Record)) == 5
    version = session.scalars(select(History).where(History.entity == "record")).one()
    assert version.change_reason == "来源单位更正违法事实"
    assert version.snapshot["fields"]["offence_facts"] == "经营超过保质期的食品"
    assert version.changed_in_batch == fixed.batch_id
    record = session.get(Record, version.entity_id)
    assert record.version == 2 and record.fields["offence_facts"] == "更正后的违法事实"
    assert record.batch_id == fixed.batch_id and first.batch_id != fixed.batch_id


def test_unregistered_source_is_refused_and_nothing_is_stored(session):
    agency(session)
    session.commit()
    before = _counts(session)
    with pytest.raises(InvalidInput) as err:
        ingest_file(session, data=to_csv(penalty_rows(2, "x")), filename="p.csv",
                    source_uscc="91350500MA2Y0L1X3F", item_code="penalty")
    assert err.value.code == "unknown_agency"
    session.rollback()
    assert _counts(session) == before


def test_unknown_item_is_refused(session):
    src = agency(session).uscc
    with pytest.raises(InvalidInput) as err:
        ingest_file(session, data=b"a,b\n1,2\n", filename="x.csv", source_uscc=src, item_code="horoscope")
    assert err.value.code == "unknown_item"


def test_oversized_file_is_refused(session, monkeypatch):
    src = agency(session).uscc
    monkeypatch.setenv("XINYONG_MAX_UPLOAD_BYTES", "100")
    from xinyong.config import reset_settings
    reset_settings()
    with pytest.raises(PayloadTooLarge):
        ingest_file(session, data=to_csv(penalty_rows(3, src)), filename="p.csv", source_uscc=src,
                    item_code="penalty")


@pytest.mark.parametrize("data, code", [
    (b"\xff\xfe\x00\x81\x82 not text \xc3\x28\x81", "undecodable"),
    ("行政相对人名称,处罚类别\n某公司,罚款\n".encode(), "missing_columns"),
])
def test_bad_files_are_refused_whole_and_change_nothing(session, data, code):
    src = agency(session).uscc
    _ingest(session, src, penalty_rows(3, src))
    before = _counts(session)
    out = _ingest_bytes(session, src, data)
    assert out.status == "refused" and out.error_code == code
    zh, en = out.error_words       # each language alone, for a page or a message built on it
    assert out.error_message == f"{zh} / {en}" and " / " not in zh and not any("\u4e00" <= c <= "\u9fff" for c in en[:8])
    after = _counts(session)
    assert after["records"] == before["records"] and after["subjects"] == before["subjects"]
    assert after["batches"] == before["batches"] + 1  # the refusal itself is on record for the agency


def _ingest_bytes(session, src, data):
    out = ingest_file(session, data=data, filename="bad.csv", source_uscc=src, item_code="penalty")
    session.commit()
    return out


def test_forbidden_column_is_refused_and_its_values_are_stored_nowhere(session, db):
    src = agency(session).uscc
    rows = penalty_rows(3, src)
    secret = "AB型RH阴性血"
    for r in rows:
        r["血型"] = secret
    out = _ingest_bytes(session, src, to_csv(rows, headers=(*PENALTY_HEADERS, "血型")))
    assert out.status == "refused" and out.error_code == "forbidden_data"
    assert "血型" in out.error_message and secret not in out.error_message
    assert _database_contains(db, secret) == []


def _database_contains(engine, needle: str) -> list[str]:
    """Every text-ish column of every table, searched for a value."""
    found = []
    with engine.connect() as conn:
        for table in ("batches", "batch_rejections", "records", "history", "subjects"):
            rows = conn.execute(text(f"SELECT * FROM {table}")).all()
            for row in rows:
                if any(needle in str(v) for v in row):
                    found.append(table)
    return found


def test_natural_persons_are_stored_encrypted_and_found_by_keyed_hash(session, db):
    src = agency(session).uscc
    rows = penalty_rows(4, src, persons=2)
    out = _ingest(session, src, rows)
    assert out.accepted == 4
    rid = rows[0]["证件号码"]
    person = session.scalar(select(Subject).where(Subject.resident_id_hash == keyed_hash(rid)))
    assert person is not None and person.kind == "natural_person" and person.uscc is None
    from xinyong.subjects.opener import open_resident_id
    assert open_resident_id(session, None, person, "test") == rid
    assert _database_contains(db, rid) == []


def test_a_crash_mid_batch_leaves_nothing_and_a_rerun_gives_the_same_state(session, monkeypatch):
    src = agency(session).uscc
    session.commit()
    rows = penalty_rows(10, src, persons=2)
    before = _counts(session)

    original = ingest_repository.insert_records

    def boom(*a, **kw):
        raise RuntimeError("power cut")
    monkeypatch.setattr(ingest_repository, "insert_records", boom)
    with pytest.raises(RuntimeError):
        ingest_file(session, data=to_csv(rows), filename="p.csv", source_uscc=src, item_code="penalty")
    session.rollback()
    assert _counts(session) == before
    monkeypatch.setattr(ingest_repository, "insert_records", original)
    out = _ingest(session, src, rows)
    assert out.created == 10
    assert _counts(session)["subjects"] == before["subjects"] + 10


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_resend_compares_the_fields_by_value_not_by_their_text(session):
    """records.fields is json (its text, migration 0027): a record converted from jsonb keeps
    jsonb's spacing and key order, and an identical re-send must still change nothing; a real
    change stores the ingest's canonical text again."""
    src = agency(session).uscc
    rows = penalty_rows(3, src)
    _ingest(session, src, rows)
    session.execute(text("UPDATE records SET fields = CAST(CAST(fields AS jsonb) AS json)"))   # as 0027 converts
    session.commit()
    spaced = session.execute(text("SELECT CAST(fields AS text) FROM records ORDER BY id")).scalars().all()
    assert all('", "' in t for t in spaced)   # the text differs from the canonical form the ingest sends
    again = _ingest(session, src, rows)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    rows[1]["违法事实"] = "更正后的违法事实"
    fixed = _ingest(session, src, rows)
    assert (fixed.created, fixed.updated, fixed.unchanged) == (0, 1, 2)
    stored = session.execute(text("SELECT CAST(fields AS text) FROM records WHERE version = 2")).scalar_one()
    assert '", "' not in stored and "更正后的违法事实" in stored


def test_legal_representatives_link_to_person_subjects_and_public_bodies_are_recognised(session):
    from xinyong.synthetic import make_resident_id
    import random
    src = agency(session).uscc
    rows = penalty_rows(2, src)
    rep_id = make_resident_id(random.Random(99))
    rows[0]["法定代表人"] = "王五"
    rows[0]["法定代表人证件类型"] = "身份证"
    rows[0]["法定代表人证件号码"] = rep_id
    out = _ingest(session, src, rows)
    assert out.accepted == 2
    company = session.scalar(select(Subject).where(Subject.uscc == rows[0][USCC_COL]))
    rep = session.get(Subject, company.legal_rep_id)
    assert rep.kind == "natural_person" and rep.name == "王五" and rep.resident_id_hash == keyed_hash(rep_id)
    registered = session.scalar(select(Subject).where(Subject.uscc == src))
    assert registered.kind == "public_body"  # the agency itself, a USCC of the establishment authority (1…)


def test_a_batch_written_in_parts_is_still_one_batch(session, monkeypatch):
    from xinyong.ingest import service
    monkeypatch.setattr(service, "VALIDATE_CHUNK_ROWS", 3)
    src = agency(session).uscc
    rows = penalty_rows(10, src, persons=4)
    assert _ingest(session, src, rows).created == 10
    rows[8]["违法事实"] = "更正"
    again = _ingest(session, src, rows + penalty_rows(2, src, seed=5, prefix="乙"))
    assert (again.created, again.updated, again.unchanged) == (2, 1, 9)
    assert session.scalar(select(func.count()).select_from(Record)) == 12


def test_every_record_refers_to_an_existing_subject_agency_and_batch(session):
    """Records have no foreign-key constraints (bulk-load speed); the ingest path must keep
    their references whole by itself."""
    src = agency(session).uscc
    rows = penalty_rows(12, src, persons=3)
    _ingest(session, src, rows)
    rows[2]["违法事实"] = "更正"
    _ingest(session, src, rows)
    orphans = session.execute(text(
        "SELECT count(*) FROM records r LEFT JOIN subjects s ON s.id = r.subject_id "
        "LEFT JOIN agencies a ON a.id = r.source_agency_id LEFT JOIN batches b ON b.id = r.batch_id "
        "WHERE s.id IS NULL OR a.id IS NULL OR b.id IS NULL")).scalar()
    assert session.scalar(select(func.count()).select_from(Record)) == 12 and orphans == 0


def test_a_batch_validated_in_parts_still_catches_every_repeated_decision_number(session, monkeypatch):
    from xinyong.ingest import service
    monkeypatch.setattr(service, "VALIDATE_CHUNK_ROWS", 4)
    src = agency(session).uscc
    rows = penalty_rows(20, src)
    rows[17]["行政处罚决定书文号"] = rows[2]["行政处罚决定书文号"]
    rows[9]["处罚决定日期"] = ""
    out = _ingest(session, src, rows)
    assert (out.total_rows, out.accepted, out.rejected, out.created) == (20, 18, 2, 18)
    returned = {(r.row_no, r.reason_code) for r in session.scalars(select(BatchRejection))}
    assert {row for row, _ in returned} == {11, 19}   # spreadsheet rows of rows[9] and rows[17]
    assert any("duplicate" in code for row, code in returned if row == 19)


def test_an_agencys_first_batch_of_an_item_skips_the_resend_lookup_and_later_ones_do_not(session, monkeypatch):
    """No earlier record of the agency and item: no row can re-send one, so the lookup of
    earlier decisions is skipped (it was 11 % of a 1M-row historical load); once records exist
    every batch looks them up, and a re-send is still found."""
    src = agency(session).uscc
    rows = penalty_rows(6, src)
    calls = []
    real = ingest_repository.existing_records
    monkeypatch.setattr(ingest_repository, "existing_records",
                        lambda *a, **kw: calls.append(len(a[3])) or real(*a, **kw))
    first = _ingest(session, src, rows[:4])
    assert (first.created, calls) == (4, [])
    second = _ingest(session, src, rows[2:])
    assert calls == [4]
    assert (second.created, second.updated, second.unchanged) == (2, 0, 2)
    assert session.scalar(select(func.count()).select_from(Record)) == 6


def test_the_file_bytes_handed_over_are_freed_once_parsed(session):
    """Peak memory (issue 14: < 2 GB for a 1M-row file): the bytes a caller hands over (keeping
    no reference, as `xinyong ingest` does) are not held through validation and the writes."""
    src = agency(session).uscc
    freed: list[str] = []

    class Upload(bytes):
        def __del__(self):
            freed.append("freed")

    seen: dict[str, bool] = {}

    def step(name: str) -> None:
        seen[name] = bool(freed)

    out = ingest_file(session, data=Upload(to_csv(penalty_rows(5, src))), filename="p.csv", source_uscc=src,
                      item_code="penalty", progress=step)
    assert out.status == "completed" and out.created == 5
    assert seen["read"] is False and seen["validate"] is True and seen["write"] is True


def test_the_file_is_parsed_while_the_batch_is_opened(session, monkeypatch):
    """The parse runs beside the batch's opening (its digest and row; a 1M-row file's digest
    alone is ~0.4 s): the opening waits here until the parse has started, which a parse begun
    only after it would never do. A failure to open the batch is the error raised, once the
    parse has ended."""
    from xinyong.ingest import service
    src = agency(session).uscc
    parsing, parsed = threading.Event(), threading.Event()
    real_read, real_open = service.read_table, service._open_batch

    def read(data, filename):
        parsing.set()
        try:
            return real_read(data, filename)
        finally:
            parsed.set()

    def open_batch(*args, **kwargs):
        assert parsing.wait(10), "the file was not being parsed while the batch was opened"
        return real_open(*args, **kwargs)

    monkeypatch.setattr(service, "read_table", read)
    monkeypatch.setattr(service, "_open_batch", open_batch)
    assert _ingest(session, src, penalty_rows(3, src)).created == 3

    def cannot_open(*args, **kwargs):
        assert parsing.wait(10)
        raise RuntimeError("the batch row could not be written")

    parsing.clear()
    parsed.clear()
    monkeypatch.setattr(service, "_open_batch", cannot_open)
    with pytest.raises(RuntimeError, match="could not be written"):
        ingest_file(session, data=b"\xff\xfe\x00 not text", filename="bad.csv", source_uscc=src, item_code="penalty")
    assert parsed.is_set()


def test_a_batch_of_one_part_makes_its_stored_only_columns_beside_the_subjects_merge(session, monkeypatch):
    """The columns only a record stores (its severity, basis and fields) are not made by the
    validation a one-part batch's subjects wait for: they are made once the merge has begun,
    which a validation that made them would never wait for here. The records are those made at
    once (a batch of several parts makes them while it validates)."""
    from xinyong.ingest import rules, service
    src = agency(session).uscc
    merging = threading.Event()
    real_resolve, real_stored = service.resolve_subjects, rules._stored_only

    def resolve(*args, **kwargs):
        merging.set()
        return real_resolve(*args, **kwargs)

    def stored_only(*args, **kwargs):
        assert merging.wait(10), "the stored-only columns were made before the subjects' merge began"
        return real_stored(*args, **kwargs)

    monkeypatch.setattr(service, "resolve_subjects", resolve)
    monkeypatch.setattr(rules, "_stored_only", stored_only)
    rows = penalty_rows(6, src)
    rows[2]["处罚类别"], rows[2]["罚款金额(万元)"] = "罚款", "120"
    rows[4]["备注"] = 'say "hi"'
    assert _ingest(session, src, rows).created == 6
    one = session.execute(select(Record.decision_no, Record.severity, Record.severity_basis, Record.fields)
                          .order_by(Record.decision_no)).all()
    session.execute(text("DELETE FROM records"))
    session.commit()
    monkeypatch.setattr(rules, "_stored_only", real_stored)
    monkeypatch.setattr(service, "VALIDATE_CHUNK_ROWS", 2)
    assert _ingest(session, src, rows).created == 6
    assert session.execute(select(Record.decision_no, Record.severity, Record.severity_basis, Record.fields)
                           .order_by(Record.decision_no)).all() == one


def test_the_subjects_stage_is_made_while_the_batch_validates(session, monkeypatch):
    """The session's connection waits while the batch validates: on PostgreSQL the subjects'
    stage table is made then (here the validation waits until it is, which a stage made after
    it would never be), and the merge does not make it again; SQLite merges without one."""
    from xinyong.ingest import service
    from xinyong.kit import bulk
    from xinyong.subjects.repository import STAGE
    src = agency(session).uscc
    made, stages = threading.Event(), []
    real_make, real_validate, real_create = service.make_stage, service.validate, bulk.create_temp_table

    def make_stage(s):
        try:
            return real_make(s)
        finally:
            made.set()

    def validate(*args, **kwargs):
        assert made.wait(10), "the subjects' stage was not made while the batch validated"
        return real_validate(*args, **kwargs)

    def create(s, name, columns):
        stages.append(name == STAGE)
        return real_create(s, name, columns)

    monkeypatch.setattr(service, "make_stage", make_stage)
    monkeypatch.setattr(service, "validate", validate)
    monkeypatch.setattr(bulk, "create_temp_table", create)
    assert _ingest(session, src, penalty_rows(5, src, persons=2)).created == 5
    assert stages.count(True) == (1 if session.get_bind().dialect.name == "postgresql" else 0)
