"""Use cases of the key occupational groups (QZ art. 30 para. 2): the credit department names a
public body competent for a group (and withdraws it); a sector authority reads its own group's
records, natural persons masked by the profile's masking.natural_person, each reading audited.
Flushes, never commits."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.audit import record_event
from xinyong.catalogue.loader import get_catalogue
from xinyong.kit.access import Principal
from xinyong.kit.errors import Conflict, InvalidInput, NotFound
from xinyong.kit.masking import mask_name
from xinyong.law.loader import active_profile
from xinyong.models import Agency
from xinyong.models.credit_service import SectorAuthority
from xinyong.occupations import repository, rules
from xinyong.subjects import opener as resident_ids

REFUSALS = {
    "not_an_assigner": ("无权指定行业主管部门", "this account may not name sector authorities"),
    "unknown_profession": ("请选择所列的重点职业人群类别", "choose one of the listed occupational groups"),
    "not_a_public_body": ("只能指定在用的公共管理机构", "only an active public body can be named"),
}


def policy() -> rules.GroupsPolicy:
    return rules.policy(active_profile(), clock.today())


def assign(session: Session, principal: Principal, agency_id: int, profession: str) -> SectorAuthority:
    agency = session.get(Agency, agency_id)
    refusal = rules.assign_refusal(policy(), role=principal.role, agency_kind=agency.kind if agency else None,
                                   agency_active=bool(agency and agency.active), profession=profession)
    if refusal:
        zh, en = REFUSALS[refusal]
        raise InvalidInput(zh, code=refusal, field="agency_id" if refusal == "not_a_public_body" else "profession",
                           message_en=en)
    found = repository.existing(session, agency_id, profession)
    if found is not None and found.active:
        raise Conflict("该机构已是该类人群的行业主管部门", code="already_assigned",
                       message_en="that organisation is named for that group already")
    if found is None:
        found = SectorAuthority(agency_id=agency_id, profession=profession)
        session.add(found)
    found.active, found.assigned_by = True, principal.user_id
    session.flush()
    record_event(session, principal, "occupation.authority_named", target_type="agency", target_id=agency_id,
                 details={"profession": profession, "citation": policy().citation})
    return found


def withdraw(session: Session, principal: Principal, authority_id: int) -> SectorAuthority:
    found = session.get(SectorAuthority, authority_id)
    if principal.role not in policy().assigner_roles:
        zh, en = REFUSALS["not_an_assigner"]
        raise InvalidInput(zh, code="not_an_assigner", message_en=en)
    if found is None or not found.active:
        raise NotFound("未找到该行业主管部门指定", message_en="no such sector authority")
    found.active = False
    session.flush()
    record_event(session, principal, "occupation.authority_withdrawn", target_type="agency",
                 target_id=found.agency_id, details={"profession": found.profession})
    return found


@dataclass(frozen=True)
class Shown:
    record_id: int
    item_code: str
    item_name: tuple[str, str]
    profession: str
    name: str                 # masked
    resident_id: str | None   # masked
    fields: dict[str, str]    # the record's catalogue fields, the name field masked
    decision_no: str
    decision_date: object


def readable_groups(session: Session, principal: Principal) -> list[str]:
    """The groups this account reads (its organisation's), in the profile's order."""
    mine = repository.competent_for(session, principal.agency_id)
    return [g for g in policy().groups if g in mine and principal.role in policy().reader_roles]


def read(session: Session, principal: Principal, profession: str | None, *, limit: int, offset: int) -> list[Shown]:
    """A page of records of one group (or of every group the organisation is competent for).
    A group it is not competent for: 404, as if there were nothing (QZ art. 30 para. 2)."""
    pol, mine = policy(), repository.competent_for(session, principal.agency_id)
    wanted = [profession] if profession else [g for g in pol.groups if g in mine]
    for group in wanted:
        if rules.read_refusal(pol, role=principal.role, competent_for=mine, profession=group):
            raise NotFound("未找到该类人群的信用记录", message_en="no records of that group for you")
    items = rules.occupational_items(get_catalogue())
    values = sorted({v for i in items for g in wanted for v in rules.values_for(i.field_by_role(rules.ROLE), g)})
    rows = repository.records(session, [i.code for i in items], values, limit=limit, offset=offset)
    shown = [_shown(record, subject, items) for record, subject in rows]
    record_event(session, principal, "occupation.records_read", target_type="agency",
                 target_id=principal.agency_id or 0, details={"groups": ",".join(wanted), "count": len(shown)})
    return shown


def _shown(record, subject, items) -> Shown:
    masking = active_profile().rule("masking.natural_person", on=clock.today()).value
    item = next(i for i in items if i.code == record.item_code)
    fields = dict(record.fields or {})
    name_field = item.field_by_role("subject_name")
    if name_field is not None and name_field.code in fields:
        fields[name_field.code] = mask_name(fields[name_field.code], **masking["name"])
    profession = rules.parse_profession(item.field_by_role(rules.ROLE), str(fields.get(repository.FIELD, "")))
    return Shown(record_id=record.id, item_code=item.code, item_name=(item.name_zh, item.name_en),
                 profession=profession or "", name=mask_name(subject.name, **masking["name"]),
                 resident_id=resident_ids.masked(subject, masking["resident_id"]), fields=fields,
                 decision_no=record.decision_no, decision_date=record.decision_date)
