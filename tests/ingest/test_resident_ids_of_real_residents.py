"""GB 11643 / GB/T 2260 end to end on the Quanzhou profile: a resident ID keeps the address code
of the place that issued it, so people born before their county's code existed (Jinjiang 350582,
created 1992, holder born 1985; Fuzhou Gulou 350102, holder born 1978) are accepted by ingestion,
found at the service windows and given accounts; the return-for-review report never blames a
valid number, and still refuses a wrong check digit. Both backends."""
from __future__ import annotations

from stdnum.cn import ric

from tests.support.builders import agency, agency_user, penalty_rows
from xinyong.access import service as access_service
from xinyong.accounts.service import create_user
from xinyong.accounts.tokens import issue_token
from xinyong.kit.identifiers import InvalidIdentifier


def _rid(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


JINJIANG_1985 = _rid("35058219850312123")
GULOU_1978 = _rid("35010219780101123")
WRONG = JINJIANG_1985[:17] + ("0" if JINJIANG_1985[17] != "0" else "1")


def test_gb_11643_residents_of_jinjiang_and_gulou_are_ingested_found_and_given_accounts(session, client):
    a = agency(session)
    token = issue_token(session, agency_user(session, a.uscc).username)
    session.commit()
    rows = penalty_rows(3, a.uscc, persons=3)
    for row, number in zip(rows, (JINJIANG_1985, GULOU_1978, WRONG)):
        row["证件号码"] = number
    r = client.post("/api/v1/batches", json={"item": "penalty", "rows": rows},
                    headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["accepted"], body["rejected"]) == (2, 1), body
    rejections = client.get(f"/api/v1/batches/{body['batch']}/rejections",
                            headers={"Authorization": f"Bearer {token}"}).json()
    assert [(x["row_no"], x["field"]) for x in rejections] == [(4, "证件号码")]
    assert "校验码" in rejections[0]["reason"], rejections     # blamed for its check digit, nothing else
    # the windows and accounts find them through the same check (full-width and lower-case too)
    found = access_service.subject_by_code(session, JINJIANG_1985)
    assert access_service.subject_by_code(session, " " + GULOU_1978.lower() + " ") != found
    user = create_user(session, username="jinjiang", password="Resident-pass-2026", role="subject",
                       subject_resident_id=JINJIANG_1985)
    assert user.subject_id == found
    try:
        access_service.subject_by_code(session, WRONG)
    except InvalidIdentifier as exc:
        assert exc.reason == "checksum"
    else:
        raise AssertionError("a wrong check digit must be refused at the window")
