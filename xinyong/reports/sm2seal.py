"""The national-cryptography seal (GB/T 38540-2020 electronic seals, GB/T 39786-2021 §8.4/§9.4:
the integrity and non-repudiation of important documents by SM2/SM3): beside the PAdES
signature, a report can carry an SM2 signature over its final signed PDF bytes, kept with the
issued report and given out as a detached DER signature (``.sm2``).

Which seals a report carries is a setting: ``XINYONG_SEAL_ALGORITHMS`` = ``pades`` (default) or
``pades,sm2``. Who signs is a setting too: ``XINYONG_SM2_SIGNER`` = ``local`` (the platform's own
key, below) or ``module:attribute`` naming a factory that returns an `Sm2Signer` — the way a
certificate authority's signing service (its key in an HSM) is plugged in for production.

The local key lives beside the RSA one in ``<XINYONG_DATA_DIR>/reports/``: ``sm2-key.enc``
(the private scalar, AES-256-GCM with a key derived from XINYONG_SECRET_KEY, mode 0600) and
``sm2-public.pem`` (published at /reports/certificate-sm2).

The key's X.509 certificate (published at /reports/certificate-sm2/x509): the one a certificate
authority issued, if ``XINYONG_SM2_CERTIFICATE`` names its PEM file (refused unless it holds the
signer's key); else, for the local key, a self-signed one (SM2-with-SM3) made once and kept as
``sm2-certificate.pem``, made again when the key changes.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import importlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from xinyong.kit import ses, sm2
from xinyong.reports.signing import CERT_COMMON_NAME, CERT_ORGANIZATION, CERT_YEARS, SigningKeyError, key_dir

log = logging.getLogger("xinyong.reports.sm2seal")
KEY_FILE, PUBLIC_FILE, CERT_FILE = "sm2-key.enc", "sm2-public.pem", "sm2-certificate.pem"
CERT_NAMES = {"country_name": "CN", "organization_name": CERT_ORGANIZATION,   # as the PAdES certificate's
              "common_name": CERT_COMMON_NAME}
ALGORITHMS = ("pades", "sm2")
_MAGIC = b"XINYONG-SM2-KEY-1\n"


class SealSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="XINYONG_", extra="ignore")
    seal_algorithms: str = Field(default="pades", description="seals on reports: pades, or pades,sm2")
    sm2_signer: str = Field(default="local", description="local, or module:attribute of an Sm2Signer factory")
    sm2_certificate: str = Field(default="", description="PEM file of the seal key's certificate issued by a CA")
    sm2_eseal: str = Field(default="", description="DER file of the GB/T 38540 electronic seal listing that certificate")

    @field_validator("seal_algorithms")
    @classmethod
    def _known(cls, value: str) -> str:
        names = [n.strip().lower() for n in value.split(",") if n.strip()]
        unknown = [n for n in names if n not in ALGORITHMS]
        if unknown or "pades" not in names:
            raise ValueError(f"XINYONG_SEAL_ALGORITHMS: expected pades or pades,sm2, got {value!r}")
        return ",".join(names)


def enabled() -> bool:
    return "sm2" in SealSettings().seal_algorithms.split(",")


class Sm2Signer(Protocol):
    def public_key(self) -> bytes: ...               # x || y, 64 bytes
    def sign(self, data: bytes) -> bytes: ...        # DER SEQUENCE {r, s}, SM3 with the default ID


@dataclass(frozen=True)
class LocalSigner:
    key: sm2.Sm2Key

    def public_key(self) -> bytes:
        return self.key.public

    def sign(self, data: bytes) -> bytes:
        return sm2.sign(self.key, data)


def _aead() -> AESGCM:
    from xinyong.config import get_settings
    return AESGCM(hashlib.sha256(("report-sm2-seal:" + get_settings().secret_key).encode()).digest())


def keygen(force: bool = False) -> tuple[Path, bool]:
    """A new SM2 key pair; keeps an existing one unless `force`."""
    directory = key_dir()
    key_path, public_path = directory / KEY_FILE, directory / PUBLIC_FILE
    if key_path.exists() and not force:
        return key_path, False
    directory.mkdir(parents=True, exist_ok=True)
    key = sm2.generate()
    nonce = os.urandom(12)
    sealed = _MAGIC + nonce + _aead().encrypt(nonce, key.private.to_bytes(32, "big"), _MAGIC)
    tmp = key_path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(sealed)
    os.chmod(tmp, 0o600)
    os.replace(tmp, key_path)
    public_path.write_bytes(sm2.public_pem(key.public))
    _load.cache_clear()
    return key_path, True


@functools.lru_cache(maxsize=4)
def _load(key_path: str, mtime: float, secret_hash: str) -> sm2.Sm2Key:
    raw = Path(key_path).read_bytes()
    if not raw.startswith(_MAGIC):
        raise SigningKeyError(f"{key_path} is not an SM2 seal key")
    body = raw[len(_MAGIC):]
    try:
        private = _aead().decrypt(body[:12], body[12:], _MAGIC)
    except InvalidTag as exc:
        raise SigningKeyError(f"cannot open {key_path}: wrong XINYONG_SECRET_KEY or a damaged file") from exc
    return sm2.from_private(int.from_bytes(private, "big"))


def local_signer() -> LocalSigner:
    from xinyong.config import get_settings
    key_path, created = keygen(force=False)
    if created:
        log.warning("reports: no SM2 seal key was found; created %s (mode 0600, encrypted) — publish "
                    "/reports/certificate-sm2", key_path)
    secret = hashlib.sha256(get_settings().secret_key.encode()).hexdigest()
    return LocalSigner(_load(str(key_path), key_path.stat().st_mtime, secret))


def signer() -> Sm2Signer:
    """The signer the settings name."""
    name = SealSettings().sm2_signer
    if name == "local":
        return local_signer()
    module, _, attribute = name.partition(":")
    if not module or not attribute:
        raise SigningKeyError(f"XINYONG_SM2_SIGNER: expected local or module:attribute, got {name!r}")
    return getattr(importlib.import_module(module), attribute)()


def public_key() -> bytes:
    return signer().public_key()


def public_pem() -> bytes:
    return sm2.public_pem(public_key())


def has_certificate() -> bool:
    """Whether the seal key has an X.509 certificate to publish (without reading it)."""
    settings = SealSettings()
    return bool(settings.sm2_certificate) or settings.sm2_signer == "local"


def certificate_pem() -> bytes | None:
    """The seal key's X.509 certificate (PEM): the CA's that XINYONG_SM2_CERTIFICATE names, else
    the local key's self-signed one; None for another signer without a certificate file."""
    settings = SealSettings()
    if settings.sm2_certificate:
        path = Path(settings.sm2_certificate)
        try:
            cert = path.read_bytes()
            held = sm2.certificate_key(cert)
        except (OSError, sm2.Sm2Error) as exc:
            raise SigningKeyError(f"XINYONG_SM2_CERTIFICATE {path}: {exc}") from exc
        if held != public_key():
            raise SigningKeyError(f"XINYONG_SM2_CERTIFICATE {path} does not hold the SM2 seal's public key")
        return cert
    if settings.sm2_signer != "local":
        return None
    signer = local_signer()
    path = key_dir() / CERT_FILE
    kept = _kept_certificate(path, signer.public_key())
    if kept is not None:
        return kept
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    cert = sm2.certificate(signer.public_key(), signer.sign, CERT_NAMES, now - dt.timedelta(days=1),
                           now + dt.timedelta(days=365 * CERT_YEARS))
    return keep(path, cert)


