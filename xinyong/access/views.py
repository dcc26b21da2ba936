"""Read models behind the gate: a subject's records of the requested items, public or not,
marked as such and masked where the basis does not cover the person's identity; and the access
log as a subject (its own only) and an auditor (all) see it."""
from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.access import gate, repository, service, signatory
from xinyong.access.rules import GateDecision
from xinyong.access.schemas import (
    AccessLogEntryOut,
    AuditAccessLogEntryOut,
    AuthorisationOut,
    DecisionOut,
    GatedProfile,
    GatedRecord,
    LegalBasisOut,
    OrganisationOut,
    QueryItemOut,
)
from xinyong.catalogue import CatalogueError, get_catalogue
from xinyong.disclosure.service import PERSON_KINDS
from xinyong.kit.errors import Forbidden, NotFound
from xinyong.kit.masking import mask_name
from xinyong.kit.access import Principal
from xinyong.audit import record_event
from xinyong.law import active_profile
from xinyong.models import Authorisation, QueryItem, Record, Subject
from xinyong.subjects import opener as resident_ids
from xinyong.web.wording import word


class NoBasis(Forbidden):
    code = "no_basis"


@dataclasses.dataclass
class ProfileRead:
    decision: GateDecision
    profile: GatedProfile | None


def decision_out(decision: GateDecision) -> DecisionOut:
    return DecisionOut(allowed=decision.allowed, basis_kind=decision.basis_kind, basis_ref=decision.basis_ref,
                       citation=decision.citation, reason=decision.reason_zh, reason_en=decision.reason)


def refusal(decision: GateDecision) -> NoBasis:
    return NoBasis(f"无查询依据：{decision.reason_zh}", message_en=f"no basis: {decision.reason}",
                   details={"basis_kind": decision.basis_kind, "reason_code": decision.code,
                            "citation": decision.citation})


def read_profile(session: Session, principal: Principal, subject_id: int, items: list[str], purpose: str,
                 basis: gate.BasisRequest) -> ProfileRead:
    """Gate, then one records query. The caller commits (the log row) before answering a refusal."""
    subject = session.get(Subject, subject_id)
    if subject is None:
        raise NotFound("未找到该主体", message_en="no such subject")
    items = list(dict.fromkeys(i.strip() for i in items if i.strip()))
    decision = gate.check(session, principal, subject_id, items, purpose, basis)
    if not decision.allowed:
        return ProfileRead(decision, None)
    today = clock.today()
    wanted = [i for i in items if ":" not in i]     # restricted classes have no records here
    rows = repository.records_for(session, subject.id, wanted)
    masking = active_profile().rule("masking.natural_person", on=today).value
    mask = subject.kind in PERSON_KINDS and not decision.identity_covered
    records = [_gated(r, agency, masking, mask, today) for r, agency in rows]
    name = mask_name(subject.name, **masking["name"]) if mask else subject.name
    # masked: the display form (not an opening); covered by the basis: the full number, audited
    resident_id = (resident_ids.masked(subject, masking["resident_id"]) if mask else
                   resident_ids.open_resident_id(session, principal, subject, f"query:{decision.basis_kind}"))
    profile = GatedProfile(id=subject.id, kind=subject.kind, name=name, uscc=subject.uscc, resident_id=resident_id,
                           legal_rep_name=subject.legal_rep_name, masked=mask, as_of=today,
                           items=items, purpose=purpose, decision=decision_out(decision),
                           records=records)
    return ProfileRead(decision, profile)


def _gated(record: Record, agency: str, masking: dict, mask: bool, today: dt.date) -> GatedRecord:
    try:
        item = get_catalogue().get(record.item_code)
        labels = {f.code: f.header_zh for f in item.fields}
        name_field = item.field_by_role("subject_name")
        item_name, item_name_en = item.name_zh, item.name_en
    except CatalogueError:
        labels, name_field, item_name, item_name_en = {}, None, record.item_code, record.item_code
    fields = {k: (None if v is None else str(v)) for k, v in (record.fields or {}).items()}
    if mask and name_field is not None and fields.get(name_field.code):
        fields[name_field.code] = mask_name(fields[name_field.code], **masking["name"])
    visibility, zh, en = visibility_of(record, today)
    return GatedRecord(
        id=record.id, item_code=record.item_code, item_name=item_name, item_name_en=item_name_en,
        decision_no=record.decision_no, decision_date=record.decision_date, severity=record.severity,
        source_agency=agency, publicity_end=record.publicity_end, publicity_citation=record.publicity_citation,
        fields=fields, field_labels={k: labels.get(k, k) for k in fields}, disclosure=record.disclosure,
        public=visibility == "public", visibility=visibility, visibility_note=zh, visibility_note_en=en,
        under_objection=record.under_objection)


def visibility_of(record: Record, today: dt.date) -> tuple[str, str, str]:
    """Why a record is or is not in public view today (the same test as the public views)."""
    if record.disclosure != "public":
        return ("disclosure", f"非公开信息（目录公开属性：{record.disclosure}）",
                f"not public (catalogue disclosure: {record.disclosure})")
    if not record.publicity_published:
        return "not_published", "依规不予公示", "not published under the rules"
    if record.publicity_start and today < record.publicity_start:
        return "not_yet", "尚未进入公示期", "publicity has not started"
    if record.publicity_end is not None and today >= record.publicity_end:
        end = record.publicity_end.isoformat()
        return "publicity_ended", f"公示期已于 {end} 届满", f"publicity period ended {end}"
    return "public", "公示中", "public"


# ---- the access log ----------------------------------------------------------------------------------

