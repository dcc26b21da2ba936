"""The query gate in the demo city: portal accounts for one enterprise whose file holds
non-public information (a penalty past its publicity period) and for one natural person, an
auditor, and the market regulator's query items — one published, one still a draft — made
through the same services an agency uses. Idempotent: what exists is kept as it was."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import and_, not_, or_, select
from sqlalchemy.orm import Session, aliased

from xinyong.access import service
from xinyong.access.schemas import QueryItemIn
from xinyong.accounts.service import create_user, principal_of
from xinyong.demo.city import City
from xinyong.kit.crypto import keyed_hash
from xinyong.models import QueryItem, Record, Subject, User

QUERY_AGENCY = "scjg"
QUERY_ITEMS = (  # (matter, items, legal basis, publish?)
    ("食品经营许可审查", ["penalty", "licence"], "《中华人民共和国食品安全法》第三十五条；《食品经营许可和备案管理办法》", True),
    ("特种设备生产单位许可审查", ["penalty", "licence", "abnormal_operation"],
     "《中华人民共和国特种设备安全法》第十八条", False),
)


@dataclass
class AccessDemo:
    accounts: list = field(default_factory=list)           # demo.load.Account
    enterprise: tuple[str, str] | None = None              # (name, USCC)
    person: str | None = None                              # the person's name
    query_items: list[tuple[int, str, str]] = field(default_factory=list)   # (id, matter, status)


def setup_access(session: Session, city: City, today: dt.date, password: str, account_type) -> AccessDemo:
    demo = AccessDemo()
    enterprise = _enterprise_with_hidden_penalty(session, today)
    person = _person(session, city)
    wanted = [("auditor", "auditor", "审计人员 / auditor", {})]
    if enterprise is not None:
        demo.enterprise = (enterprise.name, enterprise.uscc)
        wanted.append(("firm-demo", "subject", f"{enterprise.name}（主体账户）", {"subject_uscc": enterprise.uscc}))
    if person is not None:
        subject, resident_id = person
        demo.person = subject.name
        wanted.append(("person-demo", "subject", f"{subject.name[:1]}某（个人账户）", {"subject_resident_id": resident_id}))
    existing = set(session.scalars(select(User.username).where(User.username.in_([w[0] for w in wanted]))))
    for username, role, display, link in wanted:
        if username not in existing:
            create_user(session, username=username, password=password, role=role, display_name=display, **link)
        demo.accounts.append(account_type(username, role, display, username not in existing))
    demo.query_items = _query_items(session)
    return demo


def _enterprise_with_hidden_penalty(session: Session, today: dt.date) -> Subject | None:
    """The first legal person with a penalty past its publicity period and none public: what
    an organisation sees on the portal differs from what the gate lets it read."""
    ended = and_(Record.item_code == "penalty", Record.publicity_end <= today)
    other = aliased(Record)
    public_penalty = (select(other.id).where(other.subject_id == Subject.id, other.item_code == "penalty",
                                             or_(other.publicity_end.is_(None), other.publicity_end > today))
                      .exists())
    return session.scalar(select(Subject).join(Record, Record.subject_id == Subject.id)
                          .where(Subject.kind == "legal_person", Subject.uscc.is_not(None), ended, not_(public_penalty))
                          .order_by(Subject.id).limit(1))


def _person(session: Session, city: City) -> tuple[Subject, str] | None:
    """The first natural person of the city with records of their own."""
    ids = [s.person_id for s in city.subjects if s.kind == "natural_person" and s.person_id]
    by_hash = {keyed_hash(i): i for i in ids}
    if not by_hash:
        return None
    found = session.scalar(select(Subject).join(Record, Record.subject_id == Subject.id)
                           .where(Subject.resident_id_hash.in_(list(by_hash))).order_by(Subject.id).limit(1))
    return (found, by_hash[found.resident_id_hash]) if found else None


def _query_items(session: Session) -> list[tuple[int, str, str]]:
    user = session.scalar(select(User).where(User.username == f"agency-{QUERY_AGENCY}"))
    if user is None or user.agency_id is None:
        return []
    principal = principal_of(user, "cli")
    have = {q.matter: q for q in session.scalars(select(QueryItem).where(QueryItem.org_id == user.agency_id))}
    for matter, items, basis, publish in QUERY_ITEMS:
        if matter not in have:
            qi = service.create_query_item(session, principal, QueryItemIn(matter=matter, items=items, legal_basis=basis))
            if publish:
                service.publish_query_item(session, principal, qi.id)
            have[matter] = qi
    return [(have[m].id, m, have[m].status) for m, *_ in QUERY_ITEMS]


def summary_lines(demo: AccessDemo | None) -> list[str]:
    if demo is None:
        return []
    lines = ["", "Query gate (查询: who may read non-public information, and the log of every attempt)"]
    if demo.enterprise:
        name, uscc = demo.enterprise
        lines.append(f"  firm-demo speaks for {name} ({uscc}): a penalty past its publicity period, hidden on the")
        lines.append("            portal; see it at /me/profile, authorise an organisation at /me/authorisations")
    if demo.person:
        lines.append(f"  person-demo speaks for the natural person {demo.person[:1]}** (masked on the portal)")
    for item_id, matter, status in demo.query_items:
        lines.append(f"  query item {item_id:<4} {status:<9} agency-{QUERY_AGENCY}: {matter}")
    lines.append("  agency-scjg queries at /agency/query; the published items are listed at /query-items;")
    lines.append("  who looked: the subject at /me/access-log, the auditor at /audit/access-log")
    return lines
