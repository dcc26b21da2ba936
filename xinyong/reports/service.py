"""Use cases of credit reports: issue (decide who may have it, pass the query gate for what is
not public, gather, render, sign, store, audit), download again, and verify (by code or by the
file) without revealing the content. Every issue and every verification attempt leaves a row.
Flushes, never commits: the caller commits, also when the gate refuses (the log row stays)."""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import re
import secrets
import threading

from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.access import gate
from xinyong.access.rules import GateDecision
from xinyong.audit import record_event
from xinyong.catalogue import get_catalogue
from xinyong.config import get_settings
from xinyong.disclosure.publicity import subject_in_view
from xinyong.documents import service as documents_service
from xinyong.kit.access import Principal
from xinyong.kit.errors import Busy, Forbidden, InvalidInput, NotFound
from xinyong.law import active_profile
from xinyong.models import Subject
from xinyong.models.report import IssuedReport, ReportVerification
from xinyong.reports import content as contents
from xinyong.kit import ses
from xinyong.reports import eseal, repository, rules, signing, sm2seal
from xinyong.reports.render import Stamp, render

MAX_PDF_BYTES = 20 * 1024 * 1024
MAX_SM2_BYTES = 512 * 1024   # a DER SM2 signature is at most 72 bytes; a GB/T 38540 sealed one carries its seal's picture
PURPOSE = rules.PURPOSE
KIND_PREFIX = {"full": "QB", "public": "GK", "special": "ZX"}
CODE_IN_PDF = re.compile(rb"XYRPT-([A-Z2-7]{20})")


def policy(today: dt.date | None = None) -> rules.ReportPolicy:
    return rules.policy_from(active_profile(), today or clock.today())


def new_code() -> str:
    return "".join(secrets.choice(rules.CODE_ALPHABET) for _ in range(rules.CODE_LENGTH))


def verify_url(code: str) -> str:
    return f"{get_settings().base_url.rstrip('/')}/verify/{code}"


@dataclasses.dataclass(frozen=True)
class SpecialAsk:
    field: str
    date_from: dt.date
    date_to: dt.date
    purpose: str = ""
    authorisation_id: str | None = None


@dataclasses.dataclass
class Issued:
    report: IssuedReport | None
    refused: GateDecision | None = None


def _requester(principal: Principal) -> rules.Requester:
    return rules.Requester(role=principal.role if not principal.is_anonymous else "public",
                           subject_id=principal.subject_id, org_id=principal.agency_id)


# Rendering and signing a report costs 0.3-0.9 s of CPU with a database connection held. So a
# process renders a few at a time, the others wait for a slot before they touch the database (no
# connection held while waiting), and one still waiting after RENDER_WAIT seconds is told to come
# back: twenty requests at once emptied the connection pool and the health check failed with it.
RENDERING_AT_ONCE = 2
RENDER_WAIT = 20.0
_rendering = threading.BoundedSemaphore(RENDERING_AT_ONCE)


@contextlib.contextmanager
def render_slot(wait: float | None = None):
    if not _rendering.acquire(timeout=RENDER_WAIT if wait is None else wait):
        raise Busy("报告生成繁忙，请稍后再试", code="reports_busy", headers={"Retry-After": "10"},
                   message_en="reports are being rendered for others: try again in a few seconds")
    try:
        yield
    finally:
        _rendering.release()


def issue(session: Session, principal: Principal, kind: str, subject_id: int, special: SpecialAsk | None = None,
          channel: str = "api", lang: str = "zh") -> Issued:
    """QZ art. 10-11, 33; FZ art. 13, 24. Returns Issued(refused=...) when the gate says no. The
    report is issued (and stored, signed) in ``lang``: zh, or en for a reader of the English pages.
    At most RENDERING_AT_ONCE at a time in a process (``render_slot``)."""
    with render_slot():
        return _issue(session, principal, kind, subject_id, special, channel, lang)


