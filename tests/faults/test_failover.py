"""Issue 16 point 3: kill -9 the primary in the middle of an ingest and of a repair decision,
promote the synchronous standby, and the platform carries on: the client (a process of its
own, on the multi-host URL with target_session_attrs=read-write) reconnects to the promoted
standby and resends what broke; every batch and decision it was told committed is there,
nothing is half-written or twice written, and the audit log verifies against the tree heads
published before the kill. Public reads come from the replica, and a writer reads its writes."""
from __future__ import annotations

import datetime as dt
import random
import shutil
import threading
import time

from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from tests.faults.conftest import read_until, start_workload
from tests.support.builders import agency, penalty_rows, to_csv
from xinyong.config import reset_settings
from xinyong.db import make_engine, reset_engines, session_scope
from xinyong.ingest.service import ingest_file
from xinyong.models import AuditEntry, Batch, Document, History, Record, Subject
from xinyong.models.repair import RepairApplication
from xinyong.transparency import archive

WRITING = ("SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
           "WHERE a.datname = current_database() AND a.pid <> pg_backend_pid() "
           "AND l.relation = '{table}'::regclass AND l.mode = 'RowExclusiveLock'")


def _follow(proc, lines: list[str]) -> threading.Thread:
    def run():
        for line in proc.stdout:
            lines.append(line.strip())
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _kill_mid_write(rs, table: str, timeout: float = 60) -> None:
    """kill -9 the primary the moment the workload holds uncommitted writes to `table`."""
    deadline = time.monotonic() + timeout
    with rs.primary.connect(rs.dbname) as conn:
        while not conn.execute(WRITING.format(table=table)).fetchone()[0]:
            assert time.monotonic() < deadline, f"never caught a write to {table} in flight"
            time.sleep(0.005)
    rs.kill_primary()


def _failover(rs, table: str, proc, lines: list[str]) -> tuple[str, float]:
    """Kill mid-write, promote; (the unit of work in flight, seconds from kill to promoted)."""
    _kill_mid_write(rs, table)
    killed = time.monotonic()
    in_flight = next(line.split()[1] for line in reversed(lines) if line.startswith("begin"))
    promoted = rs.promote()
    assert promoted < 30
    proc.wait(timeout=120)
    assert proc.returncode == 0, proc.stderr.read()[-3000:]
    return in_flight, time.monotonic() - killed


def _committed(lines: list[str]) -> dict[str, int]:
    return {line.split()[1]: int(line.split()[2]) for line in lines if line.startswith("committed")}


def snapshot_archive(dest):
    """A copy of the published heads as they are now, while a workload may publish more:
    heads before leaves (a head is written after its leaves, so every copied head has them)."""
    root = archive.archive_dir()
    for part in ("sth", "leaves"):
        if (root / part).is_dir():
            shutil.copytree(root / part, dest / part)
    shutil.copy(root / "keys.json", dest / "keys.json")
    return dest


def _verify_against(snapshot) -> tuple[bool, str]:
    from xinyong.audit.service import verify
    from xinyong.transparency.verification import verify_log
    with session_scope() as s:
        report = verify(s)
        with s.get_bind().connect() as conn:
            from sqlalchemy.orm import Session
            with Session(bind=conn) as snap:
                heads, problems = verify_log(snap, root=snapshot)
    return report.ok and not problems and heads > 0, report.summary() + " " + "; ".join(p.line() for p in problems)


