"""Complaints and the change feed in the demo city: a complaint about publication, filed by a
named member of the public and assigned by the credit department to the demo handler
(`handler-demo`, who alone sees who filed it; `supervisor-demo` approves a change of handler);
and a demo credit service agency registered as a
receiver of the change feed, with the newest changes still to acknowledge (they turn overdue
3 working days later: run `xinyong sweep` with a later XINYONG_TODAY). Through the real
services; idempotent: what exists is kept."""
from __future__ import annotations

import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts.service import create_user, principal_of
from xinyong.agencies.service import register
from xinyong.complaints import service as complaints
from xinyong.complaints.schemas import ComplaintIn
from xinyong.feed import repository as feed_repository
from xinyong.feed import service as feed
from xinyong.kit.access import ANONYMOUS
from xinyong.models import Agency, User
from xinyong.models.complaint import Complaint
from xinyong.synthetic import make_uscc

SUMMARY = "平台公示的一条行政处罚信息载有当事人的家庭住址，超出了公示范围，请核查并删除。（演示数据）"
CREDIT_SERVICE_NAME = "泉州市示范信用服务有限公司"
BACKLOG = 12


def load(session: Session, ctx) -> list[str]:
    from xinyong.demo.load import Account

    handler = _account(session, ctx, Account, "handler-demo", "staff", "投诉举报承办人 / complaint handler")
    # approves a change of handler another person asks for (four eyes, QZ art. 37 and 14)
    _account(session, ctx, Account, "supervisor-demo", "supervisor", "信用主管部门负责人 / supervisor")
    staff = session.scalar(select(User).where(User.username == "staff"))
    complaint = session.scalar(select(Complaint).where(Complaint.summary == SUMMARY))
    lines = []
    if complaint is None:
        filed = complaints.file(session, ANONYMOUS, ComplaintIn(
            kind="complaint", stage="publication", summary=SUMMARY, name="陈演示", contact="0595-00000000"))
        complaint = filed.complaint
        lines.append(f"complaint {complaint.tracking_code} filed; its reading secret: {filed.secret}")
    if complaint.status == "filed" and staff is not None:
        complaints.assign(session, principal_of(staff, "cli"), complaint.id, handler.id)
    lines.append(f"complaint #{complaint.id} ({complaint.status}) handled by handler-demo, who alone sees the "
                 f"complainant: /complaints/{complaint.id}")
    org = _credit_service(session)
    _account(session, ctx, Account, "credit-demo", "credit_service", "信用服务机构 / credit service agency",
             agency_uscc=org.uscc)
    receiver = feed_repository.receiver_of_org(session, org.id)
    if receiver is None:
        receiver = feed.register_receiver(session, principal_of(staff, "cli") if staff else None, org.id,
                                          "demo receiver", backlog=BACKLOG)
    status = feed.status_of(session, receiver)
    lines.append(f"feed receiver {org.name}: {status.unacknowledged} unacknowledged change(s), "
                 f"{status.overdue} overdue (/feed as credit-demo, /feed/receivers as staff)")
    return lines


def _credit_service(session: Session) -> Agency:
    org = session.scalar(select(Agency).where(Agency.name == CREDIT_SERVICE_NAME))
    if org is None:
        org = register(session, uscc=make_uscc(random.Random(3637), kind="11"), name=CREDIT_SERVICE_NAME,
                       kind="credit_service")
    return org


def _account(session, ctx, account_type, username, role, display, **link) -> User:
    user = session.scalar(select(User).where(User.username == username))
    created = user is None
    if created:
        user = create_user(session, username=username, password=ctx.password, role=role, display_name=display, **link)
    ctx.accounts.append(account_type(username, role, display, created))
    return user
