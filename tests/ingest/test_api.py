"""The aggregation API with real tokens, on both backends."""
from __future__ import annotations

from tests.support.builders import agency, agency_user, penalty_rows, staff_user, to_csv
from xinyong.accounts.tokens import issue_token


def _token(session, user) -> dict[str, str]:
    token = issue_token(session, user.username)
    session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_an_agency_sends_json_rows_and_reads_its_return_report(session, client):
    a = agency(session)
    auth = _token(session, agency_user(session, a.uscc))
    rows = penalty_rows(4, a.uscc)
    rows[1]["处罚类别"] = "打板子"
    r = client.post("/api/v1/batches", json={"item": "penalty", "rows": rows}, headers=auth)
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["status"], body["accepted"], body["rejected"], body["source"]) == ("completed", 3, 1, a.uscc)
    rej = client.get(f"/api/v1/batches/{body['batch']}/rejections", headers=auth).json()
    assert [(x["row_no"], x["field"]) for x in rej] == [(3, "处罚类别")]
    csv = client.get(f"/api/v1/batches/{body['batch']}/rejections.csv", headers=auth)
    assert csv.status_code == 200 and csv.content.startswith("\ufeff行号,字段".encode())
    assert "打板子" in csv.content.decode("utf-8-sig")


def test_an_agency_uploads_a_gbk_file(session, client):
    a = agency(session)
    auth = _token(session, agency_user(session, a.uscc))
    data = to_csv(penalty_rows(3, a.uscc), encoding="gbk")
    r = client.post("/api/v1/batches/file", data={"item": "penalty"}, headers=auth,
                    files={"file": ("处罚.csv", data, "text/csv")})
    assert r.status_code == 201, r.text
    assert r.json()["accepted"] == 3


def test_a_refused_file_answers_422_with_the_reason(session, client):
    a = agency(session)
    auth = _token(session, agency_user(session, a.uscc))
    r = client.post("/api/v1/batches/file", data={"item": "penalty"}, headers=auth,
                    files={"file": ("x.csv", "名称\n甲\n".encode(), "text/csv")})
    assert r.status_code == 422
    assert r.json()["status"] == "refused" and r.json()["error_code"] == "missing_columns"


def test_agencies_see_only_their_own_batches(session, client):
    a, b = agency(session, seed=1, name="甲局"), agency(session, seed=2, name="乙局")
    auth_a = _token(session, agency_user(session, a.uscc, "ua"))
    auth_b = _token(session, agency_user(session, b.uscc, "ub"))
    sent = client.post("/api/v1/batches", json={"item": "penalty", "rows": penalty_rows(2, a.uscc)}, headers=auth_a)
    batch = sent.json()["batch"]
    assert client.get(f"/api/v1/batches/{batch}", headers=auth_b).status_code == 404
    assert client.get(f"/api/v1/batches/{batch}/rejections.csv", headers=auth_b).status_code == 404
    assert [x["batch"] for x in client.get("/api/v1/batches", headers=auth_b).json()] == []
    staff = _token(session, staff_user(session))
    assert [x["batch"] for x in client.get("/api/v1/batches", headers=staff).json()] == [batch]


def test_an_agency_cannot_send_as_another(session, client):
    a, b = agency(session, seed=1), agency(session, seed=2, name="乙局")
    auth = _token(session, agency_user(session, a.uscc))
    r = client.post("/api/v1/batches", json={"item": "penalty", "rows": penalty_rows(1, b.uscc),
                                             "source": b.uscc}, headers=auth)
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_own_agency"


def test_anonymous_and_bad_tokens_are_refused(session, client):
    assert client.get("/api/v1/batches").status_code == 401
    assert client.get("/api/v1/batches", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.post("/api/v1/agencies", json={"uscc": "x", "name": "y"}).status_code == 401


def test_staff_register_agencies_and_bad_codes_name_the_field(session, client):
    staff = _token(session, staff_user(session))
    bad = client.post("/api/v1/agencies", json={"uscc": "91350500MA2Y0L1X30", "name": "某局"}, headers=staff)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "uscc"
    from tests.support.builders import valid_agency_uscc
    ok = client.post("/api/v1/agencies", json={"uscc": valid_agency_uscc(9), "name": "某局"}, headers=staff)
    assert ok.status_code == 201
    dup = client.post("/api/v1/agencies", json={"uscc": valid_agency_uscc(9), "name": "某局"}, headers=staff)
    assert dup.status_code == 409
    a = agency(session, seed=3)
    agency_auth = _token(session, agency_user(session, a.uscc))
    assert client.get("/api/v1/agencies", headers=agency_auth).status_code == 403


def test_openapi_is_served(client):
    spec = client.get("/openapi.json").json()
    assert "/api/v1/batches" in spec["paths"] and "/api/v1/subjects/{subject_id}" in spec["paths"]
