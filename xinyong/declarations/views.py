"""Shaping declarations for the public, the subject and the credit department. Every shape
carries the label (self-declared, not verified) and the article it rests on."""
from __future__ import annotations

from xinyong import clock
from xinyong.declarations.rules import DeclarationPolicy
from xinyong.kit.names import Name
from xinyong.declarations.schemas import DeclarationOut, Label, PublicDeclarationOut, StaffDeclarationOut


def _name(names: dict[str, Name], code: str) -> Label:
    found = names.get(code)
    return Label(zh=found.zh, en=found.en) if found else Label(zh=code, en=code)


def public_out(d, pol: DeclarationPolicy) -> PublicDeclarationOut:
    return PublicDeclarationOut(
        id=d.id, subject_id=d.subject_id, form=d.form, form_name=_name(pol.forms, d.form), category=d.category,
        category_name=_name(pol.categories, d.category), title=d.title, content=d.content,
        declared_on=d.declared_at.astimezone(clock.CHINA_TZ).date(), label=Label(zh=pol.label.zh, en=pol.label.en),
        citation=d.citation)


def own_out(d, pol: DeclarationPolicy) -> DeclarationOut:
    return DeclarationOut(**public_out(d, pol).model_dump(), status=d.status, declared_at=d.declared_at,
                          pledge_accepted_at=d.pledge_accepted_at, withdrawn_at=d.withdrawn_at,
                          withdrawn_as=d.withdrawn_as, withdraw_reason=d.withdraw_reason)


def staff_out(d, subject_name: str, subject_kind: str, subject_uscc: str | None,
              pol: DeclarationPolicy) -> StaffDeclarationOut:
    return StaffDeclarationOut(**own_out(d, pol).model_dump(), subject_name=subject_name, subject_kind=subject_kind,
                               subject_uscc=subject_uscc)
