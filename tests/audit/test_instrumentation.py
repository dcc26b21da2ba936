"""Every change of state and administrative action leaves its audit entry (FZ art. 12):
agency registration, accounts and sign-ins, tokens, batch ingestion (one entry per batch,
never per row), sweeps."""
from __future__ import annotations

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from tests.support.builders import agency, agency_user, penalty_rows, staff_user, to_csv, valid_agency_uscc
from xinyong.accounts.service import authenticate
from xinyong.accounts.tokens import issue_token, revoke_token
from xinyong.audit import verify
from xinyong.cli import app
from xinyong.ingest.service import ingest_file, ingest_rows
from xinyong.kit.access import Principal
from xinyong.kit.errors import TooManyRequests, Unauthenticated
from xinyong.models import AuditEntry, Subject

PW = "long-enough-pw-1"
STAFF = Principal(user_id=None, username="zhang", role="staff")


def entries(session, action: str | None = None) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id)
    if action:
        query = query.where(AuditEntry.action == action)
    return list(session.scalars(query))


def test_registering_an_agency_leaves_one_entry(session):
    from xinyong.agencies.service import register
    a = register(session, uscc=valid_agency_uscc(3), name="泉州市应急管理局", actor=STAFF)
    [entry] = entries(session)
    subject_id = session.scalar(select(Subject.id).where(Subject.uscc == a.uscc))
    assert (entry.action, entry.actor, entry.target_type, entry.target_id) == ("agency.register", "zhang",
                                                                               "agency", str(a.id))
    assert entry.subject_id == subject_id and entry.details["uscc"] == a.uscc


def test_creating_a_user_leaves_one_entry(session):
    a = agency(session)
    user = agency_user(session, a.uscc, "ag1")
    [entry] = entries(session, "user.create")
    assert (entry.target_type, entry.target_id, entry.details["role"]) == ("user", str(user.id), "agency")
    assert len(entries(session)) == 2  # the agency's registration and the account


def test_ingesting_a_batch_leaves_one_entry_with_counts(session):
    a = agency(session)
    rows = penalty_rows(7, a.uscc)
    rows[2]["处罚类别"] = "打板子"
    out = ingest_file(session, data=to_csv(rows), filename="p.csv", source_uscc=a.uscc, item_code="penalty",
                      actor=STAFF)
    [entry] = entries(session, "batch.ingest")
    assert (entry.target_type, entry.target_id, entry.actor) == ("batch", str(out.batch_id), "zhang")
    d = entry.details
    assert (d["status"], d["total_rows"], d["accepted"], d["rejected"], d["created"]) == ("completed", 7, 6, 1, 6)
    assert len(entries(session)) == 2  # registration + one per batch, none per row


def test_a_refused_batch_is_recorded_too(session):
    a = agency(session)
    ingest_rows(session, rows=[], source_uscc=a.uscc, item_code="penalty", user_id=None)
    [entry] = entries(session, "batch.ingest")
    assert (entry.details["status"], entry.details["error_code"], entry.actor) == ("refused", "empty_file", "system")


def test_a_batch_sent_by_a_user_names_them_without_the_actor_argument(session):
    a = agency(session)
    user = agency_user(session, a.uscc, "ag2")
    ingest_rows(session, rows=penalty_rows(2, a.uscc), source_uscc=a.uscc, item_code="penalty", user_id=user.id)
    [entry] = entries(session, "batch.ingest")
    assert entry.actor_user_id == user.id


def test_sign_ins_failures_and_throttling_are_recorded(session, wall_clock):
    user = staff_user(session, "s1", PW)
    authenticate(session, "s1", PW)
    for _ in range(3):
        with pytest.raises(Unauthenticated):
            authenticate(session, "s1", "wrong-password-1")
    with pytest.raises(TooManyRequests):
        authenticate(session, "s1", PW)  # slowed down, not locked: the delay is on (user name, client)
    with pytest.raises(Unauthenticated):
        authenticate(session, "nobody", "wrong-password-1")
    [login] = entries(session, "auth.login")
    assert (login.actor, login.actor_user_id, login.target_id) == ("s1", user.id, str(user.id))
    failed = entries(session, "auth.login_failed")
    assert [f.details["reason"] for f in failed] == ["bad_password"] * 3 + ["throttled", "unknown_user"]
    assert [f.details.get("failures") for f in failed] == [1, 2, 3, None, 4]
    assert all(f.actor == "anonymous" and "wrong" not in str(f.details) for f in failed)  # never the password


def test_tokens_issued_and_revoked_are_recorded_never_the_token(session):
    staff_user(session, "s2", PW)
    token = issue_token(session, "s2", "ci", actor=STAFF)
    [issued] = entries(session, "token.issue")
    assert token not in str(issued.details) and issued.details["scopes"] == ["*"]
    revoke_token(session, int(issued.target_id), actor=STAFF)
    [revoked] = entries(session, "token.revoke")
    assert revoked.target_id == issued.target_id


def test_a_username_that_is_an_id_number_is_masked(session):
    import random

    from xinyong.synthetic import make_resident_id
    person = make_resident_id(random.Random(9))
    with pytest.raises(Unauthenticated):
        authenticate(session, person, "wrong-password-1")
    [failed] = entries(session, "auth.login_failed")
    assert person not in str(failed.details) and "[resident-id]" in failed.details["username"]


def test_command_line_actions_name_the_operator_and_the_sweep_signs_a_checkpoint(db, session, tmp_path):
    runner = CliRunner()
    uscc = valid_agency_uscc(5)
    assert runner.invoke(app, ["agency", "add", "--uscc", uscc, "--name", "某局"]).exit_code == 0
    f = tmp_path / "p.csv"
    f.write_bytes(to_csv(penalty_rows(3, uscc)))
    assert runner.invoke(app, ["ingest", str(f), "--source", uscc, "--item", "penalty"]).exit_code == 0
    out = runner.invoke(app, ["sweep"])
    assert out.exit_code == 0 and "audit checkpoint:" in out.output
    actions = [(e.action, e.actor.startswith("cli:")) for e in entries(session)]
    assert actions == [("agency.register", True), ("batch.ingest", True), ("sweep.run", True)]
    report = verify(session)
    assert report.ok and report.checkpoints == 1
