"""Cities that recognise each other (issue 15 point 5; QZ art. 6, FZ art. 7), with TWO REAL
INSTANCES on loopback: a Fuzhou platform and a Quanzhou platform, each its own `xinyong serve`,
SQLite database and data directory, each naming the other as a peer with the other's
certificate fingerprint pinned (read from the other's data directory, as an administrator would
compare it out of band). A report Fuzhou signs verifies on Quanzhou's /verify as "signed by
Fuzhou, recognised under QZ art. 6" (and the other way round), an altered copy does not; a firm
on Fuzhou's black list appears, after `xinyong peers sync` on Quanzhou, in Quanzhou's joint
check (government procurement, the measure whose published list carries a peer_list trigger)
with Fuzhou's decision and citation; removed at Fuzhou, synced again, it is gone. A person known
to both cities and on Fuzhou's black list travels under the region's pseudonym on Quanzhou's
signed request and is found by Quanzhou's joint check of its own record of that person."""
from __future__ import annotations

import base64
import contextlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from xinyong.devtools.cluster import free_port
from xinyong.synthetic import make_resident_id, make_uscc

FIRM_USCC = make_uscc(random.Random(515))   # one firm known to both cities
PERSON_ID = make_resident_id(random.Random(516))   # and one person
REGION_KEY = base64.b64encode(bytes(range(100, 132))).decode()   # shared by the region's platforms
AGENCIES = {"fuzhou": make_uscc(random.Random(71), kind="11"), "quanzhou": make_uscc(random.Random(72), kind="11")}

SETUP = r"""
# one process per city (imports are slow on a busy machine): `xinyong init`, the signing key,
# a firm, a staff and an agency account with API tokens, the published measure lists, and at
# Fuzhou the firm's black-list entry
import datetime as dt, json, sys
from xinyong.cli import init
from xinyong.db import session_scope
from xinyong.accounts.service import create_user, principal_of
from xinyong.accounts.tokens import issue_token
from xinyong.agencies.service import register
from xinyong.measures import repository as measures_repo, service as measures
from xinyong.models import Subject
from xinyong.models.listing import ListEntry, ListProposal
from xinyong.reports import signing
from xinyong.kit.crypto import keyed_hash
from xinyong.subjects import opener
uscc, agency_uscc, listed, person_id = sys.argv[1], sys.argv[2], sys.argv[3] == "1", sys.argv[4]
init()
signing.keygen()
from xinyong.kit.pdf import common_font, font_cache_dir
common_font(font_cache_dir())   # built once, before the first report is asked for
with session_scope() as s:
    org = register(s, uscc=agency_uscc, name="市场监督管理局")
    staff = create_user(s, username="staff1", password="staff-pass-123", role="staff")
    create_user(s, username="agency1", password="agency-pass-123", role="agency", agency_uscc=agency_uscc)
    for code, lst in measures_repo.latest_versions(s).items():
        measures.publish(s, principal_of(staff, "cli"), lst.id, f"{code}〔2026〕1号")
    firm = Subject(kind="legal_person", name="福泉互认测试贸易有限公司", uscc=uscc)
    person = Subject(kind="natural_person", name="林互认", resident_id_hash=keyed_hash(person_id),
                     resident_id_enc=opener.seal(person_id))
    s.add_all([firm, person]); s.flush()
    entry_id = person_entry_id = None
    for subject in ((firm, person) if listed else ()):
        p = ListProposal(subject_id=subject.id, kind="black", proposing_org_id=org.id, reasons="拒不履行法定义务",
                         legal_basis="《福州市社会信用管理办法》第二十二条", period_months=36, status="decided",
                         decided_on=dt.date(2026, 6, 1), citation="FZ art. 22")
        s.add(p); s.flush()
        e = ListEntry(subject_id=subject.id, proposal_id=p.id, kind="black", proposing_org_id=org.id,
                      status="active", decided_on=dt.date(2026, 6, 1), listed_on=dt.date(2026, 6, 2),
                      period_end=dt.date(2029, 6, 1), citation="FZ art. 22 (福州市社会信用管理办法第二十二条)")
        s.add(e); s.flush()
        entry_id, person_entry_id = (e.id, person_entry_id) if subject is firm else (entry_id, e.id)
with session_scope() as s:
    tokens = {u: issue_token(s, u, "peers test", scopes=None, days=1, actor=None) for u in ("staff1", "agency1")}
print(json.dumps({"subject_id": firm.id, "entry_id": entry_id, "person_id": person.id,
                  "person_entry_id": person_entry_id, "tokens": tokens}))
"""


