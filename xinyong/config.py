"""Typed settings, read from the environment (prefix XINYONG_). They fail loudly."""
from __future__ import annotations

import base64
import functools
import hashlib

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Development-only fallback secrets. `xinyong serve` refuses them unless XINYONG_DEV=1
# (the demo run sets it), so a production deployment must configure its own.
DEV_SECRET = "xinyong-dev-secret-not-for-production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="XINYONG_", extra="ignore")

    database_url: str = Field(default="sqlite:///./xinyong.db")
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
    base_url: str = Field(default="http://127.0.0.1:8000")

    @field_validator("profile")
    @classmethod
    def _profile_name(cls, v: str) -> str:
        v = v.strip().lower()
        if not v.isidentifier():
            raise ValueError(f"XINYONG_PROFILE must be a profile name, got {v!r}")
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

    @property
    def uses_dev_secret(self) -> bool:
        return self.secret_key == DEV_SECRET


@functools.lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings() -> None:
    """Forget cached settings (tests change the environment)."""
    get_settings.cache_clear()
