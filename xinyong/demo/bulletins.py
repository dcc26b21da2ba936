"""Bulletins in the demo city (通知公告 / 政策法规), made through the real service as the credit
department: two notices (one with a PDF attachment) and two policy entries that lead to the
regulation the platform applies and to the measure lists. Idempotent: when any bulletin
exists, nothing is added."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.accounts.service import principal_of
from xinyong.bulletins import service
from xinyong.kit.pdf import DocumentSpec, Section, render
from xinyong.law import active_profile
from xinyong.models import User
from xinyong.models.bulletin import Bulletin


def _notices(city: str, today: dt.date) -> list[dict]:
    year = today.year
    return [
        {"category": "notice", "title": f"关于开展{year}年度信用修复集中服务月活动的通知",
         "body": (f"各有关单位、各经营主体：\n\n为帮助失信主体及时纠正失信行为、重塑良好信用，{city}信用主管部门"
                  f"定于{year}年开展信用修复集中服务月活动。\n\n一、服务内容：对符合条件的行政处罚信息提供"
                  "在线修复申请指导，信用服务窗口提供现场咨询和材料预审。\n\n二、办理方式：经营主体可登录本平台"
                  "在线申请，或携带信用承诺书到信用服务窗口办理。\n\n特此通知。"),
         "document_no": f"{city[:1]}发改信用〔{year}〕3号", "related_path": "/services/repair",
         "published_on": today - dt.timedelta(days=3), "attach": True},
        {"category": "notice", "title": f"关于公布{year}年工作日历的公告",
         "body": ("根据国务院办公厅关于部分节假日安排的通知，本平台各项办理期限按工作日计算，现公布工作日历。"
                  "\n\n异议核查、信用修复、名单异议答复等期限均以工作日历为准。"),
         "document_no": None, "related_path": "/calendar", "published_on": today - dt.timedelta(days=20),
         "attach": False},
    ]


def _policies(today: dt.date) -> list[dict]:
    profile = active_profile()
    local = next((r for r in profile.regulations.values() if r.in_our_sources and r.id in ("QZ", "FZ")), None)
    rows = [{"category": "policy", "title": "联合奖惩措施清单",
             "body": "本市守信激励和失信惩戒措施清单已经发布，列明每项措施的适用情形、实施部门和依据。",
             "document_no": None, "related_path": "/measures", "published_on": today - dt.timedelta(days=10),
             "attach": False}]
    if local is not None:
        rows.append({"category": "policy", "title": f"《{local.title_zh}》",
                     "body": (f"《{local.title_zh}》自{local.effective_from.isoformat() if local.effective_from else ''}"
                              "起施行。本平台的公示期限、信用修复、名单、综合评价等规则均以其为依据。"),
                     "document_no": None, "related_path": f"/policies/regulations/{local.id}",
                     "published_on": local.effective_from or today, "attach": False})
    return rows


def _attachment(title: str, city: str) -> bytes:
    return render(DocumentSpec(title=title, number="附件", issuer=f"{city}发展和改革委员会", date_text="",
                               sections=[Section(paragraphs=["信用修复集中服务月活动安排（演示附件）。"])]))


def load(session: Session, ctx) -> list[str]:
    if session.scalar(select(func.count()).select_from(Bulletin)):
        return ["Bulletins: already loaded; public at /notices and /policies"]
    user = session.scalar(select(User).where(User.username == "staff")) or session.scalar(
        select(User).where(User.role.in_(service.STAFF_ROLES)).order_by(User.id))
    if user is None:
        return ["Bulletins: no staff account, nothing done"]
    staff, city = principal_of(user, "cli"), active_profile().title_zh
    made = 0
    for spec in _notices(city, ctx.today) + _policies(ctx.today):
        attach = spec.pop("attach")
        files = [service.Upload("活动安排.pdf", _attachment(spec["title"], city))] if attach else []
        b = service.create(session, staff, {**spec, "issuer": f"{city}发展和改革委员会"}, files)
        service.publish(session, staff, b.id)
        made += 1
    return ["", "Bulletins (通知公告 / 政策法规, QZ art. 10 para. 2, FZ art. 6)",
            f"  {made} published: /notices and /policies (also on the home page); staff edit them at /staff/bulletins"]
