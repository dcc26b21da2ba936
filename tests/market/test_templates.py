"""Market items take the catalogue's batch templates like any item: an approved provider fills
each market item's downloaded template (CSV or XLSX, in turn: both readers are the agencies') and every row is accepted, its subjects
having authorised it (rows without an authorisation: tests/market/test_flow.py, test_gate.py)."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.catalogue.test_templates import _filled
from tests.market.support import approved_bank, bearer, world
from xinyong import clock
from xinyong.catalogue import get_catalogue
from xinyong.catalogue.templates import Sender, example_rows
from xinyong.models import Subject
from xinyong.models.market import MarketAuthorisation

MARKET = [i.code for i in get_catalogue().items if i.source == "market"]


@pytest.mark.parametrize("code,fmt", [(c, "xlsx" if n % 2 else "csv") for n, c in enumerate(MARKET)])
def test_a_market_template_uploads_under_authorisations(session, client, today, code, fmt):
    today("2026-06-01")
    w = world(session)
    pid = approved_bank(client, w)
    item = get_catalogue().get(code)
    rows = example_rows(item, clock.today(), Sender(w["bank"].name, w["bank"].uscc), count=3)
    heads = [f.code for f in item.fields]
    template = client.get(f"/api/v1/catalogue/{code}/template", params={"format": fmt}).content
    data = _filled(template, fmt, rows[1])
    authorised = [rows[0], rows[1]]   # the template's own example row and the typed-in one
    for row in authorised:
        subject = Subject(kind="legal_person", name=row[heads.index("subject_name")],
                          uscc=row[heads.index("subject_uscc")])
        session.add(subject)
        session.flush()
        session.add(MarketAuthorisation(subject_id=subject.id, provider_id=pid, item_code=code, wording="书面授权",
                                        valid_from=dt.date(2026, 5, 1), valid_to=dt.date(2027, 4, 30)))
    session.commit()
    r = client.post("/api/v1/market/batches/file", data={"item": code}, headers=bearer(w["tokens"]["bank1"]),
                    files={"file": (f"{code}.{fmt}", data, "application/octet-stream")})
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["status"], body["accepted"], body["rejected"]) == ("completed", body["total_rows"], 0), body
    assert body["total_rows"] >= 2
