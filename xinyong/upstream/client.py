"""The upstream: the provincial platform / 信用中国 interface the city reports to.

``Upstream`` is the protocol the service speaks; ``HttpUpstream`` is the real one (httpx; base
URL, token and timeout from the settings; nothing is contacted at import). The JSON contract —
POST {base}/submissions {"items": [...]} answered with one receipt per item, and POST
{base}/holdings {"keys": [...]} answered with what the upstream holds of those keys — is this
platform's: the national interface specification is not in our sources, so a deployment adapts
the base URL to a gateway speaking it. ``xinyong.upstream.fake`` serves the same contract for
tests."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol


class UpstreamError(Exception):
    """The upstream could not be reached or refused the call as a whole (retry later)."""


@dataclass(frozen=True)
class Item:
    key: str            # item key, e.g. record:12
    version: int
    action: str         # rules.ACTIONS values
    layout: str         # catalogue item code (penalty, licence, ...) or "list"
    data: dict          # the national layout
    sid: int = 0        # the submission row: a retry of the row re-sends the same idempotency key

    @property
    def idempotency_key(self) -> str:
        return f"{self.key}@{self.version}:{self.action}#{self.sid}"

    def as_json(self) -> dict:
        return {"key": self.key, "version": self.version, "action": self.action, "layout": self.layout,
                "idempotency_key": self.idempotency_key, "data": self.data}


@dataclass(frozen=True)
class Receipt:
    idempotency_key: str
    accepted: bool
    upstream_id: str | None
    acknowledged_at: dt.datetime | None
    error: str = ""


@dataclass(frozen=True)
class Holding:
    key: str
    version: int
    upstream_id: str


class Upstream(Protocol):
    def submit(self, items: list[Item]) -> list[Receipt]: ...

    def holdings(self, keys: list[str]) -> dict[str, Holding]: ...


def _parse_time(value) -> dt.datetime | None:
    if not value:
        return None
    parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


class HttpUpstream:
    def __init__(self, base_url: str, token: str = "", timeout: float = 10.0, transport=None):
        if not base_url:
            raise ValueError("the upstream's base URL is not configured (XINYONG_UPSTREAM_URL)")
        self.base_url, self.token, self.timeout, self.transport = base_url.rstrip("/"), token, timeout, transport

    def _post(self, path: str, body: dict, idempotency_key: str | None = None) -> dict:
        import httpx
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        try:
            with httpx.Client(timeout=self.timeout, transport=self.transport) as client:
                response = client.post(self.base_url + path, json=body, headers=headers)
        except httpx.HTTPError as exc:
            raise UpstreamError(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code >= 400:
            raise UpstreamError(f"HTTP {response.status_code}: {response.text[:200]}")
        try:
            return response.json()
        except ValueError as exc:
            raise UpstreamError("the upstream's answer is not JSON") from exc

    def submit(self, items: list[Item]) -> list[Receipt]:
        if not items:
            return []
        batch_key = items[0].idempotency_key + f"+{len(items)}"
        answer = self._post("/submissions", {"items": [i.as_json() for i in items]}, batch_key)
        return [Receipt(str(r["idempotency_key"]), bool(r.get("accepted")), r.get("upstream_id"),
                        _parse_time(r.get("acknowledged_at")), str(r.get("error") or ""))
                for r in answer.get("receipts", [])]

    def holdings(self, keys: list[str]) -> dict[str, Holding]:
        if not keys:
            return {}
        answer = self._post("/holdings", {"keys": keys})
        return {k: Holding(k, int(v["version"]), str(v["upstream_id"])) for k, v in (answer.get("held") or {}).items()}


def from_settings(settings) -> HttpUpstream | None:
    """The configured upstream, or None when XINYONG_UPSTREAM_URL is empty (reporting off)."""
    if not settings.upstream_url:
        return None
    return HttpUpstream(settings.upstream_url, settings.upstream_token, settings.upstream_timeout_seconds)
