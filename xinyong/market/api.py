"""Market credit information API (QZ art. 12, 34 para. 2; FZ art. 8, 10). Thin: parse, authorise,
call the service, shape, commit. Batches go through xinyong.ingest like any batch, gated there."""
from __future__ import annotations

from fastapi import APIRouter, Depends, File, Form, Path, Query, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from xinyong.ingest import service as ingest, views as batches
from xinyong.ingest.api import read_upload
from xinyong.ingest.schemas import BatchOut, RejectionOut
from xinyong.kit.access import Principal, allow
from xinyong.kit.errors import NotFound
from xinyong.kit.text import Code, CodeForm, Text
from xinyong.kit.web import get_session
from xinyong.market import repository, service, views
from xinyong.market.schemas import (MAX_ID, AuthorisationIn, AuthorisationOut, ChannelIn, DecisionIn,
                                    MarketBatchIn, MarketRecordOut, ProviderIn, ProviderOut, ProviderRecordOut,
                                    PublishedProviderOut, ReasonIn)
from xinyong.models import Agency

router = APIRouter(tags=["market credit information 市场信用信息"])
PROVIDERS, STAFF = service.PROVIDER_ROLES, service.STAFF_ROLES


# ---- anyone ------------------------------------------------------------------------------------------

@router.get("/api/v1/market/providers/published", response_model=list[PublishedProviderOut],
            dependencies=[allow("public")])
def published_providers(session: Session = Depends(get_session)):
    """Approved providers with the objection rules and channel each publishes (QZ art. 34 para. 2)."""
    pol = service.policy()
    return [views.published_out(p, a, pol) for p, a in repository.providers(session, "approved")]


@router.get("/api/v1/subjects/{subject_id}/market", response_model=list[MarketRecordOut],
            dependencies=[allow("public")])
def public_market(subject_id: int = Path(ge=1, le=MAX_ID), session: Session = Depends(get_session)):
    """A subject's market credit information in view, apart from public credit information, each
    labelled with its provider. Natural persons' is never public."""
    pol = service.policy()
    return [views.record_out(r, name, pol) for r, name in service.public_of(session, subject_id)]


# ---- the subject ---------------------------------------------------------------------------------------

@router.get("/api/v1/me/market", response_model=list[MarketRecordOut])
def my_market(principal: Principal = allow("subject", scope="profiles:read"), session: Session = Depends(get_session)):
    pol = service.policy()
    return [views.record_out(r, name, pol) for r, name in service.mine(session, principal)]


@router.get("/api/v1/me/market/authorisations", response_model=list[AuthorisationOut])
def my_authorisations(principal: Principal = allow("subject", scope="profiles:read"),
                      session: Session = Depends(get_session)):
    return [views.authorisation_out(a, name) for a, name in
            repository.authorisations_of_subject(session, principal.subject_id or -1)]


@router.post("/api/v1/me/market/authorisations", response_model=AuthorisationOut, status_code=201)
def grant(body: AuthorisationIn, principal: Principal = allow("subject", scope="authorisations:write"),
          session: Session = Depends(get_session)):
    """Grant a provider a written authorisation for one market item (QZ art. 12 para. 2), and
    with ``publication`` the platform one to publish it (QZ art. 15 item 3)."""
    auth = service.grant(session, principal, provider_id=body.provider_id, item_code=body.item,
                         valid_from=body.valid_from, valid_to=body.valid_to, publication=body.publication)
    session.commit()
    return views.authorisation_out(auth, _provider_name(session, auth.provider_id))


@router.post("/api/v1/me/market/authorisations/{auth_id}/revoke", response_model=AuthorisationOut)
def revoke(auth_id: int = Path(ge=1, le=MAX_ID), principal: Principal = allow("subject", scope="authorisations:write"),
           session: Session = Depends(get_session)):
    auth = service.revoke(session, principal, auth_id)
    session.commit()
    return views.authorisation_out(auth, _provider_name(session, auth.provider_id))


def _provider_name(session: Session, provider_id: int) -> str:
    found = repository.provider_with_agency(session, provider_id)
    return found[1].name if found else ""


# ---- the provider ------------------------------------------------------------------------------------

@router.get("/api/v1/market/provider", response_model=ProviderOut)
def own_provider(principal: Principal = allow(*PROVIDERS), session: Session = Depends(get_session)):
    provider = service.own_provider(session, principal)
    if provider is None:
        raise NotFound("本单位尚未申请", message_en="your organisation has not applied")
    return views.provider_out(provider, session.get(Agency, provider.agency_id))


@router.post("/api/v1/market/provider", response_model=ProviderOut, status_code=201)
def apply(body: ProviderIn, principal: Principal = allow(*PROVIDERS), session: Session = Depends(get_session)):
    """Apply to provide market credit information: business scope, 征信 licence if any, and the
    objection rules and channel to publish."""
    provider = service.apply(session, principal, scope=body.scope, licence=body.credit_reporting_licence,
                             objection_rules=body.objection_rules, objection_channel=body.objection_channel)
    session.commit()
    return views.provider_out(provider, session.get(Agency, provider.agency_id))


