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
    if not 1 <= size <= 2:
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
    ok = verify(public, data, signature)
    print("SM2 seal valid" if ok else "SM2 seal NOT valid for this file and key")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