def test_public_reads_come_from_the_replica_and_whoever_wrote_reads_the_primary(pair, monkeypatch):
    rs = pair
    monkeypatch.setenv("XINYONG_READ_DATABASE_URL", rs.read_url)
    reset_settings()
    from xinyong.app import create_app
    src = None
    with session_scope() as s:
        src = agency(s).uscc
    rs.wait_replayed()    # (a pause in the middle of a replayed TRUNCATE would hold its lock)
    with rs.standby.connect() as conn:
        conn.execute("SELECT pg_wal_replay_pause()")     # the replica lags from now on
    try:
        with session_scope() as s:
            ingest_file(s, data=to_csv(penalty_rows(2, src)), filename="p.csv", source_uscc=src,
                        item_code="penalty")
            subject_id = s.scalar(select(func.max(Subject.id)))   # a firm of the batch
        with TestClient(create_app(), base_url="http://testserver") as reader:
            assert reader.get(f"/api/v1/subjects/{subject_id}").status_code == 404      # served by the replica
            assert reader.get(f"/subjects/{subject_id}").status_code == 404
            for page in ("/search?q=泉州", "/publicity", "/api/v1/publicity", "/api/v1/subjects?q=泉州"):
                assert reader.get(page).status_code == 200, page      # read-only sessions suffice
            with TestClient(create_app(), base_url="http://testserver") as writer:
                writer.post("/search", data={"q": "泉州"}, follow_redirects=False)    # any write marks it
                assert "xy_wrote" in writer.cookies
                assert writer.get(f"/api/v1/subjects/{subject_id}").status_code == 200  # its reads: the primary
                assert writer.get(f"/subjects/{subject_id}").status_code == 200
        with rs.standby.connect() as conn:
            conn.execute("SELECT pg_wal_replay_resume()")
        deadline = time.monotonic() + 10
        with TestClient(create_app(), base_url="http://testserver") as reader:
            while reader.get(f"/api/v1/subjects/{subject_id}").status_code != 200:
                assert time.monotonic() < deadline, "the replica never caught up"
                time.sleep(0.1)
            assert reader.get(f"/subjects/{subject_id}").status_code == 200
    finally:
        with rs.standby.connect() as conn:
            conn.execute("SELECT pg_wal_replay_resume()")


def test_kill9_of_the_primary_mid_ingest_loses_no_committed_batch_and_writes_none_twice(pair, tmp_path):
    rs = pair
    with session_scope() as s:
        src = agency(s).uscc
    pool = make_engine(rs.url)            # an application's pool, idle across the failover
    held = [pool.connect() for _ in range(3)]
    for conn in held:
        conn.close()
    # each batch holds its records' writes open 0.3 s: the kill lands before that batch's commit
    # (without it, under load, a 200-row batch committed in the ms between seeing its lock and the kill)
    proc = start_workload("ingest", "5", "200", src, env={"FAULTS_HOLD_WRITES_SECONDS": "0.3"})
    lines: list[str] = []
    read_until(proc, "committed 1", lines)
    before = snapshot_archive(tmp_path / "heads-before-kill")
    _follow(proc, lines)
    in_flight, took = _failover(rs, "records", proc, lines)
    print(f"failover: promoted and the client done in {took:.1f} s")
    assert any(line.startswith(f"retry {in_flight} ") for line in lines), lines     # the kill broke it
    committed = _committed(lines)
    assert sorted(committed) == [str(n) for n in range(5)], lines
    reset_engines()
    with pool.connect() as conn:          # the idle pool reconnects to the promoted standby by itself
        assert conn.execute(text("SELECT pg_is_in_recovery()")).scalar() is False
        assert conn.execute(text("SELECT inet_server_port()")).scalar() == rs.primary.port
    pool.dispose()
    with session_scope() as s:
        batches = s.execute(select(Batch.id, Batch.idempotency_key, Batch.status, Batch.accepted_rows)).all()
        assert sorted(b.idempotency_key for b in batches) == sorted(f"fault-{n}" for n in range(5))   # once each
        assert {b.id for b in batches} == set(committed.values())
        assert all(b.status == "completed" and b.accepted_rows == 200 for b in batches)
        per_batch = dict(s.execute(select(Record.batch_id, func.count()).group_by(Record.batch_id)).all())
        assert per_batch == {b.id: 200 for b in batches}                           # nothing half-written
        audited = s.scalars(select(AuditEntry.target_id).where(AuditEntry.action == "batch.ingest")).all()
        assert sorted(audited) == sorted(str(b.id) for b in batches)               # one entry per batch
    ok, summary = _verify_against(before)
    assert ok, summary
    ok, summary = _verify_against(archive.archive_dir())
    assert ok, summary


