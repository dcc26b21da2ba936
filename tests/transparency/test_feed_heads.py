"""Every signed tree head goes to the change feed's receivers (issue 12 build 2): a receiver
reads it as a `tree_head` event whose details are the published head, it verifies with the
standalone verifier, and the platform cannot take it back by rewriting its own archive."""
from __future__ import annotations

import json
import shutil

from tests.audit.helpers import seed
from tests.feed.support import world
from tests.transparency.standalone import run
from xinyong.accounts.tokens import issue_token
from xinyong.transparency import archive
from xinyong.transparency.worker import sequence_and_publish


def _heads(client, token) -> list[dict]:
    page = client.get("/api/v1/feed", params={"limit": 1000}, headers={"Authorization": f"Bearer {token}"})
    assert page.status_code == 200, page.text
    return [e for e in page.json()["events"] if e["kind"] == "tree_head"]


def test_each_signed_head_reaches_the_receivers_and_verifies_outside(client, session, tmp_path):
    _, cs, _ = world(session)
    token = issue_token(session, "cs1")
    session.commit()
    assert _heads(client, token) == []            # the first call registers the credit service agency
    seed(session, 5)
    first = sequence_and_publish()
    seed(session, 3)
    second = sequence_and_publish()
    got = _heads(client, token)
    assert [e["details"]["tree_size"] for e in got] == [first.tree_size, second.tree_size]
    assert second.tree_size - first.tree_size == 3
    assert got[-1]["details"] == second.document() and got[-1]["subject_id"] == 0 and got[-1]["record_id"] is None
    keys = tmp_path / "keys.json"
    shutil.copy(archive.archive_dir() / "keys.json", keys)
    received = tmp_path / "received.json"      # the receiver's own copy
    received.write_text(json.dumps(got[-1]["details"]))
    shutil.rmtree(archive.archive_dir())        # the operator wipes its archive …
    ok = run("sth", received, "--keys", keys)   # … the receiver's copy still verifies
    assert ok.returncode == 0 and f"size {second.tree_size}" in ok.stdout, ok.stderr
    forged = dict(got[-1]["details"], root_hash="cd" * 32)
    received.write_text(json.dumps(forged))
    assert run("sth", received, "--keys", keys).returncode == 1


def test_nothing_new_signs_no_head_and_sends_nothing(client, session):
    world(session)
    token = issue_token(session, "cs1")
    session.commit()
    _heads(client, token)
    seed(session, 2)
    sequence_and_publish()
    sequence_and_publish()                      # nothing waited: no head, no event
    assert len(_heads(client, token)) == 1


def test_the_receivers_page_shows_a_head_without_a_subject_link(client, session):
    import re

    from tests.feed.support import PW
    world(session)
    session.commit()
    seed(session, 2)
    client.cookies.clear()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"username": "cs1", "password": PW, "csrf_token": csrf, "next": "/"})
    client.get("/feed")                       # the first visit registers the credit service agency
    head = sequence_and_publish()
    page = client.get("/feed").text
    assert "透明日志签名树头" in page and f'href="/api/v1/transparency/sth/{head.tree_size}"' in page
    assert 'href="/subjects/0"' not in page
