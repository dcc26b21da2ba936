"""The platform's report signature: a PAdES baseline B signature (pyHanko) over each report
PDF, made with the platform's signing key and its self-signed X.509 certificate, and checked
against that certificate only (anyone can do the same offline with the certificate published
at /reports/certificate).

Where the key lives: ``<XINYONG_DATA_DIR>/reports/`` (default ``./var/reports``, outside git):
``signing-key.pem`` — the RSA private key as encrypted PKCS#8 (the password is derived from
XINYONG_SECRET_KEY, so a copied file alone is useless) and written with file mode 0600 — and
``certificate.pem`` (public). `xinyong reports keygen` creates them; the first report signed
without them creates them too and says so in the log.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import datetime as dt
import fcntl
import functools
import hashlib
import io
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

log = logging.getLogger("xinyong.reports.signing")
KEY_FILE, CERT_FILE = "signing-key.pem", "certificate.pem"
FIELD_NAME = "XinyongPlatformSignature"
CERT_YEARS = 10
CERT_ORGANIZATION, CERT_COMMON_NAME = "Xinyong public credit information platform", "Xinyong 公共信用信息平台"


class SigningSettings(BaseSettings):
    """Where the platform keeps files of its own (typed, env prefix XINYONG_)."""
    model_config = SettingsConfigDict(env_prefix="XINYONG_", extra="ignore")
    data_dir: Path = Field(default=Path("var"), description="the platform's data directory")


class SigningKeyError(RuntimeError):
    pass


def key_dir() -> Path:
    return SigningSettings().data_dir / "reports"


def _password() -> bytes:
    from xinyong.config import get_settings
    return hashlib.sha256(("report-signing:" + get_settings().secret_key).encode()).hexdigest().encode()


@dataclass(frozen=True)
class KeyFiles:
    key: Path
    certificate: Path
    created: bool


def keygen(force: bool = False, common_name: str = CERT_COMMON_NAME) -> KeyFiles:
    """A new RSA-3072 key and a self-signed certificate (10 years); refuses to overwrite
    unless `force` (reports signed with the old key then no longer verify against the new
    certificate: keep the old certificate published if you rotate)."""
    directory = key_dir()
    key_path, cert_path = directory / KEY_FILE, directory / CERT_FILE
    if key_path.exists() and not force:
        return KeyFiles(key_path, cert_path, False)
    directory.mkdir(parents=True, exist_ok=True)
    # several processes (workers, web nodes sharing the data directory) may find no key at
    # once: one makes the pair under the lock, the others then find it; the certificate is in
    # place before the key, whose presence is what says "there is a pair"
    with _keygen_lock(directory):
        if key_path.exists() and not force:
            return KeyFiles(key_path, cert_path, False)
        _write_pair(key_path, cert_path, common_name)
    _loaded.cache_clear()
    return KeyFiles(key_path, cert_path, True)


@contextlib.contextmanager
def _keygen_lock(directory: Path) -> Iterator[None]:
    fd = os.open(directory / ".keygen.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)   # over NFS, Linux takes it as a POSIX lock on the server
        yield
    finally:
        os.close(fd)


def _write_pair(key_path: Path, cert_path: Path, common_name: str) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, CERT_ORGANIZATION),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=365 * CERT_YEARS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.BestAvailableEncryption(_password()))
    cert_tmp = cert_path.with_suffix(".tmp")
    cert_tmp.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    os.replace(cert_tmp, cert_path)
    tmp = key_path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    os.chmod(tmp, 0o600)
    os.replace(tmp, key_path)


def ensure_keys() -> Path:
    """The key directory, creating the key pair on first use (with a clear log line)."""
    made = keygen(force=False)
    if made.created:
        log.warning("reports: no platform signing key was found; created %s (mode 0600, encrypted) and %s — "
                    "publish the certificate (/reports/certificate)", made.key, made.certificate)
    return made.key.parent


@functools.lru_cache(maxsize=4)
def _loaded(directory: str, key_mtime: float, cert_mtime: float, password: bytes):
    from pyhanko.keys import load_cert_from_pemder
    _PlatformSigner = _platform_signer_class()
    key_path, cert_path = Path(directory) / KEY_FILE, Path(directory) / CERT_FILE
    try:
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=password)
    except (ValueError, TypeError) as exc:
        raise SigningKeyError(f"cannot open {key_path}: wrong XINYONG_SECRET_KEY or a damaged file") from exc
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    from asn1crypto import keys as asn1_keys
    cert = load_cert_from_pemder(str(cert_path))
    signer = _PlatformSigner(signing_cert=cert, signing_key=asn1_keys.PrivateKeyInfo.load(der), cert_registry=None)
    signer.loaded_key = key
    return signer, cert, cert_path.read_bytes()


def _platform_signer_class():
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from pyhanko.sign import signers
    from pyhanko.sign.general import get_pyca_cryptography_hash

    class PlatformSigner(signers.SimpleSigner):
        """SimpleSigner re-parses (and re-validates) the RSA key on every signature, about 0.3 s
        for RSA-3072; this one signs PKCS#1 v1.5 with the key loaded once."""
        loaded_key = None

        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
            if self.loaded_key is not None and mechanism["algorithm"].native in ("rsassa_pkcs1v15", "sha256_rsa"):
                return self.loaded_key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
            return super().sign_raw(data, digest_algorithm)

    return PlatformSigner


