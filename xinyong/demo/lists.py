"""Lists in the demo city, through the same services an agency uses: one enterprise with a
serious penalty run through proposal, prior notice, decision and publication (its notice went
out three weeks ago, so it is on the public list today), and a second one whose prior notice
went out today — still in its notice period, so its own account (list-demo) can object from
/me/lists and the agency can answer. Idempotent: a subject's existing procedure is kept."""
from __future__ import annotations

import contextlib
import datetime as dt
import os

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from xinyong.accounts.service import create_user, principal_of
from xinyong.lists import service
from xinyong.lists.schemas import ProposalIn
from xinyong.models import Record, Subject, User
from xinyong.models.listing import ListEntry, ListProposal

SUBJECT_ACCOUNT = "list-demo"
AVOID_ACCOUNTS = ("firm-demo",)       # other demo steps use that enterprise
PUBLISHED_DAYS_AGO = 21


@contextlib.contextmanager
def _as_of(day: dt.date):
    """Run a step as of an earlier day (the platform's clock is XINYONG_TODAY)."""
    before = os.environ.get("XINYONG_TODAY")
    os.environ["XINYONG_TODAY"] = day.isoformat()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("XINYONG_TODAY", None)
        else:
            os.environ["XINYONG_TODAY"] = before


def load(session: Session, ctx) -> list[str]:
    policy = service.current_policy(ctx.today)
    kind = next((k for k in policy.kinds.values() if k.punitive), None)
    if kind is None:
        return ["Lists: the profile runs no punitive list"]
    candidates = _candidates(session, kind, ctx.today)
    if len(candidates) < 2:
        return [f"Lists: fewer than two enterprises with an act classed serious, no demo {kind.key} listing"]
    (first, first_rec), (second, second_rec) = candidates[:2]
    published = _published(session, kind, first, first_rec, ctx.today)
    waiting = _waiting(session, kind, second, second_rec, ctx)
    agency_of = _agency_username(session, waiting.proposing_org_id)
    entry = session.scalar(select(ListEntry).where(ListEntry.proposal_id == published.id))
    return ["", f"Lists ({kind.name_zh}: QZ art. 20-23 / FZ art. 14, 16-18)",
            f"  published: {first.name} — procedure #{published.id}, entry "
            f"{'#' + str(entry.id) + ' ' + entry.status if entry else '(none)'}; see /lists, /lists/{kind.key}, "
            f"/lists/subject/{first.id}",
            f"  in its notice period: {second.name} — procedure #{waiting.id} ({waiting.status}); sign in as "
            f"{SUBJECT_ACCOUNT} and object at /me/lists,",
            f"            then answer as {agency_or(agency_of)} at /office/lists/proposals/{waiting.id} "
            f"and decide after the notice period (XINYONG_TODAY later)"]


def agency_or(username: str | None) -> str:
    return username or "(no agency account)"


def _candidates(session: Session, kind, today: dt.date) -> list[tuple[Subject, Record]]:
    """Enterprises with an active penalty (classed serious where the list requires it) whose
    publicity has not ended (it grounds no listing then), an agency account for its source, and
    no other demo account on them; first by subject id."""
    avoid = select(User.subject_id).where(User.username.in_(AVOID_ACCOUNTS), User.subject_id.is_not(None))
    agencies = select(User.agency_id).where(User.role == "agency", User.agency_id.is_not(None))
    stmt = (select(Subject, Record).join(Record, Record.subject_id == Subject.id)
            .where(Subject.kind == "legal_person", Subject.uscc.is_not(None), Record.item_code == "penalty",
                   Record.status == "active", Subject.id.not_in(avoid), Record.source_agency_id.in_(agencies),
                   or_(Record.publicity_end.is_(None), Record.publicity_end > today))
            .order_by(Subject.id, Record.id).limit(200))
    if kind.basis_severity:
        stmt = stmt.where(Record.severity.in_(kind.basis_severity))
    seen, out = set(), []
    for subject, record in session.execute(stmt):
        if subject.id not in seen:
            seen.add(subject.id)
            out.append((subject, record))
    return out


def _agency_username(session: Session, org_id: int) -> str | None:
    return session.scalar(select(User.username).where(User.agency_id == org_id, User.role == "agency")
                          .order_by(User.id).limit(1))


def _agency_principal(session: Session, org_id: int):
    user = session.scalar(select(User).where(User.agency_id == org_id, User.role == "agency").order_by(User.id).limit(1))
    return principal_of(user, "cli")


def _existing(session: Session, subject_id: int, kind: str) -> ListProposal | None:
    return session.scalar(select(ListProposal).where(ListProposal.subject_id == subject_id, ListProposal.kind == kind)
                          .order_by(ListProposal.id).limit(1))


def _body(kind, subject: Subject, record: Record) -> ProposalIn:
    fields = record.fields or {}   # stored under the catalogue's field codes
    facts = (fields.get("offence_facts") or "违法行为").rstrip("。")
    persons = [{"role": "legal_representative", "name": subject.legal_rep_name}] if subject.legal_rep_name else []
    return ProposalIn(kind=kind.key, subject_id=subject.id, category="health_safety", basis_record_ids=[record.id],
                      reasons=f"{record.decision_no}：{facts}，严重危害人民群众身体健康和生命安全。",
                      legal_basis="；".join(filter(None, [fields.get("legal_basis"),
                                                         "《国务院办公厅关于进一步完善失信约束制度构建诚信建设长效机制的指导意见》"
                                                         "（国办发〔2020〕49号）"])),
                      measures="依法限制参与政府采购、限制申请财政性资金项目、列为重点监管对象。",
                      responsible_persons=persons)


def _published(session: Session, kind, subject: Subject, record: Record, today: dt.date) -> ListProposal:
    found = _existing(session, subject.id, kind.key)
    if found is not None:
        return found
    agency = _agency_principal(session, record.source_agency_id)
    with _as_of(today - dt.timedelta(days=PUBLISHED_DAYS_AGO)):
        proposal = service.propose(session, agency, _body(kind, subject, record))
        service.send_notice(session, agency, proposal.id)
    with _as_of(today - dt.timedelta(days=1)):          # after the notice period (5 working days)
        service.decide(session, agency, proposal.id)
    service.publish(session, agency, proposal.id)
    return proposal


def _waiting(session: Session, kind, subject: Subject, record: Record, ctx) -> ListProposal:
    account = session.scalar(select(User).where(User.username == SUBJECT_ACCOUNT))
    display = f"{subject.name}（名单演示账户）"
    if account is None:
        create_user(session, username=SUBJECT_ACCOUNT, password=ctx.password, role="subject", display_name=display,
                    subject_uscc=subject.uscc)
    ctx.accounts.append(_account(ctx, SUBJECT_ACCOUNT, "subject", display, account is None))
    found = _existing(session, subject.id, kind.key)
    if found is not None:
        return found
    agency = _agency_principal(session, record.source_agency_id)
    proposal = service.propose(session, agency, _body(kind, subject, record))
    service.send_notice(session, agency, proposal.id)
    return proposal


def _account(ctx, username, role, display, created):
    from xinyong.demo.load import Account
    return Account(username, role, display, created)
