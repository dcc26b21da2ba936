"""Natural persons between peer cities (QZ art. 6, FZ art. 7 with PIPL art. 51), on both
backends. The origin gives its punitive entries of natural persons only to a recognised peer's
signed request, each person by the region's pseudonym (HMAC-SM3 of the shared key over the
resident ID) and masked name, never the number; each person's access log names the peer; the
opening of the number to derive the pseudonym is audited once, then the pseudonym is kept. Any
other caller (anonymous, a staff account, an unpinned certificate, an old or altered or
misdirected signature) is refused. The receiving side signs its requests, copies the entries,
and matches the same person here by the same pseudonym in the joint check."""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import random
import secrets

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from sqlalchemy import select

from tests.support.builders import agency, staff_user
from tests.support.web import page_login
from xinyong import clock
from xinyong.accounts.service import create_user, principal_of
from xinyong.accounts.tokens import issue_token
from xinyong.kit.crypto import keyed_hash
from xinyong.measures.repository import peer_entry_facts
from xinyong.models import Subject
from xinyong.models.access import AccessLog
from xinyong.models.audit import AuditEntry
from xinyong.models.listing import ListEntry, ListProposal
from xinyong.models.peer import ForeignListEntry, PeerCertificate, PeerToken
from xinyong.peers import auth, rules, service
from xinyong.reports import signing
from xinyong.subjects import opener
from xinyong.synthetic import make_resident_id, make_uscc

REGION_KEY = base64.b64encode(bytes(range(32))).decode()
PERSON_ID = make_resident_id(random.Random(606))
OTHER_ID = make_resident_id(random.Random(607))
URL = "/api/v1/peers/person-entries"
BASE = "http://fuzhou.test"
VIEWED = "subject.resident_id_viewed"
PW = "person-pass-123"


class RequesterKey:
    """A peer platform's report-signing key and certificate (the requester, in these tests)."""

    def __init__(self):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fuzhou")])
        now = dt.datetime.now(dt.timezone.utc)
        self.cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(self.key.public_key())
                     .serial_number(7).not_valid_before(now - dt.timedelta(days=1))
                     .not_valid_after(now + dt.timedelta(days=30)).sign(self.key, hashes.SHA256()))
        self.der = self.cert.public_bytes(serialization.Encoding.DER)
        self.pem = self.cert.public_bytes(serialization.Encoding.PEM)
        self.pin = hashlib.sha256(self.der).hexdigest()

    def headers(self, query: str = "", *, audience: str | None = None, at: int | None = None,
                signed_query: str | None = None, path: str = URL) -> dict:
        at = int(clock.now().timestamp()) if at is None else at
        nonce = secrets.token_hex(16)
        message = rules.request_message("GET", f"{path}?{query if signed_query is None else signed_query}", at,
                                        audience or signing.certificate_fingerprint(), nonce)
        return {rules.CERT_HEADER: base64.b64encode(self.der).decode(), rules.TIME_HEADER: str(at),
                rules.NONCE_HEADER: nonce, rules.SIGNATURE_HEADER: base64.b64encode(
                    self.key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()}


def _configure(tmp_path, monkeypatch, pin: str, region_key: str | None = REGION_KEY) -> None:
    path = tmp_path / "peers.yaml"
    path.write_text(f"peers:\n  - {{key: fuzhou, name_zh: 福州市公共信用信息平台, name_en: Fuzhou platform, "
                    f"base_url: '{BASE}', certificate_sha256: '{pin}', basis: 'QZ art. 6'}}\n", encoding="utf-8")
    monkeypatch.setenv("XINYONG_PEERS_FILE", str(path))
    if region_key is None:
        monkeypatch.delenv("XINYONG_PEER_REGION_KEY", raising=False)
    else:
        monkeypatch.setenv("XINYONG_PEER_REGION_KEY", region_key)


def _person(session, number: str, name: str) -> Subject:
    person = Subject(kind="natural_person", name=name, resident_id_hash=keyed_hash(number),
                     resident_id_enc=opener.seal(number))
    session.add(person)
    session.flush()
    return person


def _listed(session, subject: Subject, org_id: int, kind: str = "serious_dishonesty") -> ListEntry:
    p = ListProposal(subject_id=subject.id, kind=kind, proposing_org_id=org_id, reasons="拒不履行生效判决",
                     legal_basis="《泉州市社会信用条例》第二十条", period_months=36, status="decided",
                     decided_on=dt.date(2026, 6, 1), citation="QZ art. 20")
    session.add(p)
    session.flush()
    e = ListEntry(subject_id=subject.id, proposal_id=p.id, kind=kind, proposing_org_id=org_id, status="active",
                  decided_on=dt.date(2026, 6, 1), listed_on=dt.date(2026, 6, 2), period_end=dt.date(2029, 6, 1),
                  citation="QZ art. 20 (泉州市社会信用条例第二十条)")
    session.add(e)
    session.flush()
    return e


@pytest.fixture
def origin(session, client, tmp_path, monkeypatch):
    """This platform as the origin: a listed person, a listed firm, a peer's key pinned."""
    requester = RequesterKey()
    _configure(tmp_path, monkeypatch, requester.pin)
    signing.ensure_keys()
    org = agency(session)
    person = _person(session, PERSON_ID, "郑名单")
    firm = Subject(kind="legal_person", name="泉州市失信贸易有限公司", uscc=make_uscc(random.Random(608)))
    session.add(firm)
    session.flush()
    entry = _listed(session, person, org.id)
    _listed(session, firm, org.id, kind="black")
    staff = staff_user(session)
    token = issue_token(session, staff.username, "peers test", scopes=None, days=1, actor=None)
    create_user(session, username="person1", password=PW, role="subject", subject_resident_id=PERSON_ID)
    session.commit()
    return {"requester": requester, "person": person.id, "entry": entry.id, "staff_token": token}


def _openings(session, subject_id: int) -> list[AuditEntry]:
    session.expire_all()
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == VIEWED,
                                                         AuditEntry.subject_id == subject_id)))


