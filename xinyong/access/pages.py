"""Portal pages of the query gate for subjects and the public: my authorisations (grant,
revoke), who looked at my data, my own information (free, QZ art. 10), and the published
query items and legal bases (FZ art. 13 para. 2: 向社会公布)."""
from __future__ import annotations

import base64
import datetime as dt

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.access import gate, repository, service, signatory, views
from xinyong.access.schemas import AuthorisationIn
from xinyong.agencies import service as agencies
from xinyong.catalogue import get_catalogue
from xinyong.kit.access import Principal, allow
from xinyong.kit.errors import InvalidInput, XinyongError
from xinyong.kit.web import get_session, language, page_error, render
from xinyong.kit.text import Code, CodeForm, TextForm, invalid_input
from xinyong.web.i18n import translate

router = APIRouter(include_in_schema=False)
MAX_ID = 2**63 - 1
LOG_PAGE = 50


def form_invalid(exc: ValidationError) -> InvalidInput:
    return invalid_input(exc)   # names a forbidden class or a control character, never the value


def item_choices(lang: str, policy=None) -> list[tuple[str, str]]:
    """(code, name) of every catalogue item and restricted class, for check boxes."""
    policy = policy or gate.policy()
    choices = [(i.code, i.name_zh if lang == "zh" else i.name_en) for i in get_catalogue().items]
    label = translate("access.restricted_class", lang)
    names = policy.restricted if lang == "zh" else policy.restricted_en
    sep = "：" if lang == "zh" else ": "
    choices += [(code, f"{label}{sep}{names[code.split(':', 1)[1]]}") for code in policy.restricted_items]
    return choices


def item_names(lang: str) -> dict[str, str]:
    return dict(item_choices(lang))


# ---- my authorisations --------------------------------------------------------------------------------

@router.get("/me/authorisations")
def my_authorisations(request: Request, granted: int | None = Query(None, ge=1, le=MAX_ID),
                      principal: Principal = allow("subject"), session: Session = Depends(get_session)):
    return _authorisations_page(request, session, principal, granted=granted)


@router.post("/me/authorisations")
def grant(request: Request, grantee_uscc: str = CodeForm(""), items: list[Code] = Form([]), purpose: str = TextForm(""),
          valid_to: str = CodeForm(""), document_ref: str = TextForm(""), restricted_consent: str = CodeForm(""),
          signatory_name: str = TextForm("", max_length=100), signatory_capacity: str = CodeForm("", max_length=24),
          power_of_attorney: UploadFile | None = File(None),
          principal: Principal = allow("subject"), session: Session = Depends(get_session)):
    form = {"grantee_uscc": grantee_uscc, "items": items, "purpose": purpose, "valid_to": valid_to,
            "document_ref": document_ref, "restricted_consent": bool(restricted_consent),
            "signatory_name": signatory_name, "signatory_capacity": signatory_capacity,
            "power_of_attorney": read_power_of_attorney(power_of_attorney)}
    try:
        data = grant_form(form)
        auth = service.grant(session, principal, data, lang=language(request), channel="web")
    except XinyongError as exc:
        session.rollback()
        return _authorisations_page(request, session, principal, form=form, error=exc, status_code=exc.status)
    session.commit()
    return RedirectResponse(f"/me/authorisations?granted={auth.id}", status_code=303)


def read_power_of_attorney(upload: UploadFile | None) -> bytes:
    """The uploaded power of attorney, read one byte past the limit so an oversize file is refused."""
    if upload is None or not upload.filename:
        return b""
    return upload.file.read(signatory.MAX_POA_BYTES + 1)


def grant_form(form: dict, model: type[AuthorisationIn] = AuthorisationIn) -> AuthorisationIn:
    """A grant form's fields as the API's model (the subject's, or staff's at the window)."""
    try:
        valid_to = dt.date.fromisoformat(form["valid_to"])
    except ValueError:
        raise InvalidInput("请选择截止日期", field="valid_to", message_en="choose the end date") from None
    try:
        return model(grantee_uscc=form["grantee_uscc"], items=form["items"], purpose=form["purpose"],
                     valid_to=valid_to, document_ref=form["document_ref"],
                     restricted_consent=form["restricted_consent"], signatory_name=form.get("signatory_name", ""),
                     signatory_capacity=form.get("signatory_capacity", ""),
                     power_of_attorney_b64=base64.b64encode(form.get("power_of_attorney") or b"").decode())
    except ValidationError as exc:
        raise form_invalid(exc) from None