def _issue(session: Session, principal: Principal, kind: str, subject_id: int, special: SpecialAsk | None,
           channel: str, lang: str) -> Issued:
    if lang not in rules.LANGS:
        raise InvalidInput("请选择报告语言", field="lang", message_en="choose the report's language")
    today = clock.today()
    pol = policy(today)
    subject = session.get(Subject, subject_id)
    if subject is None or kind not in rules.KINDS or (
            kind == "public" and principal.subject_id != subject_id and not subject_in_view(session, subject_id, today)):
        # a person with nothing in public view gets no public report: the same 404 as no one
        raise NotFound("未找到该信用主体", message_en="no such credit subject")
    decision = rules.may_obtain(kind, _requester(principal), subject_id, pol)
    if not decision.allowed:
        if decision.code in ("not_own_subject", "no_rule"):
            raise NotFound("未找到该信用主体", message_en="no such credit subject")
        raise Forbidden(decision.reason_zh, code="not_allowed", message_en=decision.reason)
    if kind == "special":
        if special is None:
            raise InvalidInput("请选择领域和期间", field="field", message_en="choose a field and a period")
        problem = rules.period_problem(special.field, special.date_from, special.date_to, today, pol)
        if problem:
            raise InvalidInput(problem[2], field=problem[0], message_en=problem[1])
    basis_ref = None
    if decision.basis in ("self", "authorisation"):
        passed = _gate(session, principal, kind, subject_id, decision.basis, special, channel, pol)
        if not passed.allowed:
            return Issued(None, passed)
        basis_ref = passed.basis_ref
    if kind == "full":
        content = contents.full(session, subject, pol, lang)
    elif kind == "public":
        content = contents.public(session, subject, pol, lang)
    else:
        content = contents.special(session, subject, pol, special.field, special.date_from, special.date_to, lang)
    report = _store(session, principal, subject_id, content, decision, basis_ref, today)
    record_event(session, principal, "report.issue", target_type="report", target_id=report.id, subject_id=subject_id,
                 details={"kind": kind, "basis": decision.basis, "sha256": report.sha256, "records": report.record_count,
                          "finding": report.finding or "", "channel": channel, "lang": lang, **(content.params or {})})
    return Issued(report)


def _gate(session: Session, principal: Principal, kind: str, subject_id: int, basis: str,
          special: SpecialAsk | None, channel: str, pol: rules.ReportPolicy) -> GateDecision:
    """Non-public content passes the query gate; the access log records the read (QZ art. 33)."""
    known = {i.code for i in get_catalogue().items}
    if kind == "full":
        items = sorted(known)
    else:
        items = [c for c in pol.violation_items if c in known]
    purpose = PURPOSE[kind] if basis == "self" else (special.purpose if special else "")
    request = gate.BasisRequest(basis, special.authorisation_id if (special and basis == "authorisation") else None,
                                channel=channel if channel in gate.CHANNELS else "api")
    return gate.check(session, principal, subject_id, items, purpose, request)


def _store(session: Session, principal: Principal, subject_id: int, content: contents.Content, decision: rules.Decision,
           basis_ref: str | None, today: dt.date) -> IssuedReport:
    code = new_code()
    profile = active_profile()
    lang = content.lang
    city = profile.title_zh if lang == "zh" else profile.title_en
    number = contents.t(lang, "number", city=city, year=today.year, prefix=KIND_PREFIX[content.kind], code=code[:10])
    stamp = Stamp(number=number, code=code, verify_url=verify_url(code), issued_on=today,
                  issuer=contents.t(lang, "issuer", city=city))
    signed = signing.sign(render(content, stamp), reason=f"{content.title} {number}")
    filename = f"credit-report-{content.kind}-{today.isoformat()}-{code[:6]}.pdf"
    report = IssuedReport(
        code=code, number=number, kind=content.kind, subject_id=subject_id,
        subject_name_masked=content.subject_masked[:300], requester_user_id=principal.user_id,
        requester_org_id=principal.agency_id, requester_role=principal.role if not principal.is_anonymous else "public",
        basis_kind=decision.basis, basis_ref=basis_ref, params=content.params or {}, lang=lang, finding=content.finding,
        record_count=content.record_count, sha256=hashlib.sha256(signed).hexdigest(),
        filename=filename, content=signed,
        citation="; ".join(c for c in content.citations if c), issued_at=clock.now(), sm2_signature=sm2seal.seal(signed),
        ses_signature=eseal.sealed(signed, filename))
    session.add(report)
    session.flush()
    return report


# ---- reading issued reports ----------------------------------------------------------------------------

def visible(session: Session, principal: Principal, report_id: int) -> IssuedReport:
    """The requester's own reports, and every report about a subject to that subject; else 404."""
    report = session.get(IssuedReport, report_id)
    if report is None or principal.is_anonymous:
        raise NotFound("报告不存在", message_en="no such report")
    own_request = report.requester_user_id is not None and report.requester_user_id == principal.user_id
    own_subject = principal.role == "subject" and principal.subject_id == report.subject_id
    if not (own_request or own_subject):
        raise NotFound("报告不存在", message_en="no such report")
    return report


