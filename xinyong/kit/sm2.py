"""SM2 signatures with SM3 (GB/T 32918.2-2016, GB/T 35276-2017) over byte strings, through the
PyPI library gmssl (pure Python), with the guards it lacks:

- the nonce k and the private key come from `secrets` (gmssl's own default nonce uses `random`,
  which is predictable: a predictable k discloses the private key);
- the public key is set after construction (gmssl's constructor strips a leading "04" with
  `str.lstrip`, which also eats leading 0/4 digits of x);
- r and s are checked to lie in [1, n-1] before verifying (gmssl does not).

The signer's identity is the default user ID 1234567812345678 (GB/T 35276 §7), so the
signature verifies with ``openssl pkeyutl -verify -pubin -inkey key.pem -rawin
-digest sm3 -pkeyopt distid:1234567812345678`` (OpenSSL 3.0 needs the distid given: without it
it hashes an empty ID). The message digest uses OpenSSL's SM3 through hashlib when present.
Signatures travel as DER ``SEQUENCE {INTEGER r, INTEGER s}`` (GB/T 35276 §7.2), public keys as a
PEM SubjectPublicKeyInfo (id-ecPublicKey with the curve sm2p256v1, OID 1.2.156.10197.1.301), and
in an X.509 v3 certificate signed SM2-with-SM3 (OID 1.2.156.10197.1.501, GM/T 0015) when a
certificate is asked for (``certificate``).
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from asn1crypto import algos, keys, pem, x509
from gmssl import sm2 as _gm
from gmssl import sm3 as _gm_sm3

N = int(_gm.default_ecc_table["n"], 16)
SM2_CURVE_OID = "1.2.156.10197.1.301"
_EC_PUBLIC_KEY_OID = "1.2.840.10045.2.1"
SM2_WITH_SM3_OID = "1.2.156.10197.1.501"
DEFAULT_ID = b"1234567812345678"


class Sm2Error(ValueError):
    pass


@dataclass(frozen=True)
class Sm2Key:
    private: int | None      # d, in [1, n-2]; None for a public key only
    public: bytes            # x || y, 64 bytes


def _crypt(private: int | None, public: bytes) -> _gm.CryptSM2:
    crypt = _gm.CryptSM2(private_key="%064x" % private if private else "", public_key="00")
    crypt.public_key = public.hex()  # set directly: see the module note on lstrip
    return crypt


def generate() -> Sm2Key:
    return from_private(secrets.randbelow(N - 2) + 1)


def from_private(d: int) -> Sm2Key:
    if not 1 <= d <= N - 2:
        raise Sm2Error("private key out of range")
    return Sm2Key(d, bytes.fromhex(_crypt(d, b"")._kg(d, _gm.default_ecc_table["g"])))


def sign(key: Sm2Key, data: bytes) -> bytes:
    """A DER signature of `data` (SM3 over Z_A || data, Z_A with the default user ID)."""
    if key.private is None:
        raise Sm2Error("a public key cannot sign")
    crypt = _crypt(key.private, key.public)
    while True:
        k = secrets.randbelow(N - 1) + 1
        raw = crypt.sign(digest(key.public, data), "%064x" % k)
        if raw:   # gmssl returns None for the rare r = 0, r + k = n or s = 0: draw k again
            return der_signature(int(raw[:64], 16), int(raw[64:], 16))


def verify(public: bytes, data: bytes, signature: bytes) -> bool:
    """True when `signature` (DER) is the holder of `public`'s SM2 signature of `data`."""
    try:
        r, s = parse_signature(signature)
    except Sm2Error:
        return False
    if len(public) != 64 or not (1 <= r < N and 1 <= s < N):
        return False
    return bool(_crypt(None, public).verify("%064x%064x" % (r, s), digest(public, data)))


def sm3(data: bytes) -> bytes:
    try:
        return hashlib.new("sm3", data).digest()
    except ValueError:  # an OpenSSL without SM3: gmssl's pure-Python SM3 (slow, same result)
        return bytes.fromhex(_gm_sm3.sm3_hash(list(data)))


def digest(public: bytes, data: bytes) -> bytes:
    """e = SM3(Z_A || M), Z_A = SM3(ENTL_A || ID_A || a || b || x_G || y_G || x_A || y_A) with the
    default ID (GB/T 32918.2 §5.5, §6.1)."""
    table = _gm.default_ecc_table
    z = sm3(len(DEFAULT_ID * 8).to_bytes(2, "big") + DEFAULT_ID + bytes.fromhex(table["a"] + table["b"] + table["g"])
             + public)
    return sm3(z + data)


def der_signature(r: int, s: int) -> bytes:
    return algos.DSASignature({"r": r, "s": s}).dump()


def parse_signature(der: bytes) -> tuple[int, int]:
    try:
        parsed = algos.DSASignature.load(der, strict=True)
        return int(parsed["r"].native), int(parsed["s"].native)
    except Exception as exc:  # asn1crypto raises ValueError, TypeError... on any malformed input
        raise Sm2Error("not a DER SM2 signature") from exc