@router.post("/me/authorisations/{auth_id}/revoke")
def revoke(auth_id: int = Path(ge=1, le=MAX_ID), reason: str = TextForm("", max_length=500),
           principal: Principal = allow("subject"), session: Session = Depends(get_session)):
    service.revoke(session, principal, auth_id, reason)
    session.commit()
    return RedirectResponse("/me/authorisations", status_code=303)


def _authorisations_page(request: Request, session: Session, principal: Principal, *, form: dict | None = None,
                         error: XinyongError | None = None, granted: int | None = None, status_code: int = 200):
    lang, policy = language(request), gate.policy()
    rows = repository.authorisations_of(session, principal.subject_id)
    ctx = {
        "authorisations": [views.authorisation_out(*row) for row in rows], "granted": granted,
        "organisations": agencies.list_in_standing(session),
        "choices": item_choices(lang, policy), "item_names": item_names(lang),
        "consent_notice": (policy.consent_notice or {}).get(lang), "notice": policy.notices.get("authorisation", {}).get(lang),
        "citation": policy.citations.get("authorisation"), "form": form or {"items": []},
        "error": page_error(error, lang), "today": clock.today(),
    }
    return render(request, "access/my_authorisations.html", ctx, status_code=status_code)


# ---- who looked at my data ----------------------------------------------------------------------------

@router.get("/me/access-log")
def my_access_log(request: Request, page: int = Query(1, ge=1, le=10_000), principal: Principal = allow("subject"),
                  session: Session = Depends(get_session)):
    found = views.my_log(session, principal, LOG_PAGE + 1, (page - 1) * LOG_PAGE, language(request))
    ctx = {"entries": found[:LOG_PAGE], "page": page, "has_next": len(found) > LOG_PAGE, "pager_query": "",
           "item_names": item_names(language(request))}
    return render(request, "access/my_access_log.html", ctx)


@router.get("/me/access-log/{entry_id}")
def my_access_log_entry(request: Request, entry_id: int = Path(ge=1, le=MAX_ID), on: dt.date | None = Query(None),
                        principal: Principal = allow("subject"), session: Session = Depends(get_session)):
    entry = views.my_log_entry(session, principal, entry_id, language(request), on=on)
    return render(request, "access/access_log_entry.html", {"entry": entry, "item_names": item_names(language(request))})


@router.get("/me/profile")
def my_profile(request: Request, principal: Principal = allow("subject"), session: Session = Depends(get_session)):
    """My own information, public or not, free of charge (QZ art. 10 para. 2); logged like any read."""
    codes = [i.code for i in get_catalogue().items]
    read = views.read_profile(session, principal, principal.subject_id, codes, "",
                              gate.BasisRequest("self", channel="web"))
    session.commit()
    if read.profile is None:
        raise views.refusal(read.decision)
    from xinyong.objections.rights import rule as rights_rule
    rights = rights_rule(clock.today())
    return render(request, "access/my_profile.html", {
        "profile": read.profile, "rights_items": frozenset(rights.value["items"]) if rights else frozenset(),
        "rights_citation": str(rights.citation) if rights else ""})


# ---- published query items and legal bases (public) ---------------------------------------------------

@router.get("/query-items", dependencies=[allow("public")])
def query_items(request: Request, session: Session = Depends(get_session)):
    lang, policy = language(request), gate.policy()
    ctx = {"query_items": [views.query_item_out(q, a) for q, a in repository.query_items(session, published_only=True)],
           "legal_bases": views.legal_bases_out(), "item_names": item_names(lang),
           "notice": policy.notices.get("query_item", {}).get(lang), "citation": policy.citations.get("query_item"),
           "legal_citation": policy.citations.get("legal_basis")}
    return render(request, "access/query_items.html", ctx)