def test_a_peer_reads_a_person_only_by_pseudonym_and_the_person_is_told(session, client, origin, monkeypatch):
    r = client.get(URL, headers=origin["requester"].headers())
    assert r.status_code == 200, r.text
    [entry] = r.json()["entries"]                       # the person only: the firm travels on the public route
    assert entry["origin_entry_id"] == origin["entry"]
    assert entry["person_token"] == rules.person_token(base64.b64decode(REGION_KEY), PERSON_ID)
    assert entry["name"] == "郑**" and "uscc" not in entry and entry["kind"] == "serious_dishonesty"
    assert PERSON_ID not in r.text and PERSON_ID[6:14] not in r.text and "郑名单" not in r.text

    [opened] = _openings(session, origin["person"])    # the number opened once, with its purpose and the peer
    assert opened.details["purpose"] == "peer_exchange.publish" and opened.details["peer"] == "fuzhou"
    logs = session.scalars(select(AccessLog).where(AccessLog.subject_id == origin["person"])).all()
    assert [(a.role, a.channel, a.basis_ref, a.purpose, a.allowed) for a in logs] == [
        ("peer", "peer", "QZ art. 6", "福州市公共信用信息平台", True)]

    again = client.get(URL, headers=origin["requester"].headers())
    assert again.json()["entries"] == r.json()["entries"]
    assert len(_openings(session, origin["person"])) == 1          # the pseudonym was kept: no second opening
    assert session.scalar(select(PeerToken.token).where(PeerToken.subject_id == origin["person"])) \
        == entry["person_token"]
    # told once a day per peer, however often the peer syncs; every read is audited
    assert len(session.scalars(select(AccessLog).where(AccessLog.subject_id == origin["person"])).all()) == 1
    reads = session.scalars(select(AuditEntry).where(AuditEntry.action == "peers.person_entries_read")).all()
    assert [(a.details["peer"], a.details["entries"]) for a in reads] == [("fuzhou", 1), ("fuzhou", 1)]
    monkeypatch.setenv("XINYONG_TODAY", (clock.today() + dt.timedelta(days=1)).isoformat())
    assert client.get(URL, headers=origin["requester"].headers()).json()["entries"] == r.json()["entries"]
    session.expire_all()
    assert len(session.scalars(select(AccessLog).where(AccessLog.subject_id == origin["person"])).all()) == 2

    # the person sees it on their own page: who (the peer city's platform), on what basis
    page_login(client, "person1", PW)
    page = client.get("/me/access-log")
    assert page.status_code == 200
    assert "互认城市信用平台" in page.text and "福州市公共信用信息平台" in page.text and "QZ art. 6" in page.text
    assert "Recognised peer city platform" in client.get("/me/access-log?lang=en").text


