"""The other organisations of the demo city, each with an account and something to see:
- a bank (金融机构, ``bank-demo``) that firm-demo's enterprise authorised in writing to read its
  penalties and licences for a loan (FZ art. 13 para. 3, QZ art. 33), and that has queried once;
- a court (司法机关, ``court-demo``) that queried the listed enterprise on a legal basis, a civil
  court inquiry with the number of its notice (FZ art. 13 para. 2-3);
- an industry association (行业协会商会, ``association-demo``) authorised by repair-demo's
  enterprise for a membership check, and registered as a receiver of the change feed.
The credit service agency (``credit-demo``) comes with the feed (xinyong.demo.complaints).
Through the real services; idempotent: what exists is kept, and the queries run once."""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.access import gate, service, views
from xinyong.access.schemas import AuthorisationIn
from xinyong.accounts.service import principal_of
from xinyong.agencies.service import register
from xinyong.feed import repository as feed_repository
from xinyong.feed import service as feed
from xinyong.models import Agency, Authorisation, Subject, User
from xinyong.synthetic import make_uscc


@dataclass(frozen=True)
class Org:
    username: str
    role: str
    kind: str
    name: str
    uscc_kind: str
    seed: int


BANK = Org("bank-demo", "financial", "financial", "泉州示范商业银行股份有限公司", "91", 4101)
COURT = Org("court-demo", "judicial", "judicial", "泉州市示范区人民法院", "11", 4102)
ASSOCIATION = Org("association-demo", "association", "association", "泉州市示范食品行业协会", "51", 4103)
ITEMS = ["penalty", "licence"]
COURT_BASIS, COURT_NOTICE = "civil_court_inquiry", "（2026）闽0502民初演示1号协助查询通知书"
FEED_BACKLOG = 5


def load(session: Session, ctx) -> list[str]:
    from xinyong.demo.complaints import _account
    from xinyong.demo.load import Account

    users, new = {}, set()
    for org in (BANK, COURT, ASSOCIATION):
        agency = _org(session, org)
        users[org.username] = _account(session, ctx, Account, org.username, org.role, f"{org.name}（演示）",
                                       agency_uscc=agency.uscc)
        if ctx.accounts[-1].created:
            new.add(org.username)
    lines = ["", "Banks, courts, associations (查询: each reads non-public information only on a basis)"]
    lines += _authorised_query(session, ctx, users[BANK.username], "firm-demo", "流动资金贷款授信审查（演示）")
    lines += _court_query(session, users[COURT.username], run=COURT.username in new)
    lines += _authorised_query(session, ctx, users[ASSOCIATION.username], "repair-demo", "会员入会信用审查（演示）")
    lines += _feed_receiver(session, users[ASSOCIATION.username])
    lines.append("  each queries at /agency/query; the subjects see who looked at /me/access-log")
    return lines


def _org(session: Session, org: Org) -> Agency:
    found = session.scalar(select(Agency).where(Agency.name == org.name))
    if found is None:
        found = register(session, uscc=make_uscc(random.Random(org.seed), kind=org.uscc_kind), name=org.name,
                         kind=org.kind)
    return found


def _authorised_query(session: Session, ctx, org_user: User, subject_username: str, purpose: str) -> list[str]:
    """The subject's written authorisation of the organisation, and one query under it."""
    subject_user = session.scalar(select(User).where(User.username == subject_username))
    if subject_user is None or subject_user.subject_id is None:
        return [f"  {org_user.username}: no {subject_username} account, no authorisation"]
    subject = session.get(Subject, subject_user.subject_id)
    auth = session.scalar(select(Authorisation).where(Authorisation.subject_id == subject.id,
                                                      Authorisation.grantee_org_id == org_user.agency_id))
    if auth is None:
        grantee = session.get(Agency, org_user.agency_id)
        auth = service.grant(session, principal_of(subject_user, "session"), AuthorisationIn(
            grantee_uscc=grantee.uscc, items=ITEMS, purpose=purpose, valid_to=ctx.today + dt.timedelta(days=180),
            signatory_name=subject.legal_rep_name or "法定代表人", signatory_capacity="legal_representative"),
            channel="web")
        views.read_profile(session, principal_of(org_user, "session"), subject.id, ITEMS, purpose,
                           gate.BasisRequest("authorisation", str(auth.id), channel="web"))
    return [f"  {org_user.username:<16} authorised by {subject_username} ({subject.name}, {subject.uscc}) as "
            f"authorisation {auth.id} for “{auth.purpose}”: query with basis 书面授权, that number and purpose"]


def _court_query(session: Session, court_user: User, run: bool) -> list[str]:
    """One query on a legal basis, when the court's account is new (a re-run adds none)."""
    listed = session.scalar(select(User).where(User.username == "list-demo"))
    subject = session.get(Subject, listed.subject_id) if listed is not None and listed.subject_id else None
    if subject is None:
        return ["  court-demo: no list-demo enterprise to query"]
    if COURT_BASIS not in gate.policy().legal_bases:
        return [f"  court-demo: the profile in force has no legal basis {COURT_BASIS}"]
    if run:
        views.read_profile(session, principal_of(court_user, "session"), subject.id, ITEMS,
                           "民事案件审理调查取证（演示）",
                           gate.BasisRequest("legal_basis", COURT_BASIS, COURT_NOTICE, channel="web"))
    return [f"  court-demo       queries {subject.name} ({subject.uscc}) on the legal basis {COURT_BASIS} "
            f"with notice number {COURT_NOTICE} at /agency/query"]


def _feed_receiver(session: Session, org_user: User) -> list[str]:
    receiver = feed_repository.receiver_of_org(session, org_user.agency_id)
    if receiver is None:
        staff = session.scalar(select(User).where(User.username == "staff"))
        receiver = feed.register_receiver(session, principal_of(staff, "cli") if staff else None, org_user.agency_id,
                                          "demo association receiver", backlog=FEED_BACKLOG)
    status = feed.status_of(session, receiver)
    return [f"  association-demo follows the change feed: {status.unacknowledged} change(s) to acknowledge at /feed"]