def _entry(row: tuple, lang: str = "zh") -> dict:
    log, org_name, _username, _subject_name = row
    zh, en, citation = gate.split_reason(log.reason)
    actor = {"staff": "window", "subject": "self"}.get(log.role)
    organisation = org_name or (word("actor", actor, lang) if actor else None)
    return dict(id=log.id, at=log.at, organisation=organisation, role=log.role, items=list(log.items or []),
                basis_kind=log.basis_kind, basis_ref=log.basis_ref, purpose=gate.purpose_in(log.purpose, lang),
                allowed=log.allowed,
                reason=zh, reason_en=en, citation=citation, channel=log.channel)


def my_log(session: Session, principal: Principal, limit: int, offset: int, lang: str = "zh"
           ) -> list[AccessLogEntryOut]:
    """Who looked at my data (FZ art. 24, QZ art. 33): the subject's own entries only, each
    authorisation-based one with who signed that authorisation (FZ art. 13, QZ art. 33)."""
    subject_id = _own_subject(principal)
    rows = repository.search_log(session, repository.LogFilter(subject_id=subject_id), limit, offset)
    signed = _signatories(session, subject_id, rows, lang)
    return [AccessLogEntryOut(**_entry(r, lang), signatory=signed.get(_auth_ref(r))) for r in rows]


def my_log_entry(session: Session, principal: Principal, entry_id: int, lang: str = "zh",
                 on: dt.date | None = None) -> AccessLogEntryOut:
    subject_id = _own_subject(principal)
    row = repository.log_entry(session, entry_id, subject_id=subject_id, on=on)
    if row is None:
        raise NotFound("记录不存在", message_en="no such entry")
    return AccessLogEntryOut(**_entry(row, lang), signatory=_signatories(session, subject_id, [row], lang).get(_auth_ref(row)))


def _auth_ref(row: tuple) -> int | None:
    log = row[0]
    ref = log.basis_ref or ""
    return int(ref) if log.basis_kind == "authorisation" and ref.isdigit() else None


def _signatories(session: Session, subject_id: int, rows: list[tuple], lang: str) -> dict[int, str]:
    ids = {i for i in (_auth_ref(r) for r in rows) if i is not None}
    found = repository.signatories(session, subject_id, sorted(ids))
    return {i: signatory.label(name, cap, lang) or ("未记录签署人" if lang == "zh" else "signatory not recorded")
            for i, (name, cap) in found.items()}


def _own_subject(principal: Principal) -> int:
    if principal.role != "subject" or principal.subject_id is None:
        raise NotFound("记录不存在", message_en="no such entry")
    return principal.subject_id


def audit_log(session: Session, where: repository.LogFilter, limit: int, offset: int,
              reader: Principal | None = None, lang: str = "zh") -> list[AuditAccessLogEntryOut]:
    """Auditors' search of every access log; the search itself is an audited act (QZ art. 14)."""
    rows = repository.search_log(session, where, limit, offset)
    record_event(session, reader, "access_log.read", target_type="access_log",
                 details={k: (v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else v)
                          for k, v in dataclasses.asdict(where).items() if v is not None})
    return [AuditAccessLogEntryOut(**_entry(r, lang), subject_id=r[0].subject_id, subject_name=r[3], org_id=r[0].org_id,
                                   user_id=r[0].user_id, username=r[2]) for r in rows]


def day_bounds(date_from: dt.date | None, date_to: dt.date | None) -> tuple[dt.datetime | None, dt.datetime | None]:
    """Dates in China Standard Time as instants: [from 00:00, day after `to` 00:00)."""
    def instant(day: dt.date) -> dt.datetime:
        # stored instants are UTC (SQLite keeps their UTC fields): compare in UTC
        return dt.datetime.combine(day, dt.time(), clock.CHINA_TZ).astimezone(dt.timezone.utc)
    return (instant(date_from) if date_from else None,
            instant(date_to + dt.timedelta(days=1)) if date_to else None)



# ---- authorisations, query items, legal bases as shown -------------------------------------------------

def organisation_out(org) -> OrganisationOut:
    return OrganisationOut(id=org.id, uscc=org.uscc, name=org.name, kind=org.kind)


def authorisation_out(auth: Authorisation, grantee, granted_by_role: str | None = None) -> AuthorisationOut:
    return AuthorisationOut(
        id=auth.id, subject_id=auth.subject_id, grantee=organisation_out(grantee), items=list(auth.items or []),
        purpose=auth.purpose, valid_from=auth.valid_from, valid_to=auth.valid_to, document_ref=auth.document_ref,
        restricted_consent=auth.restricted_consent, consequences_notice=auth.consequences_notice,
        granted_at=auth.granted_at, at_window=granted_by_role is not None and granted_by_role != "subject",
        status=service.status_of(auth),
        revoked_at=auth.revoked_at, revocation_reason=auth.revocation_reason,
        signatory_name=auth.signatory_name, signatory_capacity=auth.signatory_capacity,
        power_of_attorney_on_file=auth.power_of_attorney is not None)


def query_item_out(qi: QueryItem, org) -> QueryItemOut:
    return QueryItemOut(id=qi.id, organisation=organisation_out(org), matter=qi.matter, items=list(qi.items or []),
                        legal_basis=qi.legal_basis, status=qi.status, created_at=qi.created_at,
                        published_at=qi.published_at, withdrawn_at=qi.withdrawn_at)


def legal_bases_out() -> list[LegalBasisOut]:
    return [LegalBasisOut(id=b.id, name=b.name_zh, name_en=b.name_en, citation=b.citation, citation_en=b.citation_en,
                          org_kinds=sorted(b.org_kinds), items=sorted(b.items), reference=b.reference_zh,
                          reference_en=b.reference_en) for b in gate.policy().legal_bases.values()]
