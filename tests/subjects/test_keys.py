"""Data key rotation on both backends: every row ends under the new key, readable throughout,
resumable after an interruption, and readable once the old key is gone."""
from __future__ import annotations

import base64
import json
import os

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import text
from typer.testing import CliRunner

from tests.support.builders import agency, penalty_rows, to_csv
from xinyong.cli import app as cli
from xinyong.config import get_settings, reset_settings
from xinyong.ingest.service import ingest_file
from xinyong.kit.crypto import LEGACY, decrypt, encrypt, keyed_hash
from xinyong.kit.keyring import build_ring, current_ring
from xinyong.subjects import keys
from xinyong.subjects.keys import RotationFailed, rotate

A, B, Z = (base64.b64encode(bytes([n]) * 32).decode() for n in (0xA, 0xB, 0xF))
PERSONS = 30
runner = CliRunner()


@pytest.fixture
def ring(db, monkeypatch):
    """Set XINYONG_DATA_KEYS (the platform's configuration) and return the ring."""
    def use(spec: str):
        monkeypatch.setenv("XINYONG_DATA_KEYS", spec)
        reset_settings()
        return current_ring()
    yield use
    reset_settings()


def _ingest_persons(db, n: int = PERSONS) -> None:
    from xinyong.db import session_scope
    with session_scope(db) as session:
        src = agency(session).uscc
        out = ingest_file(session, data=to_csv(penalty_rows(n, src, persons=n)), filename="p.csv",
                          source_uscc=src, item_code="penalty")
        assert out.accepted == n


def _rows(db) -> dict[int, tuple[str, bytes]]:
    with db.connect() as conn:
        return {i: (h, bytes(e)) for i, h, e in conn.execute(text(
            "SELECT id, resident_id_hash, resident_id_enc FROM subjects WHERE resident_id_enc IS NOT NULL"))}


def _counts(db) -> dict[str, int]:
    from xinyong.db import session_scope
    with session_scope(db) as session:
        return {c.key: c.rows for c in keys.status(session) if c.rows}


def _assert_all_readable(db) -> None:
    """Every stored ID opens under the configured ring and is the one its keyed hash finds."""
    rows = _rows(db)
    assert len(rows) == PERSONS
    assert all(keyed_hash(decrypt(enc)) == h for h, enc in rows.values())


def _make_legacy(db, how_many: int) -> list[int]:
    """Rewrite some rows as the platform wrote them before key ids (version 1, single key)."""
    legacy_key = get_settings().data_key_bytes()
    ids = sorted(_rows(db))[:how_many]
    with db.begin() as conn:
        for row_id in ids:
            enc = conn.execute(text("SELECT resident_id_enc FROM subjects WHERE id = :i"), {"i": row_id}).scalar()
            nonce = os.urandom(12)
            blob = b"\x01" + nonce + AESGCM(legacy_key).encrypt(nonce, decrypt(bytes(enc)).encode(), None)
            conn.execute(text("UPDATE subjects SET resident_id_enc = :b WHERE id = :i"), {"b": blob, "i": row_id})
    return ids


def test_rotation_moves_every_row_to_the_new_key_and_the_old_key_can_go(db, ring):
    ring(f"a:{A}")
    _ingest_persons(db)
    _make_legacy(db, 3)
    before = _rows(db)
    assert _counts(db) == {"a": PERSONS - 3, LEGACY: 3}

    ring(f"b:{B},a:{A}")
    _assert_all_readable(db)  # readers accept old and new keys before any row moves
    report = rotate(db, chunk_rows=7)
    assert (report.pending_at_start, report.rotated, report.unreadable, report.chunks) == (PERSONS, PERSONS, 0, 5)
    assert _counts(db) == {"b": PERSONS}
    after = _rows(db)
    assert {i: h for i, (h, _) in after.items()} == {i: h for i, (h, _) in before.items()}  # hashes untouched
    assert all(after[i][1] != before[i][1] for i in before)
    _assert_all_readable(db)
    assert rotate(db, chunk_rows=7).rotated == 0  # nothing left to do

    ring(f"b:{B}")  # the old key removed from the configuration
    _assert_all_readable(db)
    with pytest.raises(ValueError):
        decrypt(next(iter(before.values()))[1], build_ring(f"b:{B}", bytes(32)))  # the old rows needed key a


def test_an_interrupted_run_resumes_and_completes(db, ring):
    ring(f"a:{A}")
    _ingest_persons(db)
    ring(f"b:{B},a:{A}")

    def power_cut(report, rows):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        rotate(db, chunk_rows=7, after_chunk=power_cut)
    assert _counts(db) == {"b": 7, "a": PERSONS - 7}  # the first chunk was committed
    _assert_all_readable(db)  # mid-rotation every row still reads
    resumed = rotate(db, chunk_rows=7)
    assert (resumed.pending_at_start, resumed.rotated) == (PERSONS - 7, PERSONS - 7)
    assert _counts(db) == {"b": PERSONS}
    ring(f"b:{B}")
    _assert_all_readable(db)