def keep(path: Path, made: bytes) -> bytes:
    """Keeps ``made`` at ``path`` in place of an outdated file there (an earlier key's), or as
    the first one made: of two processes making it at once, the first one's is kept. Returns
    what is kept."""
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(made)
    try:
        if path.exists():
            os.replace(tmp, path)
        else:
            os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    return path.read_bytes()


def _kept_certificate(path: Path, public: bytes) -> bytes | None:
    """The certificate kept beside the key if it holds ``public``; None if there is none, it is
    damaged or it is an earlier key's (then it is made again)."""
    try:
        cert = path.read_bytes()
        return cert if sm2.certificate_key(cert) == public else None
    except (OSError, sm2.Sm2Error):
        return None


def public_fingerprint() -> str:
    return hashlib.sha256(public_key()).hexdigest()


def seal(pdf: bytes) -> bytes | None:
    """The detached SM2 signature of the final PDF bytes, or None when the SM2 seal is off."""
    return signer().sign(pdf) if enabled() else None


def check(pdf: bytes, signature: bytes) -> bool:
    """`signature` is the platform's SM2 seal over exactly these bytes: the detached DER r, s, or
    the GB/T 38540 sealed signature (``eseal``)."""
    if ses.is_signature(signature):
        from xinyong.reports import eseal
        return eseal.check(pdf, signature)
    return sm2.verify(public_key(), pdf, signature)
