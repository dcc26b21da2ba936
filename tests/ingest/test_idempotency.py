"""Idempotent batch uploads (issue 16 point 5), on both backends: the same key from the same
agency answers with the first batch (same id, same body) instead of a second one; the same key
with another request is refused with 409; two submits racing with one key make one batch."""
from __future__ import annotations

import re
import threading

from sqlalchemy import func, select

from tests.support.builders import agency, agency_user, penalty_rows, to_csv
from tests.web.test_pages import csrf_from, login
from xinyong.accounts.tokens import issue_token
from xinyong.db import session_factory
from xinyong.ingest import idempotency, service
from xinyong.models import Batch, Record

KEY = {"Idempotency-Key": "upload-2026-06-01-0001"}


def _token(session, user) -> dict[str, str]:
    token = issue_token(session, user.username)
    session.commit()
    return {"Authorization": f"Bearer {token}"}


def _count(session, model) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(model))


def test_the_same_key_answers_with_the_first_json_batch(session, client):
    a = agency(session)
    auth = _token(session, agency_user(session, a.uscc))
    body = {"item": "penalty", "rows": penalty_rows(3, a.uscc)}
    first = client.post("/api/v1/batches", json=body, headers={**auth, **KEY})
    again = client.post("/api/v1/batches", json=body, headers={**auth, **KEY})
    assert first.status_code == again.status_code == 201, again.text
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert (_count(session, Batch), _count(session, Record)) == (1, 3)
    other = client.post("/api/v1/batches", json={**body, "rows": penalty_rows(4, a.uscc)}, headers={**auth, **KEY})
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert f"batch {first.json()['batch']}" in other.json()["error"]["message_en"]
    fresh = client.post("/api/v1/batches", json=body, headers={**auth, "Idempotency-Key": "another"})
    assert fresh.status_code == 201 and fresh.json()["batch"] != first.json()["batch"]
    no_key = client.post("/api/v1/batches", json=body, headers=auth)
    assert no_key.json()["batch"] not in (first.json()["batch"], fresh.json()["batch"])
    assert _count(session, Batch) == 3


def test_keys_belong_to_one_agency_and_refused_files_replay_their_refusal(session, client):
    a, b = agency(session, seed=1, name="甲局"), agency(session, seed=2, name="乙局")
    auth_a = _token(session, agency_user(session, a.uscc, username="a1"))
    auth_b = _token(session, agency_user(session, b.uscc, username="b1"))
    bad = {"file": ("x.csv", "名称\n甲\n".encode(), "text/csv")}
    first = client.post("/api/v1/batches/file", data={"item": "penalty"}, files=bad, headers={**auth_a, **KEY})
    again = client.post("/api/v1/batches/file", data={"item": "penalty"}, files=bad, headers={**auth_a, **KEY})
    assert first.status_code == again.status_code == 422 and again.json() == first.json()
    assert first.json()["status"] == "refused"
    theirs = client.post("/api/v1/batches/file", data={"item": "penalty"}, files=bad, headers={**auth_b, **KEY})
    assert theirs.status_code == 422 and theirs.json()["batch"] != first.json()["batch"]
    renamed = {"file": ("y.csv", "名称\n甲\n".encode(), "text/csv")}
    assert client.post("/api/v1/batches/file", data={"item": "penalty"}, files=renamed,
                       headers={**auth_a, **KEY}).status_code == 409
    assert client.post("/api/v1/batches/file", data={"item": "penalty"}, files=bad,
                       headers={**auth_a, "Idempotency-Key": "x" * 201}).status_code == 422
    assert _count(session, Batch) == 2


def test_a_concurrent_double_submit_makes_one_batch(db, session):
    a = agency(session)
    session.commit()
    data = to_csv(penalty_rows(5, a.uscc))
    fingerprint = idempotency.fingerprint("file", a.uscc, "penalty", None, "p.csv", data)
    both_past_the_check = threading.Barrier(2, timeout=60)
    results, errors = [], []

    def submit() -> None:
        own = session_factory(db)()
        try:
            def ingest() -> int:
                both_past_the_check.wait()  # neither has found the other's batch: a real race
                return service.ingest_file(own, data=data, filename="p.csv", source_uscc=a.uscc,
                                           item_code="penalty", channel="api", idempotency_key="k1",
                                           request_sha256=fingerprint).batch_id
            results.append(idempotency.submit_once(own, "k1", a.uscc, fingerprint, ingest))
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            own.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert {batch_id for batch_id, _ in results} == {results[0][0]}
    assert sorted(replayed for _, replayed in results) == [False, True]
    assert (_count(session, Batch), _count(session, Record)) == (1, 5)


def test_the_upload_page_carries_a_key_per_form_and_a_second_post_lands_on_the_first_batch(client, session):
    a = agency(session)
    agency_user(session, a.uscc)
    session.commit()
    login(client, "agency1", "agency-pass-123")
    page = client.get("/batches").text
    key = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', page).group(1)
    assert re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', client.get("/batches").text).group(1) != key
    token = csrf_from(client, "/batches")
    form = {"item": "penalty", "csrf_token": token, "idempotency_key": key}
    file = {"file": ("p.csv", to_csv(penalty_rows(2, a.uscc)), "text/csv")}
    first = client.post("/batches", data=form, files=file, follow_redirects=False)
    again = client.post("/batches", data=form, files=file, follow_redirects=False)
    assert first.status_code == again.status_code == 303
    assert again.headers["location"] == first.headers["location"]
    assert _count(session, Batch) == 1
    changed = client.post("/batches", data=form, files={"file": ("q.csv", to_csv(penalty_rows(3, a.uscc)), "text/csv")})
    assert changed.status_code == 409 and "幂等键已用于另一次不同的报送" in changed.text
    assert _count(session, Batch) == 1