def download(session: Session, principal: Principal, report_id: int) -> IssuedReport:
    report = visible(session, principal, report_id)
    record_event(session, principal, "report.download", target_type="report", target_id=report.id,
                 subject_id=report.subject_id, details={"kind": report.kind})
    return report


def mine(session: Session, principal: Principal, limit: int = 50, offset: int = 0) -> list[IssuedReport]:
    if principal.role == "subject" and principal.subject_id is not None:
        return repository.listing(session, subject_id=principal.subject_id, limit=limit, offset=offset)
    return repository.listing(session, requester_user_id=principal.user_id, limit=limit, offset=offset)


# ---- verification (anyone, no login, no content) --------------------------------------------------------

@dataclasses.dataclass(frozen=True, kw_only=True)
class Verification:
    outcome: str
    message: str
    message_en: str
    method: str
    report: IssuedReport | None
    signature_valid: bool | None
    hash_matches: bool | None
    uploaded_sha256: str | None = None
    sm2_valid: bool | None = None        # the SM2/SM3 seal; None: none given nor stored with the report
    peer: object | None = None    # xinyong.peers.rules.Peer: the recognised peer that signed the file
    document: object | None = None   # xinyong.models.Document: the decision document the file is
    seal: object | None = None    # xinyong.kit.ses.Checked: the GB/T 38540 seal of a sealed signature that verified


def verify_code(session: Session, code: str, *, client: str = "", principal: Principal | None = None) -> Verification:
    """The stored report of the code: its platform signature and its hash checked again."""
    code = rules.normalise_code(code)
    report = repository.by_code(session, code) if rules.is_code(code) else None
    sig = signing.check(report.content) if report is not None else None
    hashed = (hashlib.sha256(report.content).hexdigest() == report.sha256) if report is not None else None
    outcome = rules.verification_outcome(report is not None, sig.valid if sig else None, hashed)
    sm2, seal = _checked(report.content, report.sm2_signature) if report is not None else (None, None)
    if report is not None and report.ses_signature:
        sealed, seal = _checked(report.content, report.ses_signature)
        sm2 = sealed if sm2 is not False else sm2   # both of the national-cryptography seals kept at issue
    verified = _log(session, "code", code, report, outcome, sig.valid if sig else None, hashed, None, client,
                    principal, {"problem": sig.problem} if sig and sig.problem else {}, sm2)
    return dataclasses.replace(verified, seal=seal)


def verify_file(session: Session, data: bytes, *, code: str = "", client: str = "",
                principal: Principal | None = None, sm2_signature: bytes = b"") -> Verification:
    """An uploaded PDF: is it, byte for byte, a report this platform signed and issued? With a
    detached `.sm2` signature, is that the platform's SM2 seal of these bytes (else the seal
    stored with the report the bytes are, if any)?"""
    if not data:
        raise InvalidInput("请选择要核验的 PDF 文件", field="file", message_en="choose the PDF file to check")
    if len(data) > MAX_PDF_BYTES:
        raise InvalidInput("文件过大", field="file", message_en="the file is too large")
    uploaded = hashlib.sha256(data).hexdigest()
    report = repository.by_sha256(session, uploaded)
    if report is None:
        document = documents_service.by_sha256(session, uploaded)
        if document is not None:   # a written decision this platform issued, byte for byte
            return _document_verified(session, document, data, uploaded, client, principal, sm2_signature)
    given = rules.normalise_code(code)
    if report is None:
        found = CODE_IN_PDF.search(data)
        claimed = given if rules.is_code(given) else (found.group(1).decode() if found else "")
        report = repository.by_code(session, claimed) if claimed else None
    sig = signing.check(data)
    hashed = (uploaded == report.sha256) if report is not None else False
    outcome = rules.file_outcome(hashed, sig.by_platform, sig.valid)
    stored = report.sm2_signature if (report is not None and hashed) else None
    stored_ses = report.ses_signature if (report is not None and hashed) else None
    sm2, seal = _checked(data, sm2_signature or stored)
    if seal is None and sm2 and not ses.is_signature(sm2_signature):
        seal = _checked(data, stored_ses)[1]      # a bare signature given, the sealed one kept at issue
    if outcome in ("not_a_report", "not_found"):
        report, hashed = None, None   # not issued here: nothing to compare, nothing told of the code it shows
    if outcome == "not_a_report":
        by_peer = _peer_signature(session, data)
        if by_peer is not None:
            return _log(session, "file", None, None, "peer_authentic" if by_peer.valid else "peer_tampered",
                        by_peer.valid, None, uploaded, client, principal,
                        {"peer": by_peer.peer.key, **({"problem": by_peer.problem} if by_peer.problem else {})},
                        peer=by_peer.peer)
    verified = _log(session, "file", report.code if report else (given or None), report, outcome, sig.valid, hashed,
                    uploaded, client, principal, {"problem": sig.problem} if sig.problem else {}, sm2)
    return dataclasses.replace(verified, seal=seal)


