"""`xinyong keys rotate` and the sealed complaint columns, on both backends: rotation finds the
complainant's identity by its column type, and replaces a complainant's account id left in
clear on a result document or notification (rows written before 0015) by the keyed pseudonym —
after which the complainant still finds both."""
from __future__ import annotations

from sqlalchemy import text

from tests.complaints.support import SIGNED_NAME, bearer, world
from xinyong.kit.sealed import party_ref
from xinyong.models import User
from xinyong.subjects import keys

ANSWER = {"outcome": "unsubstantiated", "handling": "调取公示记录核对，未发现问题。", "result": "经核查，公示信息无误。"}


def test_rotation_covers_sealed_columns_and_seals_legacy_links(client, session, db, today):
    today("2026-11-23")
    w = world(session)
    tok = w["tokens"]
    assert ("complaints", "identity_enc") in {(s.label, s.column) for s in keys.SEALED}
    filer = session.query(User).filter(User.username == "filer1").one().id
    handler = session.query(User).filter(User.username == "handler").one().id
    cid = client.post("/api/v1/complaints", json={"stage": "use", "summary": "信用信息被用于与法定用途无关的场合。",
                                                  "name": SIGNED_NAME}, headers=bearer(tok["filer1"])).json()["id"]
    client.post(f"/api/v1/complaints/{cid}/assign", json={"handler_user_id": handler}, headers=bearer(tok["assigner"]))
    assert client.post(f"/api/v1/complaints/{cid}/handle", json=ANSWER, headers=bearer(tok["handler"])).status_code == 200
    # the rows as the platform wrote them before the links were sealed
    session.execute(text("UPDATE documents SET addressee_user_id = :u, addressee_ref = NULL "
                         "WHERE kind = 'complaint_result'"), {"u": filer})
    session.execute(text("UPDATE notifications SET recipient_user_id = :u, recipient_ref = NULL "
                         "WHERE kind = 'complaint_result'"), {"u": filer})
    session.commit()
    report = keys.rotate(db)
    assert report.links_sealed == 2 and report.as_dict()["links_sealed"] == 2
    rows = session.execute(text("SELECT addressee_user_id, addressee_ref FROM documents WHERE kind = 'complaint_result' "
                                "UNION ALL SELECT recipient_user_id, recipient_ref FROM notifications "
                                "WHERE kind = 'complaint_result'")).all()
    assert rows == [(None, party_ref(filer)), (None, party_ref(filer))]
    assert keys.rotate(db).links_sealed == 0        # done once
    docs = client.get("/api/v1/me/documents", headers=bearer(tok["filer1"])).json()
    assert [d["kind"] for d in docs] == ["complaint_result"]
    inbox = client.get("/api/v1/me/notifications", headers=bearer(tok["filer1"])).json()["items"]
    assert [n["kind"] for n in inbox if n["kind"] == "complaint_result"] == ["complaint_result"]