def test_every_caller_but_a_recognised_peers_fresh_signature_is_refused(session, client, origin, monkeypatch):
    requester = origin["requester"]
    stranger = RequesterKey()
    now = int(clock.now().timestamp())
    refused = {
        "unsigned": client.get(URL),
        "staff token": client.get(URL, headers={"Authorization": f"Bearer {origin['staff_token']}"}),
        "unpinned certificate": client.get(URL, headers=stranger.headers()),
        "ten minutes old": client.get(URL, headers=requester.headers(at=now - 600)),
        "for another platform": client.get(URL, headers=requester.headers(audience="ab" * 32)),
        "query altered": client.get(f"{URL}?offset=200", headers=requester.headers("offset=200", signed_query="")),
        "signature damaged": client.get(URL, headers={**requester.headers(), rules.SIGNATURE_HEADER: "AAAA"}),
        "nonce changed": client.get(URL, headers={**requester.headers(), rules.NONCE_HEADER: "0" * 32}),
    }
    for why, response in refused.items():
        assert response.status_code in (401, 403), (why, response.status_code)
        assert "entries" not in response.text, why
    assert refused["unsigned"].json()["error"]["code"] == "peer_signature_required"
    assert "not one of a recognised peer" in refused["unpinned certificate"].json()["error"]["message_en"]
    assert "too far" in refused["ten minutes old"].json()["error"]["message_en"]
    # a peer's signature opens nothing else: to any other route it is anonymous
    assert client.get("/api/v1/agencies", headers=requester.headers(path="/api/v1/agencies")).status_code == 401
    assert client.get("/staff/peers", headers=requester.headers(path="/staff/peers"),
                      follow_redirects=False).headers["location"].startswith("/login")
    home = client.get("/", headers=requester.headers(path="/"))
    assert home.status_code == 200 and "退出" not in home.text      # the public page, as to anyone
    assert _openings(session, origin["person"]) == []
    assert session.scalars(select(AccessLog).where(AccessLog.subject_id == origin["person"])).all() == []
    once = requester.headers()
    assert client.get(URL, headers=once).status_code == 200     # the same peer, signing properly
    replayed = client.get(URL, headers=once)                   # ... once: whoever saw the headers gets nothing
    assert replayed.status_code == 401 and "already used" in replayed.json()["error"]["message_en"]


def test_an_ended_entry_of_a_person_no_longer_travels(session, client, origin):
    entry = session.get(ListEntry, origin["entry"])
    entry.status, entry.removed_on, entry.removal_reason = "removed", dt.date(2026, 11, 1), "repaired"
    session.commit()
    r = client.get(URL, headers=origin["requester"].headers())
    assert (r.status_code, r.json()["entries"]) == (200, [])
    assert _openings(session, origin["person"]) == []     # nothing sent, nothing opened, nobody to tell
    assert session.scalars(select(AccessLog).where(AccessLog.subject_id == origin["person"])).all() == []


def test_without_the_region_key_no_person_is_exchanged(session, client, origin, tmp_path, monkeypatch):
    _configure(tmp_path, monkeypatch, origin["requester"].pin, region_key=None)
    r = client.get(URL, headers=origin["requester"].headers())
    assert (r.status_code, r.json()["error"]["code"]) == (409, "no_region_key")
    assert _openings(session, origin["person"]) == []


