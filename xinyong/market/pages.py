"""Pages of market credit information: the public list of providers with their objection rules
and channels (/market/providers); the subject's market information and written authorisations
(/me/market); the provider's workbench — application, published channel, batches, records,
objections routed to it (/provider/market); the credit department's approvals
(/staff/market/providers). The public subject page shows market information in its own
labelled section (template market/_public.html, through ``public_section``)."""
from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from xinyong.catalogue import get_catalogue
from xinyong.ingest import service as ingest, views as batches
from xinyong.ingest.api import read_upload
from xinyong.kit.access import Principal, allow
from xinyong.kit.errors import InvalidInput, XinyongError
from xinyong.kit.text import Code, CodeForm, CodeQuery, TextForm
from xinyong.kit.web import awaited_for_later, get_session, language, page_error, render
from xinyong.market import repository, service, views
from xinyong.market.schemas import MAX_ID
from xinyong.models import Agency
from xinyong.objections import repository as objections

router = APIRouter(include_in_schema=False)
PROVIDERS, STAFF = service.PROVIDER_ROLES, service.STAFF_ROLES


def _policy_or_none():
    try:
        return service.policy()
    except LookupError:   # no market rule in force today
        return None


def public_section(session: Session, subject_id: int) -> list:
    """The subject page's market section: labelled records with their providers (or none)."""
    pol = _policy_or_none()
    return [] if pol is None else [views.record_out(r, n, pol) for r, n in service.public_of(session, subject_id)]


def market_items() -> list:
    return [i for i in get_catalogue().items if i.source == "market"]


# ---- anyone ----------------------------------------------------------------------------------------------

@router.get("/market/providers", dependencies=[allow("public")])
def published(request: Request, session: Session = Depends(get_session)):
    pol = _policy_or_none()
    rows = [views.published_out(p, a, pol) for p, a in repository.providers(session, "approved")] if pol else []
    return render(request, "market/providers.html", {"providers": rows, "policy": pol})


# ---- the subject -----------------------------------------------------------------------------------------

@router.get("/me/market")
def mine(request: Request, done: str = CodeQuery("", max_length=16), principal: Principal = allow("subject"),
         session: Session = Depends(get_session)):
    return _mine(request, session, principal, done=done)


def _mine(request, session, principal, *, done="", form=None, error=None, status_code=200):
    pol = _policy_or_none()
    records = [views.record_out(r, n, pol) for r, n in service.mine(session, principal)] if pol else []
    shown = {r.id for r, _ in service.public_of(session, principal.subject_id)} if records else set()
    auths = [views.authorisation_out(a, n) for a, n in repository.authorisations_of_subject(session, principal.subject_id)]
    providers = [views.published_out(p, a, pol) for p, a in repository.providers(session, "approved")] if pol else []
    return render(request, "market/mine.html", {
        "records": records, "public_ids": shown, "authorisations": auths,
        "can_publish": service.may_publish(session, principal.subject_id), "providers": providers, "items": market_items(),
        "policy": pol, "done": done, "form": form or {}, "error": page_error(error, language(request))},
        status_code=status_code)