def _document_verified(session: Session, document, data: bytes, uploaded: str, client: str,
                       principal: Principal | None, sm2_signature: bytes) -> Verification:
    """A decision document (文书): its bytes are those issued; is the platform's signature on them
    valid, and the SM2 seal (uploaded, else the one kept at issue)?"""
    sig = signing.check(data)
    outcome = "document_authentic" if sig.valid else "signature_invalid"
    sm2, seal = _checked(data, sm2_signature or document.sm2_signature)
    details = {"document_id": document.id, **({"problem": sig.problem} if sig.problem else {})}
    return dataclasses.replace(_log(session, "file", None, None, outcome, sig.valid, True, uploaded, client, principal,
                                    details, sm2), document=document, seal=seal)


def sm2_sealed(session: Session, code: str) -> IssuedReport:
    """The report of the code, when it carries an SM2 seal (its detached signature is public, as
    its verification is); 404 otherwise."""
    return _sealed(session, code, "sm2_signature", "该报告没有国密签章", "this report carries no SM2 seal")


def ses_sealed(session: Session, code: str) -> IssuedReport:
    """The report of the code, when it carries a GB/T 38540 sealed signature; 404 otherwise."""
    return _sealed(session, code, "ses_signature", "该报告没有电子签章数据",
                   "this report carries no GB/T 38540 sealed signature")


def _sealed(session: Session, code: str, column: str, zh: str, en: str) -> IssuedReport:
    code = rules.normalise_code(code)
    report = repository.by_code(session, code) if rules.is_code(code) else None
    if report is None or not getattr(report, column):
        raise NotFound(zh, message_en=en)
    return report


def _checked(data: bytes, signature: bytes | None) -> tuple[bool | None, object | None]:
    """(the platform's SM2 seal holds over ``data``, what its GB/T 38540 seal says) for a bare or a
    sealed signature, in one verification: (None, None) without a signature; the seal is None for
    a bare signature or one that does not verify."""
    if not signature:
        return None, None
    if len(signature) > MAX_SM2_BYTES:
        return False, None
    if not ses.is_signature(signature):
        return sm2seal.check(data, signature), None
    try:
        return True, ses.verify(signature, data, signer_key=sm2seal.public_key())
    except ses.SesError:
        return False, None


def _peer_signature(session: Session, data: bytes):
    """A file without this platform's signature may carry a recognised peer's (QZ art. 6, FZ art. 7)."""
    from xinyong.peers.service import recognise
    return recognise(session, data)


def _log(session: Session, method: str, code: str | None, report: IssuedReport | None, outcome: str,
         sig: bool | None, hashed: bool | None, uploaded: str | None, client: str, principal: Principal | None,
         details: dict, sm2: bool | None = None, peer=None) -> Verification:
    session.add(ReportVerification(
        at=clock.now(), method=method, code=(code or None) and code[:64], report_id=report.id if report else None,
        subject_id=report.subject_id if report else None, outcome=outcome, signature_valid=sig, hash_matches=hashed,
        uploaded_sha256=uploaded, client=(client or "")[:64],
        user_id=principal.user_id if principal is not None else None,
        details=details if sm2 is None else {**details, "sm2": sm2}))
    session.flush()
    zh, en = rules.OUTCOME_TEXT[outcome]
    if peer is not None:
        zh = zh.format(peer=peer.name_zh, peer_en=peer.name_en, basis=peer.basis)
        en = en.format(peer=peer.name_zh, peer_en=peer.name_en, basis=peer.basis)
    return Verification(outcome=outcome, message=zh, message_en=en, method=method, report=report, signature_valid=sig,
                        hash_matches=hashed, uploaded_sha256=uploaded, sm2_valid=sm2, peer=peer)
