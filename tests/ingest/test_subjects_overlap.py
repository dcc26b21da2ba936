"""PostgreSQL: the batch's subjects are merged on the server while the client builds the last
part's records (ingest.service._subjects_and_last_records), and each record still gets its
own row's subject."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from tests.support.builders import agency, penalty_rows, to_csv
from xinyong.ingest import service

WAIT = 5.0


@pytest.mark.parametrize("backend", ["postgresql"])
@pytest.mark.parametrize("chunk", [50_000, 4])   # one part; several, the earlier ones built before the merge
def test_the_last_parts_records_are_built_while_the_subjects_merge(session, monkeypatch, chunk):
    monkeypatch.setattr(service, "VALIDATE_CHUNK_ROWS", chunk)
    merging, built, seen, parts, calls = threading.Event(), threading.Event(), [], [], []
    real_resolve, real_frame, real_partitions = service.resolve_subjects, service._record_frame, service._partitions

    def partitions(frame, item):
        parts.extend(real_partitions(frame, item))
        yield from parts

    def resolve(*args, **kwargs):
        merging.set()
        seen.append(("the merge waited for the build", built.wait(WAIT)))
        return real_resolve(*args, **kwargs)

    def record_frame(*args, **kwargs):
        calls.append(1)
        if len(calls) < len(parts):   # an earlier part: built as soon as it is validated
            return real_frame(*args, **kwargs)
        seen.append(("the build saw the merge start", merging.wait(WAIT)))
        try:
            return real_frame(*args, **kwargs)
        finally:
            built.set()

    monkeypatch.setattr(service, "_partitions", partitions)
    monkeypatch.setattr(service, "resolve_subjects", resolve)
    monkeypatch.setattr(service, "_record_frame", record_frame)
    src = agency(session).uscc
    out = service.ingest_file(session, data=to_csv(penalty_rows(12, src, persons=3)), filename="p.csv",
                              source_uscc=src, item_code="penalty")
    assert out.created == 12 and (len(parts) > 1) == (chunk < 12)
    assert sorted(seen) == [("the build saw the merge start", True), ("the merge waited for the build", True)]
    # each record's subject is its own row's (the last part's rows come last in both lists)
    with_uscc, mismatched = session.execute(text(
        "SELECT count(*), count(*) FILTER (WHERE s.name IS DISTINCT FROM r.fields->>'subject_name') "
        "FROM records r JOIN subjects s ON s.id = r.subject_id WHERE r.batch_id = :b "
        "AND CAST(r.fields AS jsonb) ? 'subject_name'"), {"b": out.batch_id}).one()
    assert with_uscc > 0 and mismatched == 0


@pytest.mark.parametrize("backend", ["postgresql"])
def test_the_writes_look_ups_run_beside_the_merge_on_a_connection_of_their_own(session, monkeypatch):
    """The look-ups that need no subject (re-sends possible, the re-sent decisions, the new
    records' ids) are made on a session of their own while the merge runs on the batch's (its
    first statement does not wait for them); a re-send batch still updates the records it
    re-sends."""
    from xinyong.ingest import repository as ingest_repository
    from xinyong.subjects import repository as subjects_repository
    calls, merging = [], threading.Event()
    for name in ("has_records", "existing_records", "reserve_record_ids"):
        real = getattr(ingest_repository, name)

        def spy(s, *a, _real=real, _name=name, **k):
            # the merge's first statement is under way before the look-ups end
            calls.append((_name, s is session, _name != "reserve_record_ids" or merging.wait(WAIT)))
            return _real(s, *a, **k)
        monkeypatch.setattr(ingest_repository, name, spy)
    real_create = subjects_repository.bulk.create_temp_table

    def create(s, name, cols):
        merging.set()
        return real_create(s, name, cols)
    monkeypatch.setattr(subjects_repository.bulk, "create_temp_table", create)
    src = agency(session).uscc
    rows = penalty_rows(12, src, persons=3)
    first = service.ingest_file(session, data=to_csv(rows), filename="p.csv", source_uscc=src, item_code="penalty")
    assert first.created == 12   # the agency's first batch: no re-send to look up
    assert calls == [("has_records", False, True), ("reserve_record_ids", False, True)], calls
    calls.clear()
    merging.clear()
    rows[0]["违法事实"] = rows[0]["违法事实"] + "（更正）"
    again = service.ingest_file(session, data=to_csv(rows + penalty_rows(2, src, seed=9, prefix="泉应急罚")),
                                filename="p2.csv", source_uscc=src, item_code="penalty")
    assert (again.created, again.updated, again.unchanged) == (2, 1, 11)
    assert calls == [("has_records", False, True), ("existing_records", False, True),
                     ("reserve_record_ids", False, True)], calls


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_failed_look_up_is_the_error_raised_not_the_merges_after_it(session, monkeypatch):
    """The look-ups and the merge's thread share the session's connection: when the server dies
    under the look-ups (OperationalError: the API answers 503 with Retry-After), the thread's
    statements then fail on the invalidated connection with another error, which must not take
    the first one's place (the failover load test saw it answered 500)."""
    from sqlalchemy.exc import InvalidRequestError, OperationalError

    from xinyong.ingest import repository as ingest_repository
    from xinyong.kit import bulk
    from xinyong.subjects.repository import STAGE

    def server_gone(*_a, **_k):
        raise OperationalError("SELECT EXISTS (…)", {}, Exception("terminating connection"))

    real_load = bulk.load_frame

    def invalidated(session, table, *args, **kwargs):   # the merge thread's first statement: its stage's COPY
        if table == STAGE:
            raise InvalidRequestError("Can't reconnect until invalid transaction is rolled back")
        return real_load(session, table, *args, **kwargs)

    src = agency(session).uscc
    monkeypatch.setattr(ingest_repository, "has_records", server_gone)
    monkeypatch.setattr(bulk, "load_frame", invalidated)
    with pytest.raises(OperationalError):
        service.ingest_file(session, data=to_csv(penalty_rows(6, src, persons=2)), filename="p.csv",
                            source_uscc=src, item_code="penalty")
