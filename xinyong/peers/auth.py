"""Signed requests between peer platforms (QZ art. 6, FZ art. 7): the channel that carries
natural persons' entries. The requester signs the method, path and query, the time and the
origin's certificate fingerprint with its report-signing key and sends its certificate; the
origin accepts the request only from a configured peer whose pinned SHA-256 that certificate
has, within ``rules.FRESH_SECONDS`` of its clock. The result is a principal of role "peer":
routes that name that role (and only they) serve it; to every other route it is anonymous."""
from __future__ import annotations

import base64
import datetime as dt
import binascii
import hashlib
import secrets

import httpx
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from xinyong import clock
from xinyong.kit.access import Principal
from xinyong.peers import rules
from xinyong.peers.rules import Peer

ROLE = "peer"
MAX_CERT_BYTES = 8192


class PeerAuthError(ValueError):
    pass


def _path_and_query(path: str, query: bytes | str) -> str:
    query = query.decode("latin-1") if isinstance(query, bytes) else query
    return f"{path}?{query}"


def signed_headers(peer: Peer, method: str, url: httpx.URL) -> dict[str, str]:
    """The headers that make a request to ``peer`` this platform's signed request."""
    from xinyong.reports import signing
    at, nonce = int(clock.now().timestamp()), secrets.token_hex(16)
    message = rules.request_message(method, _path_and_query(url.path, url.query), at, peer.fingerprint, nonce)
    return {rules.CERT_HEADER: base64.b64encode(signing.certificate_der()).decode("ascii"),
            rules.TIME_HEADER: str(at), rules.NONCE_HEADER: nonce,
            rules.SIGNATURE_HEADER: base64.b64encode(signing.sign_message(message)).decode()}


def is_signed(headers) -> bool:
    return rules.SIGNATURE_HEADER in headers


def principal_for(headers, method: str, path: str, query: bytes) -> Principal:
    """The peer that signed this request; raises PeerAuthError saying why not."""
    from xinyong.peers.service import configured
    from xinyong.reports import signing
    try:
        der = base64.b64decode(headers.get(rules.CERT_HEADER, ""), validate=True)
        signature = base64.b64decode(headers.get(rules.SIGNATURE_HEADER, ""), validate=True)
        at = int(headers.get(rules.TIME_HEADER, ""))
    except (binascii.Error, ValueError):
        raise PeerAuthError("malformed peer request headers") from None
    nonce = headers.get(rules.NONCE_HEADER, "")
    if not der or len(der) > MAX_CERT_BYTES or not signature or not rules.NONCE.match(nonce):
        raise PeerAuthError("malformed peer request headers")
    pin = hashlib.sha256(der).hexdigest()
    peer = next((p for p in configured() if p.fingerprint == pin), None)
    if peer is None:
        raise PeerAuthError("the certificate is not one of a recognised peer")
    if not rules.fresh(at, clock.now().timestamp()):
        raise PeerAuthError("the request's time is too far from this platform's clock")
    message = rules.request_message(method, _path_and_query(path, query), at, signing.certificate_fingerprint(), nonce)
    try:
        key = x509.load_der_x509_certificate(der).public_key()
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
        else:
            raise PeerAuthError("unsupported key")
    except (InvalidSignature, ValueError):
        raise PeerAuthError("the signature does not verify (altered, or meant for another platform)") from None
    _first_use(peer, nonce, at)
    return Principal(user_id=None, username=peer.key, role=ROLE, via="peer", display_name=peer.name_zh)


def _first_use(peer: Peer, nonce: str, at: int) -> None:
    """A signed request is accepted once: its nonce is kept while its time is fresh, and a second
    use (a replay by whoever saw the headers) is refused."""
    from sqlalchemy.exc import IntegrityError

    from xinyong.db import session_factory
    from xinyong.peers import repository
    now = clock.now()
    with session_factory()() as session:
        try:
            repository.first_use(session, peer.key, nonce, dt.datetime.fromtimestamp(at, dt.timezone.utc),
                                 now - dt.timedelta(seconds=2 * rules.FRESH_SECONDS))
            session.commit()
        except IntegrityError:
            session.rollback()
            raise PeerAuthError("this signed request was already used (a replay)") from None


def peer_of(principal: Principal) -> Peer:
    from xinyong.peers.service import configured
    for peer in configured():
        if principal.role == ROLE and peer.key == principal.username:
            return peer
    raise PeerAuthError("not a recognised peer")
