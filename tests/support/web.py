"""Signing in through the pages, and bearer headers, for page and API tests."""
from __future__ import annotations

import re

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def page_login(client, username: str, password: str) -> str:
    """Sign in on /login as a browser would (fresh cookies); returns the session's CSRF token."""
    client.cookies.clear()
    csrf = CSRF.search(client.get("/login").text).group(1)
    r = client.post("/login", data={"username": username, "password": password, "csrf_token": csrf, "next": "/"},
                    follow_redirects=False)
    assert r.status_code == 303, r.text[:300]
    return CSRF.search(client.get("/").text).group(1)
