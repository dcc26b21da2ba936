"""Every CSV the platform writes goes through xinyong.kit.csvexport, which neutralises cells a
spreadsheet would run as formulas (issue #10 point 6); returned values are cut in reports."""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from tests.support.builders import agency, agency_user, penalty_rows
from xinyong.accounts.tokens import issue_token
from xinyong.app import create_app
from xinyong.kit.access import iter_routes
from xinyong.kit.csvexport import FORMULA_STARTS, csv_bytes, neutralise

PACKAGE = Path(__file__).resolve().parents[2] / "xinyong"
# writers of CSV text that is not for people: COPY into PostgreSQL; the synthetic test-data feeds
NOT_EXPORTS = {"kit/csvexport.py", "kit/bulk.py", "synthetic.py"}
WRITERS = re.compile(r"csv\.writer|DictWriter|\.write_csv\(|sink_csv|text/csv\"|text/csv;")
ATTACKS = ["=HYPERLINK(\"http://evil.example\",\"点击\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)",
           "\t=1+1", "\r=1+1"]


def _parse(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_no_module_but_the_exporter_writes_csv_for_people():
    found = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel not in NOT_EXPORTS and WRITERS.search(path.read_text(encoding="utf-8")):
            found.append(rel)
    assert found == []


def test_every_csv_route_is_one_this_suite_attacks():
    app = create_app()
    csv_routes = {(m, r.path) for r in iter_routes(app.routes) for m in getattr(r, "methods", ())
                  if r.path.endswith(".csv")}
    # the batch templates and example batches hold catalogue text and the agency's registered
    # name and USCC only, written through csv_bytes (tests/catalogue/test_templates.py)
    assert csv_routes == {("GET", "/api/v1/batches/{batch_id}/rejections.csv"),
                          ("GET", "/catalogue/{code}/template.csv"), ("GET", "/batches/examples/{code}.csv")}


@given(st.text(max_size=30), st.sampled_from(["", *FORMULA_STARTS]))
def test_a_cell_never_starts_a_formula_and_reads_back_as_written(text, start):
    value = start + text
    [header, row] = _parse(csv_bytes(["值"], [[value]]))
    assert header == ["值"]
    cell = row[0]
    assert not cell.startswith(FORMULA_STARTS)
    assert cell == ("'" + value if value.startswith(FORMULA_STARTS) else value)


def test_numbers_stay_numbers():
    assert neutralise(-3) == -3 and _parse(csv_bytes(["n"], [[-3]]))[1] == ["-3"]


def test_the_return_report_neutralises_formulas_and_cuts_long_values(session, client):
    a = agency(session)
    token = issue_token(session, agency_user(session, a.uscc).username)
    session.commit()
    auth = {"Authorization": f"Bearer {token}"}
    rows = penalty_rows(len(ATTACKS) + 1, a.uscc)
    for row, attack in zip(rows, ATTACKS):
        row["处罚类别"] = attack
    rows[-1]["处罚类别"] = "打" * 5000
    r = client.post("/api/v1/batches", json={"item": "penalty", "rows": rows}, headers=auth)
    assert r.status_code == 201, r.text
    batch = r.json()["batch"]
    report = client.get(f"/api/v1/batches/{batch}/rejections.csv", headers=auth)
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/csv")
    cells = [c for row in _parse(report.content)[1:] for c in row]
    assert cells and not [c for c in cells if c.startswith(FORMULA_STARTS)]
    values = [row[2] for row in _parse(report.content)[1:]]
    assert "'=HYPERLINK(\"http://evil.example\",\"点击\")" in values and "'@SUM(A1:A9)" in values
    long = [v for v in values if v.startswith("打")]
    assert long == ["打" * 199 + "…"]
    listed = client.get(f"/api/v1/batches/{batch}/rejections", headers=auth).json()
    assert max(len(x["value"]) for x in listed) == 200
