"""Calls the access tests share."""
from __future__ import annotations

import base64
import re

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def read(client, headers, subject_id: int, items: str = "penalty", purpose: str = "信贷审查", basis: str = "authorisation",
         basis_id="", reference: str = ""):
    return client.get(f"/api/v1/subjects/{subject_id}/profile", headers=headers,
                      params={"items": items, "purpose": purpose, "basis": basis, "basis_id": str(basis_id),
                              "reference": reference})


POA_PDF = b"%PDF-1.4\n% power of attorney\n%%EOF\n"
# who signed (FZ art. 13, QZ art. 33): an agent with the power of attorney fits a person and a firm
SIGNED_BY_AGENT = {"signatory_name": "林代理", "signatory_capacity": "agent",
                   "power_of_attorney_b64": base64.b64encode(POA_PDF).decode()}


def grant(client, headers, grantee_uscc: str, items=("penalty",), purpose: str = "信贷审查",
          valid_to: str = "2026-12-31", **extra):
    body = {"grantee_uscc": grantee_uscc, "items": list(items), "purpose": purpose, "valid_to": valid_to,
            **SIGNED_BY_AGENT, **extra}
    return client.post("/api/v1/me/authorisations", json=body, headers=headers)


def refused(response, code: str | None = None) -> bool:
    if response.status_code != 403:
        return False
    error = response.json()["error"]
    return error["code"] == "no_basis" and (code is None or error["details"]["reason_code"] == code)


def csrf_from(client, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    return CSRF.search(page.text).group(1)


def login(client, username: str, password: str) -> None:
    token = csrf_from(client, "/login")
    r = client.post("/login", data={"username": username, "password": password, "csrf_token": token, "next": "/"},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
