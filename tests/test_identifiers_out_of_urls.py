"""Identifiers out of URLs and logs (issue #10 point 5).

The attack as it was: staff look a person up at a service window by resident ID number, and the
pages answered at /window/…?subject=<ID>, so the full number landed in the server's access log
and the browser's history; a portal search for a person's name did the same with the name.
Here the same flows run with real resident IDs and names, and nothing the platform writes — its
log records (access log included), its redirects, the links and form targets of its pages —
carries either. The whole test run is checked the same way at its end (tests/conftest.py)."""
from __future__ import annotations

import logging

import pytest

from tests.support import logscan
from tests.support.builders import agency, penalty_rows, staff_user, to_csv
from tests.support.web import CSRF, page_login
from xinyong.ingest.service import ingest_file
from xinyong.kit import logs

PW = "Window-pass-2026"


@pytest.fixture
def person(session):
    src = agency(session).uscc
    rows = penalty_rows(3, src, persons=2, seed=7)
    ingest_file(session, data=to_csv(rows), filename="p.csv", source_uscc=src, item_code="penalty")
    staff_user(session, "clerk", PW)
    session.commit()
    return {"id": rows[0]["证件号码"], "name": rows[0]["行政相对人名称"], "firm": rows[2]["行政相对人名称"]}


def _lookup(client, csrf, path, field, code):
    r = client.post(path, data={"csrf_token": csrf, field: code}, follow_redirects=False)
    assert r.status_code == 303, r.text[:300]
    return r.headers["location"]


def test_window_lookups_and_search_keep_ids_and_names_out_of_urls_and_logs(client, person):
    mark = logscan.RUN.mark()
    csrf = page_login(client, "clerk", PW)
    for path, field in (("/window/authorisations", "subject"), ("/repair/window", "subject"),
                        ("/window/objections", "code")):
        where = _lookup(client, csrf, f"{path}/lookup", field, person["id"])
        assert where.startswith(f"{path}?subject_id=") and person["id"] not in where
        page = client.get(where)
        assert page.status_code == 200 and person["id"] not in page.text
        assert person["name"] not in page.text and person["name"][0] + "*" in page.text  # masked
    client.get(f"/window/authorisations?subject={person['id']}")  # an old bookmark: ignored, and not logged
    found = client.post("/search", data={"csrf_token": csrf, "q": person["name"]}, follow_redirects=False)
    assert found.status_code == 303 and "k=" in found.headers["location"]
    results = client.get(found.headers["location"])
    assert results.status_code == 200 and person["name"] in results.text  # the page says what was searched
    client.get("/api/v1/subjects", params={"q": person["name"]})
    client.get("/search", params={"q": person["name"]})
    lines = logscan.RUN.lines[mark[0]:]
    assert any("/window/authorisations?subject=*" in line for line in lines)  # the access log saw the request
    assert logscan.RUN.violations(mark, {person["name"]}) == []


def test_the_checker_itself_catches_an_id_or_a_name(person):
    """The scan can fail: a log line with the number, a URL with the name."""
    mark = logscan.RUN.mark()
    logscan.RUN.url(f"/somewhere?who={person['name']}")
    logscan.RUN.lines.append(f"test: {person['id']}")
    found = logscan.RUN.violations(mark, {person["name"]})
    del logscan.RUN.lines[mark[0]:], logscan.RUN.urls[mark[1]:]
    assert len(found) == 2


def test_any_log_record_masks_resident_ids(person, caplog):
    logs.install()
    with caplog.at_level(logging.WARNING, logger="xinyong.test"):
        logging.getLogger("xinyong.test").warning("looked up %s", person["id"])
        try:
            raise ValueError(f"bad {person['id']}")
        except ValueError:
            logging.getLogger("xinyong.test").exception("failed")
    text = caplog.text + "".join(r.exc_text or "" for r in caplog.records)
    assert person["id"] not in text and person["id"][:6] + "********" + person["id"][-4:] in text


def test_access_log_keeps_paths_and_short_numbers_only():
    assert logs.redact_target("/search?k=abc&page=2") == "/search?k=*&page=2"
    assert logs.redact_target("/x/350502199001011234?subject=350502199001011234") == \
        "/x/350502********1234?subject=*"
