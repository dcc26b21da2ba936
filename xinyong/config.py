"""Typed settings, read from the environment (prefix XINYONG_). They fail loudly."""
from __future__ import annotations

import base64
import functools
import hashlib

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Development-only fallback secrets. `xinyong serve` refuses them unless XINYONG_DEV=1
# (the demo run sets it), so a production deployment must configure its own.
DEV_SECRET = "xinyong-dev-secret-not-for-production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="XINYONG_", extra="ignore", hide_input_in_errors=True)

    database_url: str = Field(default="sqlite:///./xinyong.db")
    # ---- replication (issue 16 point 3; docs/RELIABILITY.md "Replication and failover")
    read_database_url: str = Field(default="", description="a replica serving anonymous public reads (search, "
                                                           "subject profiles, publicity); empty: the primary")
    read_your_writes_seconds: int = Field(default=30, ge=0, le=3600,
                                          description="after a write, that browser's public reads go to the "
                                                      "primary this long (replication lag cover)")
    idle_in_transaction_seconds: int = Field(
        default=600, ge=0, le=86_400,
        description="PostgreSQL ends a session left idle inside an open transaction after this long (0: never): "
                    "its locks, the change feed's delivery horizon among them, are not held for ever")
    profile: str = Field(default="quanzhou")
    dev: bool = Field(default=False)
    secret_key: str = Field(default=DEV_SECRET, description="signs page sessions and CSRF tokens")
    data_key: str = Field(
        default="",
        description="base64 32-byte AES key for stored identifiers; derived from secret_key when empty",
    )
    hash_key: str = Field(
        default="",
        description="key for the keyed hash that finds identifiers; derived from secret_key when empty",
    )
    max_upload_bytes: int = Field(default=512 * 1024 * 1024)
    audit_chains: int = Field(default=4, ge=1, le=4096,
                              description="audit hash chains (subject_id % n); appends to different chains don't contend")
    audit_signing_key: str = Field(
        default="", repr=False,
        description="base64 32-byte raw Ed25519 private key signing audit checkpoints; derived from secret_key "
                    "when empty (development only)",
    )
    audit_public_keys: str = Field(
        default="",
        description="comma-separated base64 raw Ed25519 public keys still accepted for old checkpoints "
                    "(after a key rotation); the current key's public key is always accepted",
    )
    # ---- the public transparency log (xinyong.transparency, issue 12)
    transparency_archive: str = Field(default="", description="directory the signed tree heads and leaf hashes are "
                                                              "copied to, outside the database; default "
                                                              "<XINYONG_DATA_DIR>/transparency")
    transparency_interval_seconds: int = Field(default=300, ge=1, description="a new signed tree head at least this "
                                                                             "often while entries are added")
    transparency_auto: bool = Field(default=True, description="the web application signs and publishes a due "
                                                               "tree head after responses")
    transparency_max_head_age_seconds: int = Field(default=3600, ge=1, description="`xinyong audit verify` fails "
                                                                                    "when the newest archived head "
                                                                                    "is older than this while "
                                                                                    "entries wait for one")
    # ---- the worker (xinyong.worker, issue 16 point 1)
    worker_schedules: str = Field(default="", description="name=spec,... over the default schedules (sweep=daily "
                                                          "00:30, transparency=every <interval>s, feed.deadlines="
                                                          "every 1h, evaluation.recompute=daily 02:00, "
                                                          "partitions=daily 03:30, upstream=every 10m when "
                                                          "XINYONG_UPSTREAM_URL is set); spec: "
                                                          "'every N[s|m|h|d]', 'daily HH:MM' (China time) or 'off'")
    worker_poll_seconds: float = Field(default=5.0, gt=0, le=3600, description="a worker looks for due work this "
                                                                              "often when idle")
    worker_lease_seconds: int = Field(default=60, ge=2, description="a claimed job is another worker's after this "
                                                                   "long without a heartbeat")
    worker_max_attempts: int = Field(default=5, ge=1, le=100, description="attempts before a job is failed")
    worker_backoff_seconds: int = Field(default=30, ge=1, description="wait before the 2nd attempt; doubles "
                                                                     "after each failure (at most 1 h)")
    worker_in_serve: str = Field(default="auto", description="`xinyong serve` runs a worker thread: auto (only on "
                                                            "SQLite), on, off")
    # ---- sharing upward (xinyong.upstream, issue 15 point 4): the provincial platform / 信用中国
    upstream_url: str = Field(default="", description="base URL of the upstream interface; empty: nothing is reported")
    upstream_token: str = Field(default="", repr=False, description="bearer token sent to the upstream")
    upstream_timeout_seconds: float = Field(default=10.0, gt=0, le=300, description="each call to the upstream")
    upstream_batch_size: int = Field(default=200, ge=1, le=5000, description="items per submission call")
    upstream_backoff_seconds: int = Field(default=60, ge=1, description="wait after a failed submission; doubles "
                                                                       "after each failure")
    upstream_backoff_max_seconds: int = Field(default=6 * 3600, ge=1, description="the longest wait between retries")
    base_url: str = Field(default="http://127.0.0.1:8000")
    # ---- data key ring (xinyong.kit.keyring): "id1:base64key,id2:base64key", first = current
    data_keys: str = Field(default="", repr=False,
                           description="key ring for stored identifiers; XINYONG_DATA_KEY alone when empty")
    # ---- request size limits (xinyong.kit.limits); uploads use max_upload_bytes
    max_json_bytes: int = Field(default=64 * 1024 * 1024, ge=1, description="largest JSON body on /api/")
    max_body_bytes: int = Field(default=1024 * 1024, ge=1, description="largest body anywhere else")
    max_evidence_bytes: int = Field(default=32 * 1024 * 1024, ge=1,
                                    description="largest form with evidence files (objections, repair, sector "
                                                "evaluations, holiday tables); each file also has its rule's limit")
    # ---- batch tables (xinyong.ingest.readers): refused before they are parsed whole
    ingest_max_columns: int = Field(default=500, ge=1, description="columns of a batch (CSV/XLSX header, JSON keys)")
    xlsx_max_uncompressed_bytes: int = Field(default=128 * 1024 * 1024, ge=1,
                                             description="sum of an XLSX file's members as unpacked")
    xlsx_max_ratio: int = Field(default=200, ge=1, description="unpacked/packed size of one XLSX member over 1 MiB")
    xlsx_max_cells: int = Field(default=3_000_000, ge=1, description="rows x columns of an XLSX batch")
    xlsx_max_cell_chars: int = Field(default=32_767, ge=1, description="characters in one XLSX cell (Excel's own)")
    # ---- rate limits on public search and profiles (xinyong.kit.ratelimit); 0 = unlimited
    rate_anon_per_minute: int = Field(default=60, ge=0, description="per client IP, anonymous callers")
    rate_anon_burst: int | None = Field(default=None, ge=1, description="bucket size; default: per minute")
    rate_user_per_minute: int = Field(default=600, ge=0, description="per signed-in user")
    rate_user_burst: int | None = Field(default=None, ge=1, description="bucket size; default: per minute")
    rate_login_per_minute: int = Field(default=10, ge=0, description="sign-in attempts per client IP (0 = off)")
    # ---- page sessions (xinyong.accounts.sessions): server-side, revocable
    session_idle_minutes: int = Field(default=30, ge=1, description="a page session ends after this long unused")
    session_max_hours: int = Field(default=12, ge=1, description="a page session ends this long after sign-in")
    session_touch_seconds: int = Field(default=60, ge=0, description="last-seen is written at most this often")
    trusted_proxies: str = Field(default="", description="IPs/CIDRs whose X-Forwarded-For is believed")
    rate_store: str = Field(default="", description="where rate-limit buckets live: 'database' (shared by every "
                                                   "node), 'memory' (this process), or a file shared by the "
                                                   "processes of one machine; empty: 'database' on PostgreSQL, "
                                                   "else memory (xinyong serve --workers N makes a file)")
    catalogue_token_seconds: float = Field(default=1.0, ge=0, description="a node re-reads the local catalogue's "
                                           "change token at most this often (0: every request); a change "
                                           "made on another node is seen within it")
    # ---- self-registration, identity proof and password reset (xinyong.accounts, issue 13 point 5)
    oidc_issuer: str = Field(default="", description="OpenID Connect issuer URL of the identity provider (its "
                                                     "/.well-known/openid-configuration is read); empty: off")
    oidc_client_id: str = Field(default="", description="this platform's client id at the identity provider")
    oidc_client_secret: str = Field(default="", repr=False, description="its client secret (client_secret_basic)")
    oidc_scopes: str = Field(default="openid", description="scopes asked for, space-separated (openid first)")
    oidc_uscc_claim: str = Field(default="", description="ID-token claim carrying an enterprise's 统一社会信用代码")
    oidc_resident_id_claim: str = Field(default="", description="ID-token claim carrying a citizen's 居民身份证号码")
    oidc_timeout_seconds: float = Field(default=10.0, gt=0, description="each call to the identity provider")
    smtp_host: str = Field(default="", description="mail server for password-reset links; empty: no mail")
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_tls: str = Field(default="starttls", pattern="^(none|starttls|ssl)$", description="none | starttls | ssl")
    smtp_user: str = Field(default="", description="SMTP user name; empty: no SMTP AUTH")
    smtp_password: str = Field(default="", repr=False)
    mail_from: str = Field(default="noreply@xinyong.invalid", description="the From address of platform mail")
    reset_link_minutes: int = Field(default=30, ge=1, le=24 * 60, description="a password-reset link works this "
                                                                            "long, once")

    @field_validator("profile")
    @classmethod
    def _profile_name(cls, v: str) -> str:
        v = v.strip().lower()
        if not v.isidentifier():
            raise ValueError(f"XINYONG_PROFILE must be a profile name, got {v!r}")
        return v

    @field_validator("worker_in_serve")
    @classmethod
    def _worker_in_serve(cls, v: str) -> str:
        v = v.strip().lower()
        if v not in ("auto", "on", "off"):
            raise ValueError(f"XINYONG_WORKER_IN_SERVE must be auto, on or off, got {v!r}")
        return v

    @model_validator(mode="after")
    def _schedules(self) -> "Settings":
        self.schedule_specs()  # fail at start-up on a malformed or unknown schedule
        return self

    def schedule_specs(self) -> dict:
        from xinyong.worker.rules import parse_schedules
        defaults = {"sweep": "daily 00:30", "transparency": f"every {self.transparency_interval_seconds}s",
                    "feed.deadlines": "every 1h", "evaluation.recompute": "daily 02:00",
                    "partitions": "daily 03:30",
                    # sharing upward: only when an upstream is configured (no idle job otherwise)
                    "upstream": "every 10m" if self.upstream_url else "off",
                    # peers' punitive lists (QZ art. 6, FZ art. 7): only when peers are configured;
                    # hourly, so that a removal at origin stops being applied here within the hour
                    "peers.sync": "every 1h" if _peers_configured() else "off"}
        return parse_schedules(self.worker_schedules, defaults)

    def rate_store_kind(self) -> str:
        """'database', 'file' or 'memory' (xinyong.kit.ratelimit.store_from_settings). PostgreSQL
        means production, where any number of web nodes may share the database and no node
        knows how many others there are: so the buckets live in the database unless told
        otherwise. SQLite is one machine's file: the processes of that machine share a file."""
        value = self.rate_store.strip()
        if value in ("database", "memory"):
            return value
        if value:
            return "file"
        return "database" if self.database_url.startswith("postgresql") else "memory"

    def worker_in_serve_enabled(self) -> bool:
        if self.worker_in_serve == "auto":
            return self.database_url.startswith("sqlite")
        return self.worker_in_serve == "on"

    @field_validator("audit_signing_key", "audit_public_keys")
    @classmethod
    def _audit_keys(cls, v: str) -> str:
        for n, part in enumerate((p.strip() for p in v.split(",")), start=1):
            try:
                raw = base64.b64decode(part, validate=True) if part else b"\0" * 32
            except ValueError:
                raise ValueError(f"audit key {n} is not valid base64") from None
            if len(raw) != 32:
                raise ValueError(f"audit key {n} must be a 32-byte raw Ed25519 key, base64-encoded")
        return v.strip()

    @field_validator("data_keys")
    @classmethod
    def _data_keys(cls, v: str) -> str:
        from xinyong.kit.keyring import parse_keys
        parse_keys(v)  # fail at start-up, not at the first encryption
        return v

    @field_validator("trusted_proxies")
    @classmethod
    def _trusted_proxies(cls, v: str) -> str:
        from xinyong.kit.ratelimit import parse_networks
        parse_networks(v)
        return v

    def data_key_bytes(self) -> bytes:
        if self.data_key:
            key = base64.b64decode(self.data_key)
            if len(key) != 32:
                raise ValueError("XINYONG_DATA_KEY must be 32 bytes, base64-encoded")
            return key
        return hashlib.sha256(("data:" + self.secret_key).encode()).digest()

    def hash_key_bytes(self) -> bytes:
        if self.hash_key:
            return base64.b64decode(self.hash_key)
        return hashlib.sha256(("hash:" + self.secret_key).encode()).digest()

    def audit_signing_key_bytes(self) -> bytes:
        if self.audit_signing_key:
            key = base64.b64decode(self.audit_signing_key)
            if len(key) != 32:
                raise ValueError("XINYONG_AUDIT_SIGNING_KEY must be a 32-byte raw Ed25519 key, base64-encoded")
            return key
        return hashlib.sha256(("audit-signing:" + self.secret_key).encode()).digest()

    @property
    def uses_dev_secret(self) -> bool:
        return self.secret_key == DEV_SECRET


@functools.lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def base_url_for(host: str, port: int) -> str:
    """Where a server listening on host:port is reached from this machine: the default public
    address (reports' verification links and QR codes) when XINYONG_BASE_URL is not set."""
    shown = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host
    return f"http://[{shown}]:{port}" if ":" in shown else f"http://{shown}:{port}"


def follow_serve_address(host: str, port: int, environ=None) -> str:
    """The base URL a `serve` on host:port uses: XINYONG_BASE_URL when set, else derived from
    the address and put into the environment, so worker processes and reports agree."""
    import os
    environ = os.environ if environ is None else environ
    if not environ.get("XINYONG_BASE_URL"):
        environ["XINYONG_BASE_URL"] = base_url_for(host, port)
        reset_settings()
    return environ["XINYONG_BASE_URL"]


def _peers_configured() -> bool:
    """Whether a peers file is set (XINYONG_PEERS_FILE, read by xinyong.peers.rules)."""
    from xinyong.peers.rules import PeersSettings
    path = PeersSettings().peers_file
    return path is not None and bool(str(path))


def reset_settings() -> None:
    """Forget cached settings (tests change the environment)."""
    get_settings.cache_clear()
