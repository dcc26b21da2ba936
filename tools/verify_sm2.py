#!/usr/bin/env python3
"""Check a Xinyong report's SM2/SM3 seal offline, with the Python standard library only.

    python verify_sm2.py report.pdf report.sm2 xinyong-reports-sm2.pem

report.sm2 is the detached signature (DER SEQUENCE {r, s}) from the report's verify page,
xinyong-reports-sm2.pem the platform's SM2 public key (/reports/certificate-sm2) or its X.509
certificate (/reports/certificate-sm2/x509: the key is read from it). The seal is
SM2 with SM3 and the default user ID 1234567812345678 (GB/T 32918.2-2016, GB/T 35276-2017), the
same check as

    openssl pkeyutl -verify -pubin -inkey xinyong-reports-sm2.pem -rawin -digest sm3 \
        -pkeyopt distid:1234567812345678 -in report.pdf -sigfile report.sm2

report.ses, the GB/T 38540-2020 sealed signature (SES_Signature, version 4) from the same page,
is taken in place of report.sm2: its signer's certificate must hold the key given, and its
signature over TBS_Sign, the seal maker's signature over the seal, the signer's certificate
among the seal's, the signing time inside the seal's validity and the SM3 hash of the file are
all checked.

SM3 comes from the Python's OpenSSL (hashlib.new("sm3")). Exit 0: valid; 1: not valid; 2: unusable input.
"""
from __future__ import annotations

import base64
import hashlib
import sys
from pathlib import Path

P = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
A = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC
B = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
G = (0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7,
     0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0)
DEFAULT_ID = b"1234567812345678"
SM2_CURVE_DER = bytes.fromhex("06082a811ccf5501822d")   # OID 1.2.156.10197.1.301
SM2_WITH_SM3 = bytes.fromhex("2a811ccf55018375")        # OID 1.2.156.10197.1.501 (content)


def _add(p1, p2):
    if p1 is None:
        return p2
    if p2 is None:
        return p1
    if p1[0] == p2[0] and (p1[1] + p2[1]) % P == 0:
        return None
    if p1 == p2:
        slope = (3 * p1[0] * p1[0] + A) * pow(2 * p1[1], -1, P) % P
    else:
        slope = (p2[1] - p1[1]) * pow(p2[0] - p1[0], -1, P) % P
    x = (slope * slope - p1[0] - p2[0]) % P
    return x, (slope * (p1[0] - x) - p1[1]) % P


def _mul(k: int, point):
    result = None
    for bit in bin(k)[2:]:
        result = _add(result, result)
        if bit == "1":
            result = _add(result, point)
    return result


def _der_length(data: bytes, at: int) -> tuple[int, int]:
    first = data[at]
    if first < 0x80:
        return first, at + 1
    size = first & 0x7F
    if not 1 <= size <= 4:
        raise ValueError("bad DER length")
    return int.from_bytes(data[at + 1:at + 1 + size], "big"), at + 1 + size


def parse_signature(der: bytes) -> tuple[int, int]:
    """(r, s) of a DER SEQUENCE of two positive INTEGERs, nothing after it."""
    if not der or der[0] != 0x30:
        raise ValueError("not a DER sequence")
    length, at = _der_length(der, 1)
    if at + length != len(der):
        raise ValueError("trailing or missing bytes")
    values = []
    for _ in range(2):
        if der[at] != 0x02:
            raise ValueError("not an INTEGER")
        size, at = _der_length(der, at + 1)
        values.append(int.from_bytes(der[at:at + size], "big", signed=True))
        at += size
    if at != len(der):
        raise ValueError("more than two INTEGERs")
    return values[0], values[1]


def _element(der: bytes, at: int) -> tuple[int, int, int]:
    """(tag, start of the content, end) of the DER element at ``at``."""
    if at + 2 > len(der):
        raise ValueError("truncated DER")
    length, start = _der_length(der, at + 1)
    if start + length > len(der):
        raise ValueError("truncated DER")
    return der[at], start, start + length


def _certificate_key_info(der: bytes) -> bytes:
    """The SubjectPublicKeyInfo of an X.509 certificate: the tbsCertificate's seventh field
    (with the [0] version) or sixth (without)."""
    outer, start, _end = _element(der, 0)
    tag, at, end = _element(der, start)   # tbsCertificate
    if outer != 0x30 or tag != 0x30:
        raise ValueError("not an X.509 certificate")
    fields = []
    while at < end and len(fields) < 7:
        field_tag, _content, after = _element(der, at)
        fields.append((field_tag, at, after))
        at = after
    fields = fields[1:] if fields and fields[0][0] == 0xA0 else fields
    if len(fields) < 6 or fields[5][0] != 0x30:
        raise ValueError("not an X.509 certificate")
    return der[fields[5][1]:fields[5][2]]


def load_public_pem(pem: bytes) -> tuple[int, int]:
    """The point of a PEM SubjectPublicKeyInfo on the SM2 curve (uncompressed), or of the one in
    a PEM X.509 certificate."""
    text = pem.decode("ascii")
    lines = [line.strip() for line in text.splitlines() if not line.startswith("-----")]
    der = base64.b64decode("".join(lines), validate=True)
    if "-----BEGIN CERTIFICATE-----" in text:
        der = _certificate_key_info(der)
    if SM2_CURVE_DER not in der or len(der) < 66 or der[-66:-64] != b"\x00\x04":
        raise ValueError("not an uncompressed SM2 public key")
    x, y = int.from_bytes(der[-64:-32], "big"), int.from_bytes(der[-32:], "big")
    if (y * y - (x * x * x + A * x + B)) % P:
        raise ValueError("the point is not on the SM2 curve")
    return x, y


