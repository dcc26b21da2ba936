"""Electronic seals and sealed signatures of GB/T 38540-2020 (信息安全技术 安全电子签章密码技术规范),
version 4 structures, in DER through asn1crypto, signed SM2-with-SM3 (``kit.sm2``).

- ``SESeal`` (电子印章): the seal's information (header "ES" / 4 / vendor, seal ID, properties with
  the signers' certificates and the validity, the seal picture) signed by the seal maker (制章者)
  over the DER SEQUENCE of ``esealInfo``, ``cert`` and ``signAlgID``;
- ``SES_Signature`` (电子签章数据): ``TBS_Sign`` (version 4, the seal, the time, the SM3 hash of the
  signed data, the data's property text) signed by the signer (签章者), whose certificate the seal
  lists (certListType 1: the certificates themselves).

``verify`` checks a sealed signature against the data the way the standard's verification goes:
the signature over ``TBS_Sign`` with the signer's certificate, the signer's certificate among the
seal's, the seal maker's signature, the signing time inside the seal's validity, and the data's
hash. Certificates travel as DER inside the structures.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from asn1crypto import core, pem

from xinyong.kit import sm2

SES_VERSION = 4
SES_HEADER_ID = "ES"
SEAL_TYPE_ORGANISATION = 1        # 单位印章 (2: 个人印章)
CERT_LIST_CERTIFICATES = 1        # certList holds the signers' certificates (2: their digests)


class SesHeader(core.Sequence):
    _fields = [("id", core.IA5String), ("version", core.Integer), ("vid", core.IA5String)]


class CertInfoList(core.SequenceOf):
    _child_spec = core.OctetString


class SesPropertyInfo(core.Sequence):
    _fields = [("type", core.Integer), ("name", core.UTF8String), ("cert_list_type", core.Integer),
               ("cert_list", CertInfoList), ("create_date", core.GeneralizedTime),
               ("valid_start", core.GeneralizedTime), ("valid_end", core.GeneralizedTime)]


class SesPictureInfo(core.Sequence):
    _fields = [("type", core.IA5String), ("data", core.OctetString), ("width", core.Integer),
               ("height", core.Integer)]


class SesSealInfo(core.Sequence):
    _fields = [("header", SesHeader), ("es_id", core.IA5String), ("property", SesPropertyInfo),
               ("picture", SesPictureInfo)]


class SESeal(core.Sequence):
    _fields = [("eseal_info", SesSealInfo), ("cert", core.OctetString), ("sign_alg_id", core.ObjectIdentifier),
               ("signed_value", core.OctetBitString)]


class TbsSign(core.Sequence):
    _fields = [("version", core.Integer), ("eseal", SESeal), ("time_info", core.GeneralizedTime),
               ("data_hash", core.OctetBitString), ("property_info", core.IA5String)]


class SesSignature(core.Sequence):
    _fields = [("to_sign", TbsSign), ("cert", core.OctetString), ("signature_alg_id", core.ObjectIdentifier),
               ("signature", core.OctetBitString)]


class SesError(ValueError):
    pass


@dataclass(frozen=True)
class SealSpec:
    """What a seal says: its ID, name, vendor, validity and picture (PNG bytes, size in mm)."""
    es_id: str
    name: str
    vendor: str
    valid_start: dt.datetime
    valid_end: dt.datetime
    picture_png: bytes
    width_mm: int
    height_mm: int


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.timezone.utc).replace(microsecond=0)


def make_seal(spec: SealSpec, signer_certs: list[bytes], maker_cert: bytes,
              maker_sign: Callable[[bytes], bytes], created: dt.datetime) -> bytes:
    """The DER SESeal: ``spec`` for the signers whose certificates (DER) are ``signer_certs``,
    signed by the seal maker (``maker_sign``: DER r, s) holding ``maker_cert`` (DER)."""
    info = SesSealInfo({
        "header": {"id": SES_HEADER_ID, "version": SES_VERSION, "vid": spec.vendor},
        "es_id": spec.es_id,
        "property": {"type": SEAL_TYPE_ORGANISATION, "name": spec.name, "cert_list_type": CERT_LIST_CERTIFICATES,
                     "cert_list": signer_certs, "create_date": _utc(created),
                     "valid_start": _utc(spec.valid_start), "valid_end": _utc(spec.valid_end)},
        "picture": {"type": "PNG", "data": spec.picture_png, "width": spec.width_mm, "height": spec.height_mm}})
    algorithm = core.ObjectIdentifier(sm2.SM2_WITH_SM3_OID)
    signed = _seal_signed_part(info, core.OctetString(maker_cert), algorithm)
    return SESeal({"eseal_info": info, "cert": maker_cert, "sign_alg_id": algorithm,
                   "signed_value": maker_sign(signed)}).dump()


def _seal_signed_part(info: SesSealInfo, cert: core.OctetString, algorithm: core.ObjectIdentifier) -> bytes:
    """What the seal maker signs: the DER SEQUENCE {esealInfo, cert, signAlgID}."""
    return core.Sequence(contents=info.dump() + cert.dump() + algorithm.dump()).dump()


def sign(seal: bytes, data: bytes, property_info: str, signer_cert: bytes,
         signer_sign: Callable[[bytes], bytes], when: dt.datetime) -> bytes:
    """The DER SES_Signature of ``data`` under the DER ``seal``, by the signer holding
    ``signer_cert`` (DER; it must be one of the seal's)."""
    parsed = load_seal(seal)
    if signer_cert not in _seal_certs(parsed):
        raise SesError("the signer's certificate is not one of the seal's")
    tbs = TbsSign({"version": SES_VERSION, "eseal": parsed, "time_info": _utc(when),
                   "data_hash": sm2.sm3(data), "property_info": property_info})
    return SesSignature({"to_sign": tbs, "cert": signer_cert, "signature_alg_id": sm2.SM2_WITH_SM3_OID,
                         "signature": signer_sign(tbs.dump())}).dump()


def load_seal(der: bytes) -> SESeal:
    try:
        seal = SESeal.load(der, strict=True)
        seal.native   # parses every field now: a damaged inner part fails here, not later
    except Exception as exc:  # asn1crypto raises ValueError, TypeError... on malformed input
        raise SesError("not a GB/T 38540 electronic seal") from exc
    return seal


def load_signature(der: bytes) -> SesSignature:
    """The outline of a sealed signature, parsed down to the seal's properties; the lists and the
    picture inside are parsed only when read (``verify`` reads them last, once the signature by
    the expected key holds: a crafted list of many certificates costs nothing before that)."""
    try:
        parsed = SesSignature.load(der, strict=True)
        tbs = parsed["to_sign"]
        for field in ("version", "time_info", "data_hash", "property_info"):
            tbs[field].native
        info = tbs["eseal"]["eseal_info"]
        info["header"].native, info["es_id"].native, info["property"]["valid_end"].native
        for field in ("cert", "signature_alg_id", "signature"):
            parsed[field].native
    except Exception as exc:
        raise SesError("not a GB/T 38540 sealed signature") from exc
    return parsed


def is_signature(der: bytes) -> bool:
    """Whether ``der`` reads as an SES_Signature (rather than a bare DER r, s signature)."""
    try:
        load_signature(der)
    except SesError:
        return False
    return True


def _seal_certs(seal: SESeal) -> list[bytes]:
    prop = seal["eseal_info"]["property"]
    if prop["cert_list_type"].native != CERT_LIST_CERTIFICATES:
        return []
    return [bytes(c) for c in prop["cert_list"].native]


def cert_key(der: bytes) -> bytes:
    """x || y of the SM2 key of a DER certificate (SesError otherwise)."""
    try:
        return sm2.certificate_key(pem.armor("CERTIFICATE", der))
    except sm2.Sm2Error as exc:
        raise SesError(str(exc)) from exc


@dataclass(frozen=True)
class Checked:
    """A sealed signature that verified, and what it says."""
    signer_key: bytes         # x || y of the signer's certificate
    maker_key: bytes          # x || y of the seal maker's certificate
    seal_name: str
    es_id: str
    signed_at: dt.datetime
    property_info: str


def verify(der: bytes, data: bytes, signer_key: bytes | None = None) -> Checked:
    """The sealed signature ``der`` over ``data``, checked step by step; SesError naming the
    first step that fails. With ``signer_key`` (x || y), a signer holding another key fails
    before anything but the outline is read."""
    signature = load_signature(der)
    try:
        return _checked(signature, data, signer_key)
    except SesError:
        raise
    except Exception as exc:   # a damaged part read lazily (asn1crypto raises ValueError, TypeError...)
        raise SesError("a damaged part of the sealed signature") from exc


def _checked(signature: SesSignature, data: bytes, signer_key: bytes | None) -> Checked:
    tbs, seal = signature["to_sign"], signature["to_sign"]["eseal"]
    # signatures and hashes are whole bytes: a BIT STRING claiming unused bits is another encoding
    # of the same value, refused so that one sealed signature has one form
    if any(bits.contents[:1] != b"\x00" for bits in (signature["signature"], tbs["data_hash"], seal["signed_value"])):
        raise SesError("a signature or hash that is not whole bytes")
    if signature["signature_alg_id"].dotted != sm2.SM2_WITH_SM3_OID or seal["sign_alg_id"].dotted != sm2.SM2_WITH_SM3_OID:
        raise SesError("not signed SM2-with-SM3")
    if tbs["version"].native != SES_VERSION or seal["eseal_info"]["header"]["id"].native != SES_HEADER_ID:
        raise SesError("not a version 4 sealed signature")
    signer_cert = bytes(signature["cert"])
    found_key = cert_key(signer_cert)
    if signer_key is not None and found_key != signer_key:
        raise SesError("signed by another key")
    if not sm2.verify(found_key, tbs.dump(), bytes(signature["signature"])):
        raise SesError("the signature over the signed part does not verify")
    if signer_cert not in _seal_certs(seal):
        raise SesError("the signer's certificate is not one of the seal's")
    maker_key = cert_key(bytes(seal["cert"]))
    signed = _seal_signed_part(seal["eseal_info"], seal["cert"], seal["sign_alg_id"])
    if not sm2.verify(maker_key, signed, bytes(seal["signed_value"])):
        raise SesError("the seal maker's signature does not verify")
    prop, when = seal["eseal_info"]["property"], tbs["time_info"].native
    if not prop["valid_start"].native <= when <= prop["valid_end"].native:
        raise SesError("signed outside the seal's validity")
    if bytes(tbs["data_hash"]) != sm2.sm3(data):
        raise SesError("the data's hash differs: the data were changed")
    return Checked(found_key, maker_key, prop["name"].native, seal["eseal_info"]["es_id"].native, when,
                   tbs["property_info"].native)
