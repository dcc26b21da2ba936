"""Shapes of issued reports and verification results (shared by the API and the pages)."""
from __future__ import annotations

from xinyong.kit.web import local_date
from xinyong.models.report import IssuedReport
from xinyong.reports import rules, service, signing
from xinyong.reports.schemas import ReportOut, VerificationOut


def report_out(report: IssuedReport) -> ReportOut:
    return ReportOut(id=report.id, code=report.code, number=report.number, kind=report.kind,
                     subject_id=report.subject_id, subject_name_masked=report.subject_name_masked,
                     requester_role=report.requester_role, basis_kind=report.basis_kind, params=report.params or {},
                     finding=report.finding, record_count=report.record_count, sha256=report.sha256,
                     issued_at=report.issued_at, lang=report.lang or "zh", verify_url=service.verify_url(report.code),
                     download_url=f"/api/v1/reports/{report.id}/pdf")


def verification_out(v: service.Verification) -> VerificationOut:
    r = v.report
    issued_on = local_date(r.issued_at) if r is not None else None
    facts = dict(
        outcome=v.outcome, verdict=rules.VERDICTS[v.outcome], message=v.message, message_en=v.message_en, method=v.method,
        code=r.code if r is not None else None, kind=r.kind if r is not None else None,
        kind_name=rules.TITLES[r.kind][0] if r is not None else None, number=r.number if r is not None else None,
        issued_on=issued_on, subject_name_masked=r.subject_name_masked if r is not None else None,
        signature_valid=v.signature_valid, hash_matches=v.hash_matches, sha256=r.sha256 if r is not None else None,
        uploaded_sha256=v.uploaded_sha256, certificate_sha256=signing.certificate_fingerprint(), sm2_valid=v.sm2_valid,
        sm2_signature_url=f"/api/v1/reports/verify/{r.code}/sm2" if r is not None and r.sm2_signature else None,
        ses_signature_url=f"/api/v1/reports/verify/{r.code}/ses" if r is not None and r.ses_signature else None,
        seal_name=v.seal.seal_name if v.seal else None, seal_id=v.seal.es_id if v.seal else None,
        sealed_at=v.seal.signed_at if v.seal else None,
        **_peer(v.peer))
    return VerificationOut(**{**facts, **_document(v.document)})


def _document(doc) -> dict:
    """A decision document: its title, number and date (what its holder reads on it), no more."""
    if doc is None:
        return {}
    return {"document_title": doc.title, "number": doc.number, "sha256": doc.sha256,
            "issued_on": local_date(doc.created_at)}


def _peer(peer) -> dict:
    if peer is None:
        return {}
    return {"peer": peer.key, "peer_name": peer.name_zh, "peer_name_en": peer.name_en, "peer_basis": peer.basis,
            "peer_certificate_sha256": peer.fingerprint}
