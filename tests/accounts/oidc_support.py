"""A real OpenID Connect provider for the tests: panva/oidc-provider (npm, pinned in
tests/accounts/oidc_provider/package-lock.json, installed by `scripts/setup.sh test`) started on
loopback with tests/accounts/oidc_provider/provider.mjs, and a person's browser at it (httpx)."""
from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from joserfc.jwk import RSAKey

from xinyong.devtools.ports import free_port as _free_port

PROVIDER_DIR = Path(__file__).resolve().parent / "oidc_provider"
CLIENT_ID, CLIENT_SECRET = "xinyong-test", "test-client-secret-2026"
CALLBACK = "/account/identity/callback"
REDIRECT_URI = "http://testserver" + CALLBACK
FORM = re.compile(r'<form[^>]*action="([^"]+)"[^>]*method="post"')
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


class RunningProvider:
    def __init__(self, issuer: str, key: RSAKey):
        self.issuer, self.key = issuer, key


@contextlib.contextmanager
def running_provider(redirect_uri: str = REDIRECT_URI):
    """The provider on a free loopback port for one client (redirect_uri); its signing key is the
    test's, so a test can also sign tokens the provider never issued."""
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        pytest.fail("oidc-provider is not installed: run scripts/setup.sh test (npm ci in tests/accounts/oidc_provider)")
    key = RSAKey.generate_key(2048, parameters={"kid": "test-signing-1", "use": "sig", "alg": "RS256"}, private=True)
    port = _free_port()
    issuer = f"http://127.0.0.1:{port}"
    env = {**os.environ, "OIDC_PORT": str(port), "OIDC_ISSUER": issuer, "OIDC_CLIENT_ID": CLIENT_ID,
           "OIDC_CLIENT_SECRET": CLIENT_SECRET, "OIDC_REDIRECT_URI": redirect_uri,
           "OIDC_JWKS": json.dumps({"keys": [key.as_dict(private=True)]})}
    process = subprocess.Popen(["node", "provider.mjs"], cwd=PROVIDER_DIR, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_for(issuer, process)
        yield RunningProvider(issuer, key)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def oidc_provider():
    with running_provider() as provider:
        yield provider


def configure(monkeypatch, issuer: str, base_url: str) -> None:
    """The platform pointed at the provider by settings alone."""
    from xinyong.config import reset_settings
    for name, value in {"OIDC_ISSUER": issuer, "OIDC_CLIENT_ID": CLIENT_ID,
                        "OIDC_CLIENT_SECRET": CLIENT_SECRET, "OIDC_SCOPES": "openid identity",
                        "OIDC_USCC_CLAIM": "uscc", "OIDC_RESIDENT_ID_CLAIM": "resident_id",
                        "BASE_URL": base_url}.items():
        monkeypatch.setenv(f"XINYONG_{name}", value)
    reset_settings()


def _wait_for(issuer: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"oidc-provider exited: {process.stderr.read().decode()[-2000:]}")
        try:
            if httpx.get(issuer + "/.well-known/openid-configuration", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError("oidc-provider did not start within 30 s")


@pytest.fixture
def oidc_settings(oidc_provider, db, monkeypatch):
    """The platform configured for the provider by settings alone."""
    configure(monkeypatch, oidc_provider.issuer, "http://testserver")
    return oidc_provider


def sign_in_at_provider(authorize_url: str, login: str) -> str:
    """A person's browser: follows the provider's redirects, fills in its login form, and returns
    the URL the provider sends the browser back to (on the platform)."""
    with httpx.Client(timeout=10) as browser:
        response = browser.get(authorize_url)
        for _ in range(12):
            if response.is_redirect:
                target = str(response.url.join(response.headers["location"]))
                if target.startswith(REDIRECT_URI):
                    return target
                response = browser.get(target)
                continue
            form = FORM.search(response.text)
            assert response.status_code == 200 and form, response.text[:500]
            data = dict(HIDDEN.findall(response.text))
            data.update(login=login, password="any-password")
            response = browser.post(form.group(1), data=data)
    raise AssertionError("the provider never sent the browser back")