def test_a_chunk_that_fails_verification_is_rolled_back_whole(db, ring, monkeypatch):
    ring(f"a:{A}")
    _ingest_persons(db)
    ring(f"b:{B},a:{A}")
    before = _rows(db)
    real = keys.encrypt_many

    def corrupting(values, r):
        out = real(values, r)
        return out[:-1] + [encrypt("someone else", r)]

    monkeypatch.setattr(keys, "encrypt_many", corrupting)
    with pytest.raises(RotationFailed):
        rotate(db, chunk_rows=7)
    assert _rows(db) == before  # nothing of the chunk was written


def test_rows_no_key_opens_are_left_as_they_are_and_reported(db, ring):
    ring(f"a:{A}")
    _ingest_persons(db)
    lost_id = sorted(_rows(db))[5]
    stray = encrypt("350500199001011234", build_ring(f"z:{Z}", bytes(32)))
    with db.begin() as conn:
        conn.execute(text("UPDATE subjects SET resident_id_enc = :b WHERE id = :i"), {"b": stray, "i": lost_id})
    ring(f"b:{B},a:{A}")
    out = runner.invoke(cli, ["keys", "rotate", "--json", "--chunk-rows", "4"])
    assert out.exit_code == 1, out.output
    body = json.loads(out.stdout)
    assert (body["rotated"], body["unreadable"], body["unreadable_ids"]) == (PERSONS - 1, 1, [lost_id])
    assert _rows(db)[lost_id][1] == stray
    assert _counts(db) == {"b": PERSONS - 1, "other (not in the ring)": 1}


def test_the_keys_commands_show_status_and_rotate(db, ring):
    ring(f"a:{A}")
    _ingest_persons(db)
    ring(f"b:{B},a:{A}")
    status = json.loads(runner.invoke(cli, ["keys", "status", "--json"]).stdout)
    assert status["current_key"] == "b" and status["not_current"] == PERSONS
    assert status["keys"]["a"] == PERSONS and status["keys"]["b"] == 0
    out = runner.invoke(cli, ["keys", "rotate"], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert "rotated" in out.output and str(PERSONS) in out.output
    status = json.loads(runner.invoke(cli, ["keys", "status", "--json"]).stdout)
    assert status["keys"]["b"] == PERSONS and status["not_current"] == 0
    table = runner.invoke(cli, ["keys", "status"], env={"COLUMNS": "200"})
    assert table.exit_code == 0 and "current" in table.output


def test_the_public_profile_reads_the_same_throughout_a_rotation(db, ring, client):
    ring(f"a:{A}")
    _ingest_persons(db)
    ids = sorted(_rows(db))
    shown = {i: client.get(f"/api/v1/subjects/{i}").json() for i in ids[:2]}
    ring(f"b:{B},a:{A}")

    def check(report, rows):
        assert {i: client.get(f"/api/v1/subjects/{i}").json() for i in ids[:2]} == shown

    rotate(db, chunk_rows=5, after_chunk=check)
    assert all(v["resident_id"] for v in shown.values())


def test_rotation_also_re_keys_the_identity_of_complainants(db, ring):
    """QZ art. 37: the complainant's identity is sealed with the same key ring, so rotating the
    ring must move it too, or dropping the old key would lose who complained."""
    from xinyong.complaints import service as complaints
    from xinyong.complaints.schemas import ComplaintIn
    from xinyong.db import session_scope
    from xinyong.kit.access import ANONYMOUS
    from xinyong.kit.crypto import header
    ring(f"a:{A}")
    _ingest_persons(db, 2)
    with session_scope(db) as session:
        filed = [complaints.file(session, ANONYMOUS, ComplaintIn(
            stage="publication", summary=f"公示的行政处罚信息有误，请核查 {n}", name=f"张{n}", contact=f"1380000000{n}")).complaint.id
            for n in range(3)]
    assert _counts(db) == {"a": 2 + 3}
    ring(f"b:{B},a:{A}")
    report = rotate(db, chunk_rows=2)
    assert (report.pending_at_start, report.rotated, report.unreadable) == (5, 5, 0)
    ring(f"b:{B}")
    from sqlalchemy import text

    from xinyong.kit.crypto import decrypt
    from xinyong.kit.keyring import current_ring
    with session_scope(db) as session:
        for n, complaint_id in enumerate(filed):
            (blob,) = session.execute(text("SELECT identity_enc FROM complaints WHERE id = :i"),
                                      {"i": complaint_id}).one()
            assert bytes(blob).startswith(header("b"))
            assert json.loads(decrypt(bytes(blob), current_ring()))["name"] == f"张{n}"
