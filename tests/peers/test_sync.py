"""The peer sync in process, on both backends (issue 15 point 5): a certificate whose SHA-256 is
not the pinned one is refused and nothing is kept; with the pin, the peer's published entries
are copied with the origin's decision and citation and count in the joint check's facts (by
USCC, from configured peers only); a removal at origin, and an entry the peer stops
publishing, end the copy on the next sync."""
from __future__ import annotations

import datetime as dt
import random

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import select

from xinyong.measures.repository import peer_entry_facts
from xinyong.models import Subject
from xinyong.models.peer import ForeignListEntry, PeerCertificate
from xinyong.peers import service
from xinyong.synthetic import make_uscc

FIRM = make_uscc(random.Random(9))
BASE = "http://fuzhou.test"


def _certificate() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fuzhou")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + dt.timedelta(days=30)).sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM)


def _entry(n: int, **over) -> dict:
    return {"origin_entry_id": n, "kind": "black", "uscc": FIRM, "name": "测试贸易有限公司", "decided_on": "2026-06-01",
            "listed_on": "2026-06-02", "period_end": "2029-06-01", "decision_ref": f"fuzhou-list-decision-{n}",
            "decision_url": f"{BASE}/lists/entries/{n}/decision", "legal_basis": "FZ art. 22", "citation": "FZ art. 22",
            "status": "active", "removed_on": None, "removal_reason": None, **over}


class Peer:
    def __init__(self):
        self.pem, self.entries = _certificate(), [_entry(1), _entry(2)]

    def transport(self) -> httpx.MockTransport:
        def answer(request: httpx.Request) -> httpx.Response:
            if request.url.path == "/api/v1/reports/certificate":
                return httpx.Response(200, content=self.pem)
            if request.url.path == "/api/v1/peers/list-entries":
                offset = int(request.url.params.get("offset", 0))
                return httpx.Response(200, json={"platform": "fuzhou", "base_url": BASE, "generated_on": "2026-12-01",
                                                 "entries": self.entries[offset:]})
            return httpx.Response(404)
        return httpx.MockTransport(answer)


def _configure(tmp_path, monkeypatch, pin: str) -> None:
    path = tmp_path / "peers.yaml"
    path.write_text(f"peers:\n  - {{key: fuzhou, name_zh: 福州市公共信用信息平台, name_en: Fuzhou platform, "
                    f"base_url: '{BASE}', certificate_sha256: '{pin}', basis: 'QZ art. 6'}}\n", encoding="utf-8")
    monkeypatch.setenv("XINYONG_PEERS_FILE", str(path))


@pytest.fixture
def peer(session, tmp_path, monkeypatch):
    p = Peer()
    firm = Subject(kind="legal_person", name="测试贸易有限公司", uscc=FIRM)
    session.add(firm)
    session.flush()
    p.subject_id = firm.id
    return p


def test_a_certificate_without_the_pinned_fingerprint_is_refused_and_nothing_is_kept(session, peer, tmp_path,
                                                                                    monkeypatch):
    _configure(tmp_path, monkeypatch, "ab" * 32)
    [result] = service.sync_all(session, peer.transport())
    assert "not the pinned" in result.error
    assert session.scalars(select(PeerCertificate)).all() == [] and session.scalars(select(ForeignListEntry)).all() == []
    assert service.recognised_certificates(session) == []


def test_entries_are_copied_and_removals_at_origin_followed(session, peer, tmp_path, monkeypatch):
    _configure(tmp_path, monkeypatch, service.fingerprint_of(peer.pem))
    today = dt.date(2026, 12, 1)
    [first] = service.sync_all(session, peer.transport())
    assert (first.error, first.added) == ("", 2)
    assert [p.key for p, _ in service.recognised_certificates(session)] == ["fuzhou"]
    facts = peer_entry_facts(session, peer.subject_id, today)
    assert [(f.decision_ref, f.citation, f.basis) for f in facts] == [
        ("fuzhou-list-decision-1", "FZ art. 22", "QZ art. 6"), ("fuzhou-list-decision-2", "FZ art. 22", "QZ art. 6")]

    # entry 1 removed at origin (its date and reason), entry 2 no longer published at all
    peer.entries = [_entry(1, status="removed", removed_on="2026-11-30", removal_reason="repaired")]
    [second] = service.sync_all(session, peer.transport())
    assert (second.error, second.added, second.removed) == ("", 0, 2)
    rows = {e.origin_entry_id: e for e in session.scalars(select(ForeignListEntry))}
    assert (rows[1].status, rows[1].removed_on, rows[1].removal_reason) == ("removed", dt.date(2026, 11, 30), "repaired")
    assert (rows[2].status, rows[2].removal_reason) == ("removed", "no_longer_published")
    assert peer_entry_facts(session, peer.subject_id, today) == ()


def test_entries_of_a_peer_no_longer_configured_do_not_count(session, peer, tmp_path, monkeypatch):
    _configure(tmp_path, monkeypatch, service.fingerprint_of(peer.pem))
    service.sync_all(session, peer.transport())
    monkeypatch.setenv("XINYONG_PEERS_FILE", str(tmp_path / "none.yaml"))
    (tmp_path / "none.yaml").write_text("peers: []\n", encoding="utf-8")
    assert peer_entry_facts(session, peer.subject_id, dt.date(2026, 12, 1)) == ()