def test_the_platforms_own_signed_request_is_what_the_origin_verifies(session, tmp_path, monkeypatch):
    """signed_headers and principal_for agree: a platform pinned by itself reads as that peer."""
    signing.ensure_keys()
    _configure(tmp_path, monkeypatch, signing.certificate_fingerprint())
    [peer] = service.configured()
    url = httpx.URL(f"{BASE}{URL}?limit=200&offset=0")
    headers = auth.signed_headers(peer, "GET", url)
    with pytest.raises(auth.PeerAuthError):
        auth.principal_for(headers, "GET", URL, b"limit=200&offset=200")
    principal = auth.principal_for(headers, "GET", URL, b"limit=200&offset=0")
    assert (principal.role, principal.username, principal.is_anonymous) == ("peer", "fuzhou", True)
    with pytest.raises(auth.PeerAuthError, match="already used"):
        auth.principal_for(headers, "GET", URL, b"limit=200&offset=0")


# ---- the receiving side --------------------------------------------------------------------------

class PeerCity:
    """A peer publishing one natural person's entry (by pseudonym) and checking our signature."""

    def __init__(self, pem: bytes, fingerprint: str):
        self.pem, self.fingerprint, self.person_requests, self.refuse_persons = pem, fingerprint, [], ""
        self.entries = [{"origin_entry_id": 41, "kind": "serious_dishonesty",
                         "person_token": rules.person_token(base64.b64decode(REGION_KEY), PERSON_ID),
                         "name": "郑**", "decided_on": "2026-05-01", "listed_on": "2026-05-02",
                         "period_end": "2029-05-01", "decision_ref": "fuzhou-list-decision-41",
                         "decision_url": f"{BASE}/lists/entries/41/decision", "legal_basis": "FZ art. 22",
                         "citation": "FZ art. 22", "status": "active", "removed_on": None, "removal_reason": None}]

    def transport(self) -> httpx.MockTransport:
        def answer(request: httpx.Request) -> httpx.Response:
            if request.url.path == "/api/v1/reports/certificate":
                return httpx.Response(200, content=self.pem)
            if request.url.path == "/api/v1/peers/list-entries":
                return httpx.Response(200, json={"platform": "fuzhou", "base_url": BASE, "generated_on": "2026-12-01",
                                                 "entries": []})
            if request.url.path == URL:
                self.person_requests.append(request)
                if self.refuse_persons:      # the peer exchanges no persons: answered as the origin does
                    return httpx.Response(409, json={"error": {"code": self.refuse_persons, "message": "",
                                                               "message_en": ""}})
                cert = x509.load_der_x509_certificate(base64.b64decode(request.headers[rules.CERT_HEADER]))
                message = rules.request_message("GET", f"{request.url.path}?{request.url.query.decode()}",
                                                int(request.headers[rules.TIME_HEADER]), self.fingerprint,
                                                request.headers[rules.NONCE_HEADER])
                cert.public_key().verify(base64.b64decode(request.headers[rules.SIGNATURE_HEADER]), message,
                                         padding.PKCS1v15(), hashes.SHA256())
                return httpx.Response(200, json={"platform": "fuzhou", "base_url": BASE, "generated_on": "2026-12-01",
                                                 "entries": self.entries})
            return httpx.Response(404)
        return httpx.MockTransport(answer)


