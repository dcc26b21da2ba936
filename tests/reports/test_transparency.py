"""Issue 12: a downloaded credit report is checked to be in the public log with the
standalone verifier alone, and /verify shows the inclusion beside the signature check
(pending until the next head, honestly)."""
from __future__ import annotations

import json

from tests.reports.support import my_report, pdf_of
from tests.transparency.standalone import run
from xinyong.transparency import archive
from xinyong.transparency.worker import sequence_and_publish


def test_a_downloaded_report_is_in_the_log_by_the_standalone_verifier_alone(client, world, tmp_path):
    headers = world.token("firm")
    issued = my_report(client, headers, "special", field="all", date_from="2022-01-01", date_to="2026-08-31").json()
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(pdf_of(client, headers, issued["id"]))
    pending = client.get(f"/api/v1/transparency/reports/{issued['code']}").json()
    assert pending["status"] == "pending"
    page = client.get(f"/verify/{issued['code']}")
    assert 'data-status="pending"' in page.text
    sequence_and_publish()
    bundle = client.get(f"/api/v1/transparency/reports/{issued['code']}")
    assert bundle.status_code == 200 and bundle.json()["status"] == "included", bundle.text
    proof = tmp_path / "proof.json"
    proof.write_text(bundle.text)
    keys = tmp_path / "keys.json"
    keys.write_text(client.get("/api/v1/transparency/keys").text)
    done = run("report", pdf, "--proof", proof, "--keys", keys)
    assert done.returncode == 0, done.stderr
    assert issued["sha256"] in done.stdout and "is leaf" in done.stdout
    other = tmp_path / "other.pdf"
    other.write_bytes(pdf.read_bytes() + b"%")
    assert run("report", other, "--proof", proof, "--keys", keys).returncode == 1
    page = client.get(f"/verify/{issued['code']}")
    assert 'data-status="included"' in page.text
    assert json.loads((archive.archive_dir() / "sth" / "latest.json").read_text())["root_hash"] in \
        bundle.json()["sth"]["root_hash"]