class City:
    def __init__(self, root: Path, profile: str):
        self.profile, self.port = profile, free_port()
        self.dir = root / profile
        self.dir.mkdir()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "XINYONG_DATABASE_URL": f"sqlite:///{self.dir / 'x.db'}",
                    "XINYONG_DATA_DIR": str(self.dir / "data"), "XINYONG_PROFILE": profile, "XINYONG_DEV": "1",
                    "XINYONG_BASE_URL": self.url, "XINYONG_WORKER_IN_SERVE": "off",
                    "XINYONG_PEERS_FILE": str(self.dir / "peers.yaml"), "XINYONG_RATE_ANON_PER_MINUTE": "600",
                    "XINYONG_RATE_STORE": str(self.dir / "rates"), "XINYONG_TRANSPARENCY_AUTO": "0",
                    "XINYONG_PEER_REGION_KEY": REGION_KEY,
                    # the report font takes ~20 s to build: shared with tests/reports across runs
                    "XINYONG_FONT_CACHE_DIR": str(Path(tempfile.gettempdir()) / "xinyong-test-font-cache")}
        self.process: subprocess.Popen | None = None

    def cli(self, *args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "xinyong.cli", *args], env=self.env, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, (args, done.stdout, done.stderr)
        return done.stdout

    def python(self, code: str, *args: str) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-c", code, *args], env=self.env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    def cli_async(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "xinyong.cli", *args], env=self.env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    def fingerprint(self) -> str:
        pem = (self.dir / "data" / "reports" / "certificate.pem").read_bytes()
        return x509.load_pem_x509_certificate(pem).fingerprint(hashes.SHA256()).hex()

    def recognise(self, other: "City", name_zh: str, name_en: str, basis: str, pin: str | None = None) -> None:
        (self.dir / "peers.yaml").write_text(
            "peers:\n"
            f"  - {{key: {other.profile}, name_zh: {name_zh}, name_en: {name_en}, base_url: '{other.url}',\n"
            f"     certificate_sha256: '{pin or other.fingerprint()}', basis: '{basis}'}}\n", encoding="utf-8")

    def start(self) -> None:
        log = open(self.dir / "serve.log", "wb")
        self.process = subprocess.Popen([sys.executable, "-m", "xinyong.cli", "serve", "--port", str(self.port),
                                         "--no-access-log"], env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def wait(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/api/v1/health", timeout=2).status_code == 200:
                    return
            assert self.process.poll() is None, (self.dir / "serve.log").read_text(errors="replace")
            time.sleep(0.3)
        raise AssertionError(f"{self.profile} did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()


@pytest.fixture
def cities(tmp_path):
    fz, qz = City(tmp_path, "fuzhou"), City(tmp_path, "quanzhou")
    try:
        running = {city: city.python(SETUP, FIRM_USCC, AGENCIES[city.profile], listed, PERSON_ID)
                   for city, listed in ((fz, "1"), (qz, "0"))}   # both cities at once
        for city, process in running.items():
            out, err = process.communicate(timeout=240)
            assert process.returncode == 0, err
            city.ids = json.loads(out.strip().splitlines()[-1])
        # each administrator pins the other's certificate, compared out of band
        qz.recognise(fz, "福州市公共信用信息平台", "Fuzhou public credit platform", "QZ art. 6 (泉州市社会信用条例第六条)")
        fz.recognise(qz, "泉州市公共信用信息平台", "Quanzhou public credit platform", "FZ art. 7 (福州市社会信用管理办法第七条)")
        fz.start()
        qz.start()
        fz.wait()
        qz.wait()
        yield fz, qz
    finally:
        fz.stop()
        qz.stop()


def _public_report(city: City) -> bytes:
    r = httpx.post(f"{city.url}/api/v1/reports/public/{city.ids['subject_id']}", timeout=180)
    assert r.status_code in (200, 201), r.text
    assert r.content.startswith(b"%PDF"), r.headers.get("content-type")
    return r.content


def _verify(city: City, pdf: bytes) -> dict:
    r = httpx.post(f"{city.url}/api/v1/reports/verify", files={"file": ("report.pdf", pdf, "application/pdf")},
                   timeout=120)
    assert r.status_code == 200, r.text
    return r.json()


def _joint_check(city: City, token: str, subject_id: int | None = None) -> dict:
    r = httpx.post(f"{city.url}/api/v1/joint-check", json={"subject_id": subject_id or city.ids["subject_id"],
                                                            "matter": "government_procurement"},
                   headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def _peer_reasons(check: dict) -> list[dict]:
    return [(f["measure"]["code"], p) for f in check["measures"] for reason in f["reasons"]
            for p in reason.get("peer_entries") or []]


def test_two_cities_recognise_each_others_reports_and_punitive_lists(cities):
    fz, qz = cities
    with ThreadPoolExecutor(2) as pool:   # both cities sign at once
        fz_report, qz_report = pool.map(_public_report, (fz, qz))

    # before a sync Quanzhou holds no Fuzhou certificate: a Fuzhou report is foreign there
    assert _verify(qz, fz_report)["outcome"] == "not_a_report"
    # a published certificate without the pinned fingerprint is refused (no trust on first use)
    qz.recognise(fz, "福州市公共信用信息平台", "Fuzhou public credit platform", "QZ art. 6", pin="ab" * 32)
    refused, fz_sync = qz.cli_async("peers", "sync"), fz.cli_async("peers", "sync")
    out, _ = refused.communicate(timeout=120)
    assert refused.returncode == 1 and "not the pinned" in out
    # nor does Quanzhou give its natural persons to a certificate it has not pinned: Fuzhou's
    # signed request for them is refused, and Fuzhou's sync fails
    out, _ = fz_sync.communicate(timeout=120)
    assert fz_sync.returncode == 1 and "person entries: HTTP 401" in out, out
    assert _verify(qz, fz_report)["outcome"] == "not_a_report"
    qz.recognise(fz, "福州市公共信用信息平台", "Fuzhou public credit platform", "QZ art. 6 (泉州市社会信用条例第六条)")
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda city: city.cli("peers", "sync"), (qz, fz)))

    seen = _verify(qz, fz_report)
    assert (seen["outcome"], seen["verdict"], seen["peer"]) == ("peer_authentic", "recognised", "fuzhou")
    assert "Fuzhou public credit platform" in seen["message_en"] and "QZ art. 6" in seen["message_en"]
    assert "福州市公共信用信息平台" in seen["message"] and seen["peer_certificate_sha256"] == fz.fingerprint()
    back = _verify(fz, qz_report)   # and the other way round, under FZ art. 7
    assert (back["outcome"], back["peer"]) == ("peer_authentic", "quanzhou") and "FZ art. 7" in back["message_en"]
    assert _verify(qz, qz_report)["outcome"] == "authentic"          # its own certificate first
    # an altered Fuzhou report is refused, however well it is signed elsewhere
    altered = fz_report.replace(b"/Producer", b"/Producex", 1) if b"/Producer" in fz_report else fz_report[:-300]
    assert _verify(qz, altered)["verdict"] in ("tampered", "foreign")
    # the verification page says so too, in Chinese
    page = httpx.get(f"{qz.url}/verify", timeout=30)
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    shown = httpx.post(f"{qz.url}/verify", data={"csrf_token": csrf}, cookies=page.cookies,
                       files={"file": ("r.pdf", fz_report, "application/pdf")}, timeout=60)
    assert shown.status_code == 200 and 'data-outcome="peer_authentic"' in shown.text
    assert "福州市公共信用信息平台" in shown.text and "QZ art. 6" in shown.text

    # Fuzhou's black list, applied in Quanzhou's joint check with Fuzhou's decision
    token = qz.ids["tokens"]["agency1"]
    reasons = _peer_reasons(_joint_check(qz, token))
    entry = fz.ids["entry_id"]
    assert [(code, p["decision_ref"], p["citation"]) for code, p in reasons] == [
        ("QZ-P-01", f"fuzhou-list-decision-{entry}", "FZ art. 22 (福州市社会信用管理办法第二十二条)")]
    assert reasons[0][1]["basis"].startswith("QZ art. 6") and reasons[0][1]["decision_url"] == \
        f"{fz.url}/lists/entries/{entry}/decision"

    # the person on Fuzhou's black list, found by Quanzhou's joint check of its own record of
    # that person: the entry travelled under the region's pseudonym, on a signed request only
    person_entry = fz.ids["person_entry_id"]
    reasons = _peer_reasons(_joint_check(qz, token, qz.ids["person_id"]))
    assert [(code, p["decision_ref"]) for code, p in reasons] == [("QZ-P-01", f"fuzhou-list-decision-{person_entry}")]
    unsigned = httpx.get(f"{fz.url}/api/v1/peers/person-entries", timeout=30)
    assert unsigned.status_code == 401 and unsigned.json()["error"]["code"] == "peer_signature_required"
    assert PERSON_ID not in httpx.get(f"{fz.url}/api/v1/peers/list-entries", timeout=30).text

    # removed at Fuzhou by its credit department; followed at Quanzhou on the next sync
    staff = fz.ids["tokens"]["staff1"]
    removed = httpx.post(f"{fz.url}/api/v1/lists/entries/{entry}/removal", json={"note": "信用修复完成，移出黑名单"},
                         headers={"Authorization": f"Bearer {staff}"}, timeout=30)
    assert removed.status_code == 200, removed.text
    # followed at Quanzhou by its worker: a peers file turns on the hourly peers.sync schedule,
    # which fires at the worker's first pass (no administrator has to schedule it)
    assert _peer_reasons(_joint_check(qz, token)) != []
    assert "job(s) run" in qz.cli("worker", "--once")
    assert _peer_reasons(_joint_check(qz, token)) == []
    qz.cli("worker", "status")   # exits 1 while any job is failed
    published = httpx.get(f"{fz.url}/api/v1/peers/list-entries", timeout=30).json()["entries"]
    assert [(e["origin_entry_id"], e["status"], e["removal_reason"]) for e in published] == \
        [(entry, "removed", "conditions_met")]

