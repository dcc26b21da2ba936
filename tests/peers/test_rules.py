"""Peers as configuration data and the exchanged entries (issue 15 point 5; QZ art. 6, FZ art. 7):
the parser accepts exactly well-formed peers (pinned SHA-256, http(s) base URL, names, basis)
and well-formed published entries; the peer_list trigger of the measure lists matches exactly
a recognised peer's entries of its list kind, citing the origin's decision."""
from __future__ import annotations

import datetime as dt
import random
import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from xinyong.measures import rules as measures
from xinyong.measures.service import read_list_files
from xinyong.peers import rules
from xinyong.synthetic import make_uscc

HEX = "0123456789abcdef"
fingerprints = st.text(HEX, min_size=64, max_size=64)


def _peer(**over) -> dict:
    return {"key": "fuzhou", "name_zh": "福州市公共信用信息平台", "name_en": "Fuzhou platform",
            "base_url": "http://127.0.0.1:8001", "certificate_sha256": "ab" * 32, "basis": "QZ art. 6", **over}


@settings(max_examples=200, deadline=None)
@given(fp=fingerprints, upper=st.booleans(), colons=st.booleans())
def test_a_pin_is_any_spelling_of_64_hex_digits(fp, upper, colons):
    spelled = fp.upper() if upper else fp
    if colons:
        spelled = ":".join(spelled[i:i + 2] for i in range(0, 64, 2))
    assert rules.normalise_fingerprint(spelled) == fp


@settings(max_examples=200, deadline=None)
@given(junk=st.text(max_size=80))
def test_a_pin_that_is_not_sha256_is_refused(junk):
    assume(not re.fullmatch(r"[0-9a-fA-F]{64}", re.sub(r"[\s:]", "", junk)))
    with pytest.raises(rules.PeerConfigError):
        rules.normalise_fingerprint(junk)


@pytest.mark.parametrize("bad", [{"certificate_sha256": ""}, {"certificate_sha256": "ab" * 31},
                                 {"base_url": "ftp://x"}, {"base_url": "javascript:alert(1)"}, {"key": "Fuzhou!"},
                                 {"basis": ""}, {"name_zh": ""}])
def test_a_peer_without_a_pin_url_names_or_basis_is_refused(bad):
    with pytest.raises(rules.PeerConfigError):
        rules.parse_peers({"peers": [_peer(**bad)]})


def test_peers_parse_and_keys_are_unique():
    peers = rules.parse_peers({"peers": [_peer(base_url="http://127.0.0.1:8001/"), _peer(key="xiamen")]})
    assert [p.key for p in peers] == ["fuzhou", "xiamen"]
    assert peers[0].certificate_url == "http://127.0.0.1:8001/api/v1/reports/certificate"
    assert rules.parse_peers(None) == () and rules.parse_peers({}) == ()
    with pytest.raises(rules.PeerConfigError):
        rules.parse_peers({"peers": [_peer(), _peer()]})


entries = st.fixed_dictionaries({
    "origin_entry_id": st.integers(1, 10**9), "kind": st.sampled_from(rules.PUNITIVE_KINDS),
    "uscc": st.integers(0, 10**6).map(lambda n: make_uscc(random.Random(n))),
    "name": st.text(min_size=1, max_size=40), "decided_on": st.dates().map(str), "decision_ref": st.text(max_size=40),
    "status": st.sampled_from(rules.ENTRY_STATUSES), "removed_on": st.dates().map(str),
    "citation": st.text(max_size=40)})


@settings(max_examples=200, deadline=None)
@given(item=entries, drop=st.sampled_from(["", "kind", "uscc", "status", "origin_entry_id"]),
       red=st.booleans())
def test_a_published_entry_is_taken_only_when_well_formed(item, drop, red):
    item = dict(item)
    if drop:
        item.pop(drop)
    if red:
        item["kind"] = "red"
    if drop or red:
        with pytest.raises(rules.PeerConfigError):
            rules.parse_entry(item)
        return
    e = rules.parse_entry(item)
    assert (e.origin_entry_id, e.kind, e.uscc, e.status) == (item["origin_entry_id"], item["kind"], item["uscc"],
                                                              item["status"])


peer_entries = st.lists(st.builds(
    measures.PeerEntryFact, id=st.integers(1, 1000), kind=st.sampled_from(measures.PUNITIVE_LISTS),
    peer_zh=st.just("福州市公共信用信息平台"), peer_en=st.just("Fuzhou"), basis=st.just("QZ art. 6"),
    decision_ref=st.text("abc-0123456789", min_size=1, max_size=20), decision_url=st.just("http://x/d"),
    decided_on=st.dates(), citation=st.just("FZ art. 22")), max_size=4, unique_by=lambda e: e.id)


@settings(max_examples=200, deadline=None)
@given(found=peer_entries, kind=st.sampled_from(measures.PUNITIVE_LISTS))
def test_a_peer_list_trigger_matches_exactly_the_peer_entries_of_its_kind(found, kind):
    facts = measures.SubjectFacts(today=dt.date(2026, 12, 1), peer_entries=tuple(found))
    m = measures.match(measures.check_trigger({"kind": "peer_list", "list": kind}), facts, {})
    expected = [e for e in found if e.kind == kind]
    if not expected:
        assert m is None
        return
    assert [p["decision_ref"] for p in m.peer_entries] == [e.decision_ref for e in expected]
    assert all(e.decision_ref in m.reason_zh and "QZ art. 6" in m.reason_en for e in expected)
    # a peer's list never satisfies a trigger on this city's own lists
    assert measures.match({"kind": "list", "list": kind}, facts, {}) is None