@router.post("/api/v1/market/provider/channel", response_model=ProviderOut)
def update_channel(body: ChannelIn, principal: Principal = allow(*PROVIDERS), session: Session = Depends(get_session)):
    provider = service.update_channel(session, principal, objection_rules=body.objection_rules,
                                      objection_channel=body.objection_channel)
    session.commit()
    return views.provider_out(provider, session.get(Agency, provider.agency_id))


@router.post("/api/v1/market/provider/withdraw", response_model=ProviderOut)
def withdraw_provider(body: ReasonIn, principal: Principal = allow(*PROVIDERS), session: Session = Depends(get_session)):
    """Stop providing: every market record of the provider leaves view."""
    provider = service.withdraw_provider(session, principal, body.reason)
    session.commit()
    return views.provider_out(provider, session.get(Agency, provider.agency_id))


def _source(session: Session, principal: Principal) -> str:
    return session.get(Agency, principal.agency_id).uscc if principal.agency_id else ""


def _answer(session: Session, batch_id: int) -> JSONResponse:
    batch = batches.get_for(session, service.SYSTEM, batch_id)
    body = batches.batch_out(batch, None).model_dump(mode="json")
    return JSONResponse(body, status_code=201 if batch.status == "completed" else 422)


@router.post("/api/v1/market/batches", response_model=BatchOut, status_code=201,
             responses={422: {"description": "batch refused"}})
def submit_json(body: MarketBatchIn, principal: Principal = allow(*PROVIDERS), session: Session = Depends(get_session)):
    """Share market information rows as JSON; rows without an authorisation in force come back."""
    outcome = ingest.ingest_rows(session, rows=body.rows, source_uscc=_source(session, principal), item_code=body.item,
                                 user_id=principal.user_id, change_reason=body.change_reason, actor=principal)
    return _answer(session, outcome.batch_id)


@router.post("/api/v1/market/batches/file", response_model=BatchOut, status_code=201,
             responses={422: {"description": "batch refused"}})
async def submit_file(item: str = CodeForm(...), file: UploadFile = File(...), change_reason: Text | None = Form(None),
                      principal: Principal = allow(*PROVIDERS), session: Session = Depends(get_session)):
    data = await read_upload(file)

    def submit():   # the source's look-up, reading and writing the file: blocking work, off the event loop
        outcome = ingest.ingest_file(session, data=data, filename=file.filename or "upload.csv",
                                     source_uscc=_source(session, principal), item_code=item, channel="api",
                                     user_id=principal.user_id, change_reason=change_reason, actor=principal)
        return _answer(session, outcome.batch_id)
    return await run_in_threadpool(submit)


@router.get("/api/v1/market/batches/{batch_id}", response_model=BatchOut)
def get_batch(batch_id: int = Path(ge=1, le=MAX_ID), principal: Principal = allow(*PROVIDERS), session: Session = Depends(get_session)):
    return batches.batch_out(batches.get_for(session, principal, batch_id), None)


@router.get("/api/v1/market/batches/{batch_id}/rejections", response_model=list[RejectionOut])
def get_rejections(batch_id: int = Path(ge=1, le=MAX_ID), principal: Principal = allow(*PROVIDERS), session: Session = Depends(get_session)):
    """The rows returned for review, each with its reason and citation."""
    return batches.rejections_for(session, principal, batch_id, 1000, 0)


@router.get("/api/v1/market/records", response_model=list[ProviderRecordOut])
def provider_records(principal: Principal = allow(*PROVIDERS), session: Session = Depends(get_session)):
    provider = service.own_provider(session, principal)
    rows = repository.records_of_provider(session, provider.agency_id) if provider else []
    return [views.provider_record_out(r, name) for r, name in rows]


@router.post("/api/v1/market/records/{record_id}/withdraw", response_model=ProviderRecordOut)
def withdraw_record(body: ReasonIn, record_id: int = Path(ge=1, le=MAX_ID), principal: Principal = allow(*PROVIDERS),
                    session: Session = Depends(get_session)):
    record = service.withdraw_record(session, principal, record_id, body.reason)
    session.commit()
    return views.provider_record_out(record, "")


# ---- the credit department ----------------------------------------------------------------------------

@router.get("/api/v1/market/providers", response_model=list[ProviderOut])
def all_providers(status: Code | None = Query(None, pattern="^(pending|approved|refused|withdrawn)$"),
                  principal: Principal = allow(*STAFF), session: Session = Depends(get_session)):
    return [views.provider_out(p, a) for p, a in repository.providers(session, status)]


@router.post("/api/v1/market/providers/{provider_id}/decision", response_model=ProviderOut)
def decide(body: DecisionIn, provider_id: int = Path(ge=1, le=2**31 - 1), principal: Principal = allow(*STAFF),
           session: Session = Depends(get_session)):
    """Approve or refuse an application to provide market credit information."""
    provider = service.decide(session, principal, provider_id, approve=body.approve, reason=body.reason)
    session.commit()
    return views.provider_out(provider, session.get(Agency, provider.agency_id))
