"""The credit department's page of peer cities (/staff/peers; QZ art. 6, FZ art. 7), both
backends: the recognised platforms with their pins, whether natural persons are exchanged (the
key's id, never the key), and the copied entries — a firm by name and USCC, a person by masked
name only, never the pseudonym; in Chinese and in English."""
from __future__ import annotations

import base64
import datetime as dt
import random

from tests.support.builders import staff_user
from tests.support.web import page_login
from xinyong import clock
from xinyong.models.peer import ForeignListEntry
from xinyong.peers import rules
from xinyong.synthetic import make_uscc

KEY = base64.b64encode(bytes(range(64, 96))).decode()
TOKEN = "ef" * 32
FIRM = make_uscc(random.Random(31))


def _entry(n: int, **over) -> ForeignListEntry:
    fields = dict(peer="fuzhou", origin_entry_id=n, kind="black", uscc=None, person_token=None, name="",
                  decided_on=dt.date(2026, 6, 1), listed_on=dt.date(2026, 6, 2), period_end=dt.date(2029, 6, 1),
                  decision_ref=f"fuzhou-list-decision-{n}", decision_url=f"http://fuzhou.test/lists/entries/{n}/decision",
                  legal_basis="FZ art. 22", citation="FZ art. 22", status="active", synced_at=clock.now())
    return ForeignListEntry(**{**fields, **over})


def test_staff_see_the_peers_and_what_was_copied_persons_masked(session, client, tmp_path, monkeypatch):
    path = tmp_path / "peers.yaml"
    path.write_text("peers:\n  - {key: fuzhou, name_zh: 福州市公共信用信息平台, name_en: Fuzhou platform, "
                    f"base_url: 'http://fuzhou.test', certificate_sha256: '{'ab' * 32}', basis: 'QZ art. 6'}}\n",
                    encoding="utf-8")
    monkeypatch.setenv("XINYONG_PEERS_FILE", str(path))
    staff_user(session)
    session.add_all([_entry(1, uscc=FIRM, name="福州失信贸易有限公司"),
                     _entry(2, person_token=TOKEN, name="林**", kind="serious_dishonesty"),
                     _entry(3, uscc=FIRM, name="福州失信贸易有限公司", status="removed",
                            removed_on=dt.date(2026, 11, 1), removal_reason="no_longer_published")])
    session.commit()
    page_login(client, "staff1", "staff-pass-123")

    monkeypatch.delenv("XINYONG_PEER_REGION_KEY", raising=False)
    zh = client.get("/staff/peers")
    assert zh.status_code == 200
    text = zh.text
    assert "福州市公共信用信息平台" in text and "ab" * 32 in text and "尚未获取" in text
    assert "不交换自然人信息" in text
    assert FIRM in text and "林**" in text and "以区域假名匹配" in text and TOKEN not in text
    assert "严重失信主体名单" in text and "来源城市已不再公布" in text

    monkeypatch.setenv("XINYONG_PEER_REGION_KEY", KEY)
    en = client.get("/staff/peers?lang=en").text
    assert "Fuzhou platform" in en and f"region key id {rules.key_id(base64.b64decode(KEY))}" in en
    assert KEY not in en and TOKEN not in en and "matched by pseudonym" in en
    only = client.get("/staff/peers?peer=fuzhou").text
    assert "fuzhou-list-decision-2" in only