def test_a_peers_person_entry_matches_the_same_person_here_by_pseudonym(session, tmp_path, monkeypatch):
    signing.ensure_keys()
    peer_key = RequesterKey()
    city = PeerCity(peer_key.pem, peer_key.pin)
    _configure(tmp_path, monkeypatch, peer_key.pin)
    same, other = _person(session, PERSON_ID, "郑名单"), _person(session, OTHER_ID, "郑别人")
    staff = principal_of(staff_user(session), "session")
    [result] = service.sync_all(session, city.transport())
    assert (result.error, result.added) == ("", 1) and len(city.person_requests) == 1
    row = session.scalars(select(ForeignListEntry)).one()
    assert (row.uscc, row.name, row.person_token) == (None, "郑**", city.entries[0]["person_token"])

    today = dt.date(2026, 12, 1)
    facts = peer_entry_facts(session, same.id, today, staff)
    assert [(f.kind, f.decision_ref, f.citation, f.basis) for f in facts] == [
        ("serious_dishonesty", "fuzhou-list-decision-41", "FZ art. 22", "QZ art. 6")]
    assert peer_entry_facts(session, other.id, today, staff) == ()
    [opened] = _openings(session, same.id)          # the match opened the number once, in the checker's name
    assert opened.details["purpose"] == "joint_check.peer_match" and opened.actor_user_id == staff.user_id
    assert peer_entry_facts(session, same.id, today, staff) == facts
    assert len(_openings(session, same.id)) == 1    # then the kept pseudonym serves

    city.entries[0] = {**city.entries[0], "status": "removed", "removed_on": "2026-11-30", "removal_reason": "repaired"}
    [second] = service.sync_all(session, city.transport())
    assert (second.error, second.removed) == ("", 1)
    assert peer_entry_facts(session, same.id, today, staff) == ()


def test_without_the_region_key_persons_are_neither_fetched_nor_matched(session, tmp_path, monkeypatch):
    signing.ensure_keys()
    peer_key = RequesterKey()
    city = PeerCity(peer_key.pem, peer_key.pin)
    _configure(tmp_path, monkeypatch, peer_key.pin)
    same = _person(session, PERSON_ID, "郑名单")
    service.sync_all(session, city.transport())
    _configure(tmp_path, monkeypatch, peer_key.pin, region_key=None)
    assert peer_entry_facts(session, same.id, dt.date(2026, 12, 1), None) == ()
    assert _openings(session, same.id) == []
    [again] = service.sync_all(session, city.transport())
    assert again.error == "" and len(city.person_requests) == 1     # no signed request for persons this time
    assert session.scalars(select(ForeignListEntry)).one().status == "removed"   # the copy ends with the exchange


def test_a_profile_whose_rule_exchanges_no_person_neither_gives_nor_asks(session, client, origin, tmp_path,
                                                                         monkeypatch):
    """peers.exchange {natural_persons: none}: the origin refuses citing its rule; the receiver
    asks no peer for persons and matches none, though the region key is set."""
    shared, citation = service.policy()
    assert shared.persons and str(citation).startswith("QZ art. 6")       # what the shipped rule says
    monkeypatch.setattr(service, "policy", lambda today=None: (rules.ExchangePolicy(shared.lists, False), citation))
    refused = client.get(URL, headers=origin["requester"].headers())
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "persons_not_exchanged")
    assert "QZ art. 6" in refused.json()["error"]["message_en"] and _openings(session, origin["person"]) == []

    city = PeerCity(origin["requester"].pem, origin["requester"].pin)
    [result] = service.sync_all(session, city.transport())
    assert result.error == "" and city.person_requests == []
    assert peer_entry_facts(session, origin["person"], dt.date(2026, 12, 1), None) == ()


def test_a_peer_that_exchanges_no_person_still_shares_its_organisations(session, tmp_path, monkeypatch):
    signing.ensure_keys()
    peer_key = RequesterKey()
    city = PeerCity(peer_key.pem, peer_key.pin)
    _configure(tmp_path, monkeypatch, peer_key.pin)
    for code in ("no_region_key", "persons_not_exchanged"):
        city.refuse_persons = code
        [result] = service.sync_all(session, city.transport())
        assert result.error == "" and session.scalars(select(PeerCertificate)).one().peer == "fuzhou", code
    city.refuse_persons = "something_else"                 # any other refusal fails the peer's sync
    [failed] = service.sync_all(session, city.transport())
    assert "person entries: HTTP 409 (something_else)" in failed.error