def _repair_world(s, n: int = 2) -> list[int]:
    """An enterprise with n penalties past their minimum publicity; an accepted repair
    application for each."""
    from tests.repair.conftest import COMPANY, PDF, PNG
    from tests.repair.test_service import who
    from xinyong.accounts.service import create_user
    from xinyong.repair import service
    from xinyong.repair.service import Upload
    from xinyong.synthetic import make_uscc, penalty_row
    rng = random.Random(3536)
    regulator = agency(s, name="泉州市市场监督管理局")
    uscc = make_uscc(rng)
    rows = [penalty_row(rng, name=COMPANY, subject_uscc=uscc, decision_no=f"泉市监罚〔2026〕{120 + i}号",
                        decision_date=dt.date(2026, 4, 10) + dt.timedelta(days=i), agency_name=regulator.name,
                        agency_uscc=regulator.uscc) for i in range(n)]
    ingest_file(s, data=to_csv(rows), filename="p.csv", source_uscc=regulator.uscc, item_code="penalty")
    create_user(s, username="firm", password="Repair-pass-2026", role="subject", subject_uscc=uscc)
    create_user(s, username="scjg", password="Repair-pass-2026", role="agency", agency_uscc=regulator.uscc)
    s.commit()
    subject = s.scalar(select(Subject).where(Subject.uscc == uscc))
    apps = []
    for item in service.eligibility(s, subject.id):
        if item.result.eligible:
            app = service.apply(s, who(s, "firm"), subject_id=subject.id, record_id=item.record.id, statement="",
                                uploads=[Upload("commitment_letter", "c.pdf", "application/pdf", PDF),
                                         Upload("proof_of_performance", "r.png", "image/png", PNG)], channel="online")
            service.accept(s, who(s, "scjg"), app.id)
            apps.append(app.id)
    s.commit()
    return apps


def test_kill9_of_the_primary_mid_repair_decision_loses_no_decision_and_makes_none_twice(pair, tmp_path, monkeypatch):
    rs = pair
    monkeypatch.setenv("XINYONG_TODAY", "2026-09-01")
    with session_scope() as s:
        apps = _repair_world(s)
    assert len(apps) == 2
    from xinyong.transparency.worker import sequence_and_publish
    sequence_and_publish()
    before = snapshot_archive(tmp_path / "heads-before-kill")
    proc = start_workload("approve", *map(str, apps), env={"FAULTS_HOLD_WRITES_SECONDS": "0.3"})   # (as mid-ingest)
    lines: list[str] = []
    _follow(proc, lines)
    in_flight, took = _failover(rs, "repair_applications", proc, lines)
    print(f"failover: promoted and the client done in {took:.1f} s")
    assert any(line.startswith(f"retry {in_flight} ") for line in lines), lines
    assert sorted(_committed(lines)) == sorted(map(str, apps)), lines
    with session_scope() as s:
        for app_id in apps:
            app = s.get(RepairApplication, app_id)
            assert app.status == "approved" and s.get(Record, app.record_id).status == "repaired"
            docs = s.scalar(select(func.count()).select_from(Document).where(
                Document.procedure_id == app_id, Document.kind == "repair_result"))
            events = s.scalar(select(func.count()).select_from(AuditEntry).where(
                AuditEntry.action == "repair.approve", AuditEntry.target_id == str(app_id)))
            versions = s.scalar(select(func.count()).select_from(History).where(
                History.entity == "record", History.entity_id == app.record_id))
            assert (docs, events, versions) == (1, 1, 1), app_id                   # once each, whole
    ok, summary = _verify_against(before)
    assert ok, summary
    ok, summary = _verify_against(archive.archive_dir())
    assert ok, summary