def _date(text: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput("请填写日期（年-月-日）", field=field, message_en="enter a date (YYYY-MM-DD)") from None


@router.post("/me/market/authorisations")
def grant(request: Request, provider_id: str = CodeForm(""), item: str = CodeForm(""), valid_from: str = CodeForm(""),
          valid_to: str = CodeForm(""), publication: str = CodeForm("", max_length=8), principal: Principal = allow("subject"),
          session: Session = Depends(get_session)):
    form = {"provider_id": provider_id, "item": item, "valid_from": valid_from, "valid_to": valid_to,
            "publication": publication}
    try:
        if not provider_id.isdigit() or not 1 <= int(provider_id) < 2**31:
            raise InvalidInput("请选择提供单位", field="provider_id", message_en="choose a provider")
        service.grant(session, principal, provider_id=int(provider_id), item_code=item,
                      valid_from=_date(valid_from, "valid_from"), valid_to=_date(valid_to, "valid_to"),
                      publication=publication == "yes", lang=language(request))
    except XinyongError as exc:
        session.rollback()
        return _mine(request, session, principal, form=form, error=exc, status_code=exc.status)
    session.commit()
    return RedirectResponse("/me/market?done=granted", status_code=303)


@router.post("/me/market/authorisations/{auth_id}/revoke")
def revoke(request: Request, auth_id: int = Path(ge=1, le=MAX_ID), principal: Principal = allow("subject"),
           session: Session = Depends(get_session)):
    service.revoke(session, principal, auth_id)
    session.commit()
    return RedirectResponse("/me/market?done=revoked", status_code=303)


# ---- the provider ----------------------------------------------------------------------------------------

@router.get("/provider/market")
def workbench(request: Request, done: str = CodeQuery("", max_length=16), batch: int | None = Query(None, ge=1, le=MAX_ID),
              principal: Principal = allow(*PROVIDERS), session: Session = Depends(get_session)):
    return _workbench(request, session, principal, done=done, batch_id=batch)


def _workbench(request, session, principal, *, done="", batch_id=None, form=None, error=None, status_code=200):
    provider = service.own_provider(session, principal)
    agency = session.get(Agency, principal.agency_id) if principal.agency_id else None
    ctx = {"provider": views.provider_out(provider, agency) if provider else None, "policy": _policy_or_none(),
           "items": market_items(), "done": done, "form": form or {}, "error": page_error(error, language(request)),
           "records": [], "objections": [], "batch": None, "returned": [], "authorisations": [],
           "item_names": {i.code: views.item_name(i.code) for i in market_items()}}
    if provider is not None:
        ctx["records"] = [views.provider_record_out(r, n) for r, n in repository.records_of_provider(session, provider.agency_id)]
        ctx["objections"] = objections.page(session, objections.ObjectionFilter(agency_id=provider.agency_id), 50, 0)
        ctx["authorisations"] = repository.authorisations_to_provider(session, provider.id, 100)
    if batch_id is not None:
        row = batches.get_for(session, principal, batch_id)
        ctx["batch"] = batches.batch_out(row, None)
        ctx["batch_refusal"] = batches.refusal_text(row, language(request))   # the page's language alone
        ctx["returned"] = batches.rejections_for(session, principal, batch_id, 200, 0)
    return render(request, "market/provider.html", ctx, status_code=status_code)


@router.post("/provider/market/apply")
def apply(request: Request, scope: list[Code] = Form([]), licence: str = CodeForm("", max_length=100),
          objection_rules: str = TextForm("", max_length=4000), objection_channel: str = TextForm("", max_length=500),
          principal: Principal = allow(*PROVIDERS), session: Session = Depends(get_session)):
    form = {"scope": scope, "licence": licence, "objection_rules": objection_rules, "objection_channel": objection_channel}
    try:
        service.apply(session, principal, scope=scope, licence=licence, objection_rules=objection_rules,
                      objection_channel=objection_channel)
    except XinyongError as exc:
        session.rollback()
        return _workbench(request, session, principal, form=form, error=exc, status_code=exc.status)
    session.commit()
    return RedirectResponse("/provider/market?done=applied", status_code=303)


@router.post("/provider/market/channel")
def channel(request: Request, objection_rules: str = TextForm("", max_length=4000),
            objection_channel: str = TextForm("", max_length=500), principal: Principal = allow(*PROVIDERS),
            session: Session = Depends(get_session)):
    try:
        service.update_channel(session, principal, objection_rules=objection_rules, objection_channel=objection_channel)
    except XinyongError as exc:
        session.rollback()   # the refused edit comes back as sent
        return _workbench(request, session, principal, error=exc, status_code=exc.status,
                          form={"channel_sent": True, "objection_rules": objection_rules,
                                "objection_channel": objection_channel})
    session.commit()
    return RedirectResponse("/provider/market?done=channel", status_code=303)


@router.post("/provider/market/batches")
async def upload(request: Request, item: str = CodeForm(""), file: UploadFile = File(...),
                 principal: Principal = allow(*PROVIDERS), session: Session = Depends(get_session)):
    read = await awaited_for_later(read_upload(file))

    def ingest_it():   # the source's look-up, reading and writing the file: blocking work, off the event loop
        try:
            data = read()   # a refused upload first, as before
            source = session.get(Agency, principal.agency_id).uscc if principal.agency_id else ""
            outcome = ingest.ingest_file(session, data=data, filename=file.filename or "upload.csv", source_uscc=source,
                                         item_code=item, channel="web", user_id=principal.user_id, actor=principal)
        except XinyongError as exc:
            session.rollback()
            return _workbench(request, session, principal, error=exc, status_code=exc.status)
        return RedirectResponse(f"/provider/market?batch={outcome.batch_id}", status_code=303)
    return await run_in_threadpool(ingest_it)


@router.post("/provider/market/records/{record_id}/withdraw")
def withdraw_record(request: Request, record_id: int = Path(ge=1, le=MAX_ID), reason: str = TextForm("", max_length=2000),
                    principal: Principal = allow(*PROVIDERS), session: Session = Depends(get_session)):
    try:
        service.withdraw_record(session, principal, record_id, reason)
    except XinyongError as exc:
        session.rollback()
        if exc.status == 404:
            raise
        return _workbench(request, session, principal, error=exc, status_code=exc.status)
    session.commit()
    return RedirectResponse("/provider/market?done=withdrawn", status_code=303)


@router.post("/provider/market/withdraw")
def withdraw_provider(request: Request, reason: str = TextForm("", max_length=2000),
                      principal: Principal = allow(*PROVIDERS), session: Session = Depends(get_session)):
    try:
        service.withdraw_provider(session, principal, reason)
    except XinyongError as exc:
        session.rollback()
        return _workbench(request, session, principal, error=exc, status_code=exc.status)
    session.commit()
    return RedirectResponse("/provider/market?done=stopped", status_code=303)


# ---- the credit department ---------------------------------------------------------------------------------

@router.get("/staff/market/providers")
def staff_providers(request: Request, done: str = CodeQuery("", max_length=16), principal: Principal = allow(*STAFF),
                    session: Session = Depends(get_session)):
    return _staff(request, session, done=done)


def _staff(request, session, *, done="", error=None, status_code=200):
    rows = [views.provider_out(p, a) for p, a in repository.providers(session)]
    return render(request, "market/staff.html", {"providers": rows, "policy": _policy_or_none(), "done": done,
                                                 "error": page_error(error, language(request))}, status_code=status_code)


@router.post("/staff/market/providers/{provider_id}/decision")
def staff_decide(request: Request, provider_id: int = Path(ge=1, le=2**31 - 1), approve: str = CodeForm(""),
                 reason: str = TextForm("", max_length=2000), principal: Principal = allow(*STAFF),
                 session: Session = Depends(get_session)):
    try:
        service.decide(session, principal, provider_id, approve=approve == "1", reason=reason)
    except XinyongError as exc:
        session.rollback()
        if exc.status == 404:
            raise
        return _staff(request, session, error=exc, status_code=exc.status)
    session.commit()
    return RedirectResponse("/staff/market/providers?done=decided", status_code=303)
