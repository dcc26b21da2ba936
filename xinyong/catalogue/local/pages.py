"""The credit department's page of the local supplementary catalogue (地方补充目录): the items,
a form to add or change one (its definition as in a catalogue file, YAML) with the reason, a
withdrawal with its reason, and each item's versions with what each changed."""
from __future__ import annotations

import yaml

from xinyong.kit import yamlfiles
from fastapi import APIRouter, Depends, Request
from pydantic import ValidationError
from sqlalchemy.orm import Session

from xinyong.catalogue.loader import file_catalogue
from xinyong.catalogue.local import merge, repository, service
from xinyong.catalogue.local.schemas import ItemDefinitionIn
from xinyong.kit.access import Principal, allow
from xinyong.kit.errors import InvalidInput, XinyongError
from xinyong.kit.text import CodePath, TextForm, invalid_input
from xinyong.kit.web import act_then_redirect, get_session, language, page_error, render

router = APIRouter(include_in_schema=False)
STAFF = ("staff", "admin")
PAGE = "/admin/local-catalogue"
MAX_YAML = 100_000


@router.get(PAGE)
def local_catalogue(request: Request, principal: Principal = allow(*STAFF), session: Session = Depends(get_session)):
    return _page(request, session)


def _page(request: Request, session: Session, *, error: XinyongError | None = None, form: dict | None = None,
          status_code: int = 200):
    lang, files = language(request), file_catalogue()
    items = [{"head": h, "current": v, "yaml": _yaml(v.definition), "history": service.history(session, h.code)}
             for h, v in repository.current(session)]
    return render(request, "catalogue/local.html", {
        "items": items, "categories": files.categories, "rules": merge.reference_rules(files),
        "form": form or {}, "error": page_error(error, lang)}, status_code=status_code)


@router.post(PAGE)
def add(request: Request, definition: str = TextForm("", max_length=MAX_YAML), reason: str = TextForm("", max_length=1000),
        principal: Principal = allow(*STAFF), session: Session = Depends(get_session)):
    form = {"code": "", "definition": definition, "reason": reason}
    return act_then_redirect(session, lambda: service.add(session, principal, _parsed(definition), reason),
                             f"{PAGE}?done=added", lambda exc: _page(request, session, error=exc, form=form,
                                                                      status_code=exc.status))


@router.post(PAGE + "/{code}")
def change(request: Request, code: str = CodePath(max_length=64), definition: str = TextForm("", max_length=MAX_YAML),
           reason: str = TextForm("", max_length=1000), principal: Principal = allow(*STAFF),
           session: Session = Depends(get_session)):
    form = {"code": code, "definition": definition, "reason": reason}
    return act_then_redirect(session, lambda: service.change(session, principal, code, _parsed(definition), reason),
                             f"{PAGE}?done=changed#item-{code}",
                             lambda exc: _page(request, session, error=exc, form=form, status_code=exc.status))


@router.post(PAGE + "/{code}/withdraw")
def withdraw(request: Request, code: str = CodePath(max_length=64), reason: str = TextForm("", max_length=1000),
             principal: Principal = allow(*STAFF), session: Session = Depends(get_session)):
    form = {"code": code, "reason": reason, "withdraw": True}
    return act_then_redirect(session, lambda: service.withdraw(session, principal, code, reason),
                             f"{PAGE}?done=withdrawn#item-{code}",
                             lambda exc: _page(request, session, error=exc, form=form, status_code=exc.status))


def _parsed(text: str) -> dict:
    """The YAML of the form, through the same schema (and text checks) as the JSON API."""
    try:
        data = yamlfiles.safe_load(text) if text.strip() else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{mark.line + 1}:{mark.column + 1}" if mark else "?"
        raise InvalidInput(f"定义不是有效的 YAML（第 {where} 处）", field="definition",
                           message_en=f"the definition is not valid YAML (at {where})") from None
    if not isinstance(data, dict):
        raise InvalidInput("请填写信息项定义", field="definition", message_en="give the item's definition")
    try:
        return ItemDefinitionIn.model_validate(data).as_definition()
    except ValidationError as exc:
        raise invalid_input(exc) from None


def _yaml(definition: dict) -> str:
    return yaml.safe_dump(definition, allow_unicode=True, sort_keys=False, width=120)