def _current():
    directory = ensure_keys()
    key_path, cert_path = directory / KEY_FILE, directory / CERT_FILE
    return _loaded(str(directory), key_path.stat().st_mtime, cert_path.stat().st_mtime, _password())


def certificate_pem() -> bytes:
    return _current()[2]


def sign_message(data: bytes) -> bytes:
    """RSA PKCS#1 v1.5 with SHA-256 of ``data`` by the platform's report-signing key: how this
    platform proves itself to a peer that pinned its certificate (xinyong.peers.auth)."""
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    return _current()[0].loaded_key.sign(data, PKCS1v15(), hashes.SHA256())


def certificate_der() -> bytes:
    return x509.load_pem_x509_certificate(certificate_pem()).public_bytes(serialization.Encoding.DER)


def certificate_fingerprint() -> str:
    cert = x509.load_pem_x509_certificate(certificate_pem())
    return cert.fingerprint(hashes.SHA256()).hex()


def sign(pdf: bytes, *, reason: str = "信用报告 / credit report", location: str = "") -> bytes:
    """The PDF with a PAdES baseline B signature appended as an incremental update. pyHanko signs
    through asyncio.run, which cannot run inside an event loop: called from one (a decision
    document issued by an async page route), the signing runs on a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _sign(pdf, reason, location)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="pades") as pool:
        return pool.submit(_sign, pdf, reason, location).result()


def _sign(pdf: bytes, reason: str, location: str) -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    signer, _cert, _pem = _current()
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(field_name=FIELD_NAME, md_algorithm="sha256",
                                        subfilter=fields.SigSeedSubFilter.PADES, reason=reason,
                                        location=location or None)
    out = signers.sign_pdf(writer, meta, signer=signer)
    return out.getvalue()


@dataclass(frozen=True)
class SignatureCheck:
    valid: bool          # intact, by the platform certificate, covering the whole file
    intact: bool         # the signed bytes hash to the signed digest
    trusted: bool        # the signer chains to (is) the platform certificate
    whole_file: bool     # nothing was appended after the signature
    problem: str         # "" or a short machine-readable reason
    by_platform: bool = False   # the file's last signature names the platform certificate as its signer
                                # (intact or not): a platform report, perhaps altered since


def check(pdf: bytes, certificate_pem: bytes | None = None) -> SignatureCheck:
    """Validate the signature on `pdf` against the platform certificate only, or, given
    `certificate_pem`, against that one certificate only (a recognised peer's: xinyong.peers)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext
    if certificate_pem is None:
        _signer, cert, _pem = _current()
    else:
        from asn1crypto import pem as asn1_pem
        from asn1crypto import x509 as asn1_x509
        _type, _headers, der = asn1_pem.unarmor(certificate_pem)
        cert = asn1_x509.Certificate.load(der)
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except Exception as exc:  # a damaged or foreign file raises many kinds (OverflowError on a
        # huge startxref, RecursionError on deep nesting...): all mean "not a platform report"
        return SignatureCheck(False, False, False, False, f"unreadable: {type(exc).__name__}")
    if not signatures:
        return SignatureCheck(False, False, False, False, "no_signature")
    by_platform = _signed_by(signatures[-1], cert)
    context = ValidationContext(trust_roots=[cert], allow_fetching=False)
    try:
        status = validate_pdf_signature(signatures[-1], context, skip_diff=True)
    except Exception as exc:  # pyHanko raises many kinds on damaged input; all mean "not valid"
        return SignatureCheck(False, False, False, False, f"invalid: {type(exc).__name__}", by_platform)
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    is_platform = status.signing_cert.dump() == cert.dump()
    trusted = bool(status.trusted) and is_platform
    intact = bool(status.intact and status.valid)
    problem = "" if intact else "digest_mismatch"
    if intact and not trusted:
        problem = "untrusted_signer"
    elif intact and not whole:
        problem = "changed_after_signing"
    return SignatureCheck(intact and trusted and whole, intact, trusted, whole, problem, by_platform)


def _signed_by(signature, cert) -> bool:
    """The signature's signer certificate is `cert` (read from the signature, not validated)."""
    try:
        return signature.signer_cert.dump() == cert.dump()
    except Exception:  # a damaged signature dictionary: no signer can be named
        return False
