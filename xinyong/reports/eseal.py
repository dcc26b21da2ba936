"""The platform's GB/T 38540-2020 electronic seal (电子印章) and the sealed signatures
(电子签章数据, SES_Signature) it puts on reports and decision documents while the SM2 seal is on
(``XINYONG_SEAL_ALGORITHMS=pades,sm2``), beside the detached ``.sm2`` signature.

The seal lists the SM2 seal key's certificate (``sm2seal.certificate_pem``) as its signer's:
- the one a seal-making authority made, if ``XINYONG_SM2_ESEAL`` names its DER file (refused
  unless it lists that certificate);
- else, for the local key, one the platform makes for itself (the key is both seal maker and
  signer): name "<city>公共信用信息平台电子印章", the round seal's picture, valid as long as
  the certificate. It is made once and kept as ``sm2-eseal.der`` beside the key, and made again
  when the certificate or the name changes;
- another signer without a seal file seals nothing this way (its detached signature stands).
"""
from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from asn1crypto import pem, x509

from xinyong.kit import ses
from xinyong.kit.seal_picture import picture
from xinyong.reports import sm2seal
from xinyong.reports.signing import SigningKeyError, key_dir

SEAL_FILE = "sm2-eseal.der"
VENDOR = "xinyong"
DIAMETER_MM = 42
PURPOSE = "电子印章"


def _certificate() -> bytes | None:
    cert = sm2seal.certificate_pem()
    return None if cert is None else pem.unarmor(cert)[2]


def _names() -> tuple[str, str]:
    from xinyong.law import active_profile
    org = f"{active_profile().title_zh}公共信用信息平台"
    return org, f"{org}{PURPOSE}"


def seal() -> bytes | None:
    """The DER SESeal the platform signs with; None when the signer has neither seal file nor
    a local key."""
    settings = sm2seal.SealSettings()
    cert = _certificate()
    if cert is None:
        return None
    if settings.sm2_eseal:
        path = Path(settings.sm2_eseal)
        try:
            given = path.read_bytes()
            listed = ses.load_seal(given)["eseal_info"]["property"]["cert_list"].native
        except (OSError, ses.SesError) as exc:
            raise SigningKeyError(f"XINYONG_SM2_ESEAL {path}: {exc}") from exc
        if cert not in listed:
            raise SigningKeyError(f"XINYONG_SM2_ESEAL {path} does not list the SM2 seal's certificate")
        return given
    if settings.sm2_signer != "local":
        return None
    org, name = _names()
    path = key_dir() / SEAL_FILE
    kept = _kept(path, cert, name)
    if kept is not None:
        return kept
    validity = x509.Certificate.load(cert)["tbs_certificate"]["validity"]
    signer = sm2seal.local_signer()
    spec = ses.SealSpec(es_id=f"XY-{hashlib.sha256(cert).hexdigest()[:16].upper()}", name=name, vendor=VENDOR,
                        valid_start=validity["not_before"].native, valid_end=validity["not_after"].native,
                        picture_png=picture(org, PURPOSE, DIAMETER_MM), width_mm=DIAMETER_MM, height_mm=DIAMETER_MM)
    return sm2seal.keep(path, ses.make_seal(spec, [cert], cert, signer.sign, dt.datetime.now(dt.timezone.utc)))


def available() -> bool:
    """Whether there is a seal to publish (without reading it)."""
    settings = sm2seal.SealSettings()
    return bool(settings.sm2_eseal) or (settings.sm2_signer == "local" and sm2seal.has_certificate())


def published() -> tuple[bytes, bytes] | None:
    """(the DER seal, its picture's PNG) as published at /reports/eseal and /reports/eseal.png,
    like the key and its certificate whether or not the SM2 seal is on; None when there is no
    seal (another signer without a seal file)."""
    made = seal()
    if made is None:
        return None
    return made, ses.load_seal(made)["eseal_info"]["picture"]["data"].native


def _kept(path: Path, cert: bytes, name: str) -> bytes | None:
    """The seal kept beside the key if it lists ``cert`` under ``name``; None if there is none,
    it is damaged, or it is an earlier certificate's or name's (then it is made again)."""
    try:
        kept = path.read_bytes()
        prop = ses.load_seal(kept)["eseal_info"]["property"]
    except (OSError, ses.SesError):
        return None
    return kept if prop["name"].native == name and cert in prop["cert_list"].native else None


def sealed(data: bytes, property_info: str) -> bytes | None:
    """The SES_Signature of ``data`` (``property_info``: its file name, ASCII), or None when the
    SM2 seal is off or there is no seal."""
    if not sm2seal.enabled():
        return None
    made = seal()
    if made is None:
        return None
    cert = _certificate()
    return ses.sign(made, data, property_info, cert, sm2seal.signer().sign, dt.datetime.now(dt.timezone.utc))


def check(data: bytes, signature: bytes) -> bool:
    """``signature`` is an SES_Signature of exactly ``data`` by the platform's SM2 seal key under a
    seal that verifies."""
    try:
        ses.verify(signature, data, signer_key=sm2seal.public_key())
    except ses.SesError:
        return False
    return True