def verify(public: tuple[int, int], data: bytes, signature: bytes) -> bool:
    try:
        r, s = parse_signature(signature)
    except (ValueError, IndexError):
        return False
    if not (1 <= r < N and 1 <= s < N):
        return False
    t = (r + s) % N
    if t == 0:
        return False
    z = hashlib.new("sm3", len(DEFAULT_ID * 8).to_bytes(2, "big") + DEFAULT_ID + b"".join(
        v.to_bytes(32, "big") for v in (A, B, *G, *public))).digest()
    e = int.from_bytes(hashlib.new("sm3", z + data).digest(), "big")
    point = _add(_mul(s, G), _mul(t, public))
    return point is not None and (e + point[0]) % N == r


def _children(der: bytes, start: int, end: int) -> list[tuple[int, int, int, int]]:
    """(tag, start of the element, start of its content, end) of each element in der[start:end]."""
    out = []
    while start < end:
        tag, content, after = _element(der, start)
        out.append((tag, start, content, after))
        start = after
    if start != end:
        raise ValueError("truncated DER")
    return out


def _key_of_certificate(der: bytes) -> tuple[int, int]:
    info = _certificate_key_info(der)
    return load_public_pem(b"-----BEGIN PUBLIC KEY-----\n" + base64.b64encode(info) + b"\n-----END PUBLIC KEY-----\n")


def _bits(der: bytes, element: tuple[int, int, int, int]) -> bytes:
    tag, _start, content, end = element
    if tag != 0x03 or der[content] != 0:
        raise ValueError("not a BIT STRING of whole bytes")
    return der[content + 1:end]


def is_sealed_signature(der: bytes) -> bool:
    """An SES_Signature starts SEQUENCE { SEQUENCE (TBS_Sign) ...; a bare signature with INTEGERs."""
    try:
        tag, start, end = _element(der, 0)
        return tag == 0x30 and end == len(der) and _element(der, start)[0] == 0x30
    except (ValueError, IndexError):
        return False


def verify_sealed(public: tuple[int, int], data: bytes, der: bytes) -> bool:
    """The GB/T 38540 sealed signature ``der`` of ``data`` by the holder of ``public``."""
    tag, start, end = _element(der, 0)
    if tag != 0x30 or end != len(der):
        return False
    tbs, cert, algorithm, signature = _children(der, start, end)[:4]
    if cert[0] != 0x04 or algorithm[0] != 0x06 or der[algorithm[2]:algorithm[3]] != SM2_WITH_SM3:
        return False
    signer_cert = der[cert[2]:cert[3]]
    if _key_of_certificate(signer_cert) != public:
        return False
    if not verify(public, der[tbs[1]:tbs[3]], _bits(der, signature)):
        return False
    version, seal, when, data_hash, _property = _children(der, tbs[2], tbs[3])[:5]
    if der[version[2]:version[3]] != b"\x04" or _bits(der, data_hash) != hashlib.new("sm3", data).digest():
        return False
    info, maker_cert, maker_algorithm, maker_signature = _children(der, seal[2], seal[3])[:4]
    if der[maker_algorithm[2]:maker_algorithm[3]] != SM2_WITH_SM3:
        return False
    signed_part = der[info[1]:maker_algorithm[3]]
    sequence = b"\x30" + _der_header_length(len(signed_part)) + signed_part
    if not verify(_key_of_certificate(der[maker_cert[2]:maker_cert[3]]), sequence, _bits(der, maker_signature)):
        return False
    _header, _es_id, prop = _children(der, info[2], info[3])[:3]
    _type, _name, list_type, cert_list, _created, valid_start, valid_end = _children(der, prop[2], prop[3])[:7]
    listed = [der[c[2]:c[3]] for c in _children(der, cert_list[2], cert_list[3])]
    signed_at = der[when[2]:when[3]]
    return (der[list_type[2]:list_type[3]] == b"\x01" and signer_cert in listed
            and der[valid_start[2]:valid_start[3]] <= signed_at <= der[valid_end[2]:valid_end[3]])


def _der_header_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    size = (length.bit_length() + 7) // 8
    return bytes([0x80 | size]) + length.to_bytes(size, "big")


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    try:
        public = load_public_pem(Path(argv[2]).read_bytes())
        data, signature = Path(argv[0]).read_bytes(), Path(argv[1]).read_bytes()
    except (OSError, ValueError, IndexError) as exc:
        print(f"unusable input: {exc}", file=sys.stderr)
        return 2
    if is_sealed_signature(signature):
        try:
            ok = verify_sealed(public, data, signature)
        except (ValueError, IndexError):
            ok = False
        print("GB/T 38540 sealed signature valid" if ok else "GB/T 38540 sealed signature NOT valid for this file and key")
        return 0 if ok else 1
    ok = verify(public, data, signature)
    print("SM2 seal valid" if ok else "SM2 seal NOT valid for this file and key")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
