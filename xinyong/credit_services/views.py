"""Shaping register entries for the public (the profile's public fields, complaint counts) and
for the credit department (everything but a complainant, who stays with the complaint's handler)."""
from __future__ import annotations

from xinyong.complaints import repository as complaint_repository, views as complaint_views
from xinyong.credit_services import repository, rules, service
from xinyong.credit_services.schemas import (ComplaintSummaryOut, PublicEntryDetailOut, PublicEntryOut, RuleOut,
                                             StaffEntryDetailOut, StaffEntryOut, SupervisionOut)

ENTRY_FIELDS = ("name", "uscc", "filing_no", "filed_on", "business_scope", "status")


def public_out(agency, pol: rules.RegisterPolicy) -> PublicEntryOut:
    values = {k: getattr(agency, k) for k in ENTRY_FIELDS}
    return PublicEntryOut(id=agency.id, **rules.public_view(values, pol.public_fields))


def rule_out(r) -> RuleOut:
    return RuleOut(id=r.id, kind=r.kind, title=r.heading, body=r.body, channel=r.channel,
                   published_on=r.published_on, status=r.status)


def supervision_out(s, fields: tuple[str, ...] | None) -> SupervisionOut:
    values = {k: getattr(s, k) for k in ("kind", "inspected_on", "department", "outcome", "basis",
                                         "rectification_due", "rectified_on", "findings", "rectification")}
    if fields is not None:
        values = {k: v for k, v in values.items() if k in fields or k in ("kind", "inspected_on", "department",
                                                                          "outcome", "basis")}
    return SupervisionOut(id=s.id, **values)


def _complaints(session, agency_id: int) -> ComplaintSummaryOut:
    return ComplaintSummaryOut(**rules.complaint_summary(repository.complaint_counts(session, agency_id)))


def public_detail(session, agency) -> PublicEntryDetailOut:
    pol = service.policy()
    return PublicEntryDetailOut(
        **public_out(agency, pol).model_dump(),
        rules=[rule_out(r) for r in repository.rules_of(session, agency.id, published_only=True)],
        supervisions=[supervision_out(s, pol.public_supervision) for s in repository.supervisions_of(session, agency.id)],
        complaints=_complaints(session, agency.id), citation=pol.citation)


def staff_out(agency) -> StaffEntryOut:
    return StaffEntryOut(id=agency.id, name=agency.name, uscc=agency.uscc, filing_no=agency.filing_no,
                         filed_on=agency.filed_on, business_scope=agency.business_scope, contact=agency.contact,
                         status=agency.status, status_reason=agency.status_reason)


def staff_detail(session, agency) -> StaffEntryDetailOut:
    return StaffEntryDetailOut(
        **staff_out(agency).model_dump(),
        rules=[rule_out(r) for r in repository.rules_of(session, agency.id, published_only=False)],
        supervisions=[supervision_out(s, None) for s in repository.supervisions_of(session, agency.id)],
        complaints=_complaints(session, agency.id), complaints_against=[complaint_views.staff_out(session, *row) for row in
                            complaint_repository.against_credit_service(session, agency.id)],
        citation=service.policy().citation)
