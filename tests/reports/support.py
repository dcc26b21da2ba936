"""Calls and readers the report tests share."""
from __future__ import annotations

import subprocess

VIOLATION_ITEMS = ["penalty", "serious_dishonesty_list", "abnormal_operation", "judgment_enforcement"]


def text_of(pdf: bytes) -> str:
    """The text as poppler reads it (pypdf mis-maps some glyphs of subset CID fonts)."""
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    return out.decode("utf-8").replace(" ", "")


def my_report(client, headers, kind: str, **special):
    return client.post("/api/v1/me/reports", json={"kind": kind, **special}, headers=headers)


def pdf_of(client, headers, report_id: int) -> bytes:
    r = client.get(f"/api/v1/reports/{report_id}/pdf", headers=headers)
    assert r.status_code == 200, r.text
    return r.content


def one_byte_changed(pdf: bytes, at: int | None = None) -> bytes:
    """The same file with one byte flipped inside the signed part (the original document)."""
    data = bytearray(pdf)
    at = at if at is not None else len(pdf) // 4
    data[at] ^= 0x01
    return bytes(data)