def test_cross_region_triggers_are_list_data_not_code():
    with pytest.raises(measures.TriggerError):
        measures.check_trigger({"kind": "peer_list", "list": "red"})
    by_city = {d["jurisdiction"]: [m["code"] for m in d["measures"] if any(t["kind"] == "peer_list" for t in m["triggers"])]
               for d in read_list_files() if d["kind"] == "punishment"}
    assert by_city == {"quanzhou": ["QZ-P-01"], "fuzhou": ["FZ-P-01"]}


def test_the_peer_sync_is_scheduled_hourly_only_when_peers_are_configured(monkeypatch, tmp_path):
    """A removal at origin stops being applied here within the hour, without an administrator
    having to add the schedule; no idle job without peers. A schedule set by hand still wins."""
    from xinyong.config import Settings
    monkeypatch.delenv("XINYONG_PEERS_FILE", raising=False)
    assert Settings().schedule_specs()["peers.sync"].kind == "off"
    monkeypatch.setenv("XINYONG_PEERS_FILE", str(tmp_path / "peers.yaml"))
    on = Settings().schedule_specs()["peers.sync"]
    assert (on.kind, on.seconds) == ("every", 3600)
    daily = Settings(worker_schedules="peers.sync=daily 04:00").schedule_specs()["peers.sync"]
    assert daily.kind == "daily"


# ---- natural persons under the region's pseudonym -------------------------------------------------

@settings(max_examples=150, deadline=None)
@given(key=st.binary(max_size=150), message=st.binary(max_size=300))
def test_hmac_sm3_is_rfc_2104_over_sm3(key, message):
    import hmac
    assert rules.hmac_sm3(key, message) == hmac.new(key, message, "sm3").digest()


def test_hmac_sm3_known_answer():
    # RFC 2104 test-case shape (key 0x0b * 20, "Hi There"); the value is OpenSSL 3's HMAC-SM3
    # (`printf 'Hi There' | openssl mac -digest SM3 -macopt hexkey:0b…0b HMAC`), fixed here so
    # the check holds whatever hashlib the property test compares with
    assert rules.hmac_sm3(b"\x0b" * 20, b"Hi There").hex() == \
        "51b00d1fb49832bfb01c3ce27848e59f871d9ba938dc563b338ca964755cce70"


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**32), key=st.binary(min_size=32, max_size=64), other=st.binary(min_size=32, max_size=64))
def test_a_persons_pseudonym_depends_on_the_number_and_the_key_only(seed, key, other):
    from xinyong.synthetic import make_resident_id
    number = make_resident_id(random.Random(seed))
    token = rules.person_token(key, number)
    assert re.fullmatch(r"[0-9a-f]{64}", token) and number not in token
    assert rules.person_token(key, number.lower()) == token == rules.person_token(key, f" {number} ")
    assert rules.person_token(key, make_resident_id(random.Random(seed + 1))) != token or \
        make_resident_id(random.Random(seed + 1)) == number
    assume(other != key)
    assert rules.person_token(other, number) != token and rules.key_id(other) != rules.key_id(key)


@pytest.mark.parametrize("value, problem", [("not base64!", "base64"), ("YWJj", "32 bytes")])
def test_a_region_key_must_be_base64_of_32_bytes(value, problem):
    with pytest.raises(rules.PeerConfigError, match=problem):
        rules.region_key(value)
    assert rules.region_key("") is None and len(rules.region_key("A" * 44)) == 33


def _person_entry(**over) -> dict:
    return {"origin_entry_id": 3, "kind": "black", "person_token": "cd" * 32, "name": "林**",
            "decision_ref": "fuzhou-list-decision-3", "status": "active", **over}


def test_a_person_entry_names_its_subject_by_pseudonym_only():
    entry = rules.parse_entry(_person_entry(), person=True)
    assert (entry.uscc, entry.person_token) == (None, "cd" * 32)
    for bad in (_person_entry(person_token="cd" * 31), _person_entry(uscc=make_uscc(random.Random(1))),
                {k: v for k, v in _person_entry().items() if k != "person_token"}):
        with pytest.raises(rules.PeerConfigError):
            rules.parse_entry(bad, person=True)
    with pytest.raises(rules.PeerConfigError):      # nor does an organisation's entry pass without its USCC
        rules.parse_entry(_person_entry())


@settings(max_examples=100, deadline=None)
@given(path=st.text("abcdefghijklmnopqrstuvwxyz/-", min_size=1, max_size=40),
       query=st.text("abcdefghijklmnopqrstuvwxyz0123456789=&", max_size=40),
       at=st.integers(0, 2**40), audience=fingerprints, nonce=st.text(HEX, min_size=32, max_size=32))
def test_a_signed_request_message_binds_every_part(path, query, at, audience, nonce):
    def message(**over):
        parts = {"method": "GET", "path_and_query": f"/{path}?{query}", "at": at, "audience": audience,
                 "nonce": nonce, **over}
        return rules.request_message(**parts)
    base = message()
    assert message(path_and_query=f"/{path}?{query}x") != base and message(at=at + 1) != base
    assert message(method="POST") != base
    assert message(audience=audience[::-1]) != base or audience == audience[::-1]
    assert message(nonce=nonce[::-1]) != base or nonce == nonce[::-1]
    assert rules.fresh(at, at + rules.FRESH_SECONDS) and not rules.fresh(at, at + rules.FRESH_SECONDS + 1)


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,x", "//evil.example/x", "http://a b"])
def test_a_decision_url_that_is_not_http_is_refused(url):
    """The staff page and the joint check show an origin's decision URL as a link."""
    with pytest.raises(rules.PeerConfigError):
        rules.parse_entry(_person_entry(decision_url=url), person=True)
    assert rules.parse_entry(_person_entry(decision_url="https://fz.example/lists/entries/3/decision"),
                             person=True).decision_url.startswith("https://")