def _public_info(public: bytes) -> keys.PublicKeyInfo:
    return keys.PublicKeyInfo({
        "algorithm": {"algorithm": _EC_PUBLIC_KEY_OID,
                      "parameters": keys.ECDomainParameters(name="named", value=SM2_CURVE_OID)},
        "public_key": keys.ECPointBitString(b"\x04" + public)})


def _armored(der: bytes, label: str) -> bytes:
    body = base64.encodebytes(der).replace(b"\n", b"")
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return f"-----BEGIN {label}-----\n".encode() + b"\n".join(lines) + f"\n-----END {label}-----\n".encode()


def public_pem(public: bytes) -> bytes:
    """The public key as a PEM SubjectPublicKeyInfo (what `openssl pkeyutl -pubin` reads)."""
    return _armored(_public_info(public).dump(), "PUBLIC KEY")


def certificate(public: bytes, sign_with: Callable[[bytes], bytes], names: dict[str, str],
                not_before: dt.datetime, not_after: dt.datetime) -> bytes:
    """A self-signed X.509 v3 certificate (PEM) of the SM2 key ``public``, signed SM2-with-SM3 by
    ``sign_with`` (the key's own signer: DER r, s over the TBS bytes, default user ID) with
    ``names`` (asn1crypto's Name.build keys: country_name, organization_name, common_name) as
    subject and issuer. A seal key's certificate: CA (its own root), digital signature, non
    repudiation and certificate signing; the subject key identifier is RFC 5280's SHA-1 of the
    key. ``openssl pkeyutl -verify -certin -inkey cert.pem ...`` verifies a seal with it."""
    name = x509.Name.build(names)
    algorithm = algos.SignedDigestAlgorithm({"algorithm": SM2_WITH_SM3_OID})
    tbs = x509.TbsCertificate({
        "version": "v3", "serial_number": secrets.randbits(127) | 1 << 126, "signature": algorithm,
        "issuer": name, "subject": name, "subject_public_key_info": _public_info(public),
        "validity": {"not_before": _time(not_before), "not_after": _time(not_after)},
        "extensions": [
            {"extn_id": "basic_constraints", "critical": True, "extn_value": {"ca": True}},
            {"extn_id": "key_usage", "critical": True,
             "extn_value": {"digital_signature", "non_repudiation", "key_cert_sign"}},
            {"extn_id": "key_identifier", "critical": False,
             "extn_value": hashlib.sha1(b"\x04" + public).digest()},   # noqa: S324 (RFC 5280 4.2.1.2 (1))
        ]})
    signed = x509.Certificate({"tbs_certificate": tbs, "signature_algorithm": algorithm,
                               "signature_value": sign_with(tbs.dump())})
    return _armored(signed.dump(), "CERTIFICATE")


def _time(moment: dt.datetime) -> x509.Time:
    """RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050."""
    moment = moment.astimezone(dt.timezone.utc)
    return x509.Time(name="utc_time" if moment.year < 2050 else "general_time", value=moment)


def certificate_key(cert_pem: bytes) -> bytes:
    """x || y of the SM2 key an X.509 certificate (PEM) holds; Sm2Error for any other
    certificate or for bytes that are not one."""
    try:
        kind, _headers, der = pem.unarmor(cert_pem)
        info = x509.Certificate.load(der, strict=True)["tbs_certificate"]["subject_public_key_info"]
        algorithm = info["algorithm"]["algorithm"].dotted
    except Exception as exc:  # malformed PEM/DER of any kind
        raise Sm2Error("not an X.509 certificate") from exc
    try:
        curve = info["algorithm"]["parameters"].chosen.dotted if algorithm == _EC_PUBLIC_KEY_OID else None
        point = bytes(info["public_key"])
    except Exception:   # an EC key with explicit parameters, a damaged key
        curve = point = None
    if kind != "CERTIFICATE" or curve != SM2_CURVE_OID or point is None or len(point) != 65 or point[0] != 4:
        raise Sm2Error("not a certificate of an SM2 key")
    return point[1:]


def load_public_pem(pem: bytes) -> bytes:
    """x || y of an SM2 public key in a PEM SubjectPublicKeyInfo; Sm2Error for anything else."""
    try:
        text = pem.decode("ascii").strip()
        body = text.removeprefix("-----BEGIN PUBLIC KEY-----").removesuffix("-----END PUBLIC KEY-----")
        info = keys.PublicKeyInfo.load(base64.b64decode("".join(body.split()), validate=True), strict=True)
        curve = info["algorithm"]["parameters"].chosen.dotted
        point = bytes(info["public_key"])
    except Exception as exc:  # malformed PEM/DER of any kind
        raise Sm2Error("not an SM2 public key") from exc
    if curve != SM2_CURVE_OID or len(point) != 65 or point[0] != 4:
        raise Sm2Error("not an uncompressed SM2 public key")
    return point[1:]
