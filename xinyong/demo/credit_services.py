"""The register of credit service agencies in the demo city (QZ art. 40-42; FZ art. 26-27), made
through the real services as the credit department: one filed agency with its objection and
service rules, a supervision that ordered and saw a rectification, and a complaint in the
profile's first category against it. Idempotent: when any agency is registered, nothing is added."""
from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.accounts.service import principal_of
from xinyong.complaints import service as complaints
from xinyong.complaints.schemas import ComplaintIn
from xinyong.credit_services import service
from xinyong.kit.access import ANONYMOUS
from xinyong.law import active_profile
from xinyong.demo.complaints import CREDIT_SERVICE_NAME
from xinyong.models import Agency, User
from xinyong.models.credit_service import CreditServiceAgency
from xinyong.synthetic import make_uscc

# the provision a department writes on its finding (data, as typed on the supervision record)
BASIS = {"quanzhou": "《泉州市社会信用条例》第四十二条", "fuzhou": "《福州市社会信用管理办法》第二十七条"}


def load(session: Session, ctx) -> list[str]:
    if session.scalar(select(func.count()).select_from(CreditServiceAgency)):
        return ["Credit service register: already loaded; public at /credit-services"]
    user = session.scalar(select(User).where(User.username == "staff")) or session.scalar(
        select(User).where(User.role == "staff").order_by(User.id))
    if user is None:
        return ["Credit service register: no staff account, nothing done"]
    staff, city, today = principal_of(user, "cli"), active_profile().title_zh, ctx.today
    # the demo's credit service organisation (it has accounts: xinyong.demo.complaints), if there is one
    org = session.scalar(select(Agency).where(Agency.name == CREDIT_SERVICE_NAME))
    agency = service.register(session, staff, {
        "uscc": org.uscc if org else make_uscc(random.Random(4042), kind="91"),
        "name": org.name if org else f"{city}诚信信用评估有限公司",
        "filing_no": f"XYFW-{today.year}-001", "filed_on": today - dt.timedelta(days=200),
        "business_scope": "企业信用评价、信用报告、信用管理咨询", "contact": "王经理 0595-22223333"})
    service.publish_rule(session, staff, agency.id, {
        "kind": "objection", "title": "信用信息异议处理规则",
        "body": "信用主体对本机构提供的信用信息有异议的，可书面提出；本机构在五个工作日内核查并书面答复。",
        "channel": "异议受理电话 0595-22224444"})
    service.publish_rule(session, staff, agency.id, {
        "kind": "service", "title": "信用服务规范", "body": "本机构遵循客观、公正和审慎的原则，不以承诺评价等级招揽业务。"})
    sup = service.record_supervision(session, staff, agency.id, {
        "kind": "routine", "inspected_on": today - dt.timedelta(days=40), "department": f"{city}发展和改革委员会",
        "findings": "宣传材料中有保证获得较高信用等级的表述", "outcome": "rectification_ordered",
        "basis": BASIS.get(active_profile().name, BASIS["quanzhou"]), "rectification_due": today - dt.timedelta(days=10)})
    service.record_rectification(session, staff, agency.id, sup.id, today - dt.timedelta(days=15),
                                 "已撤回相关宣传材料并对业务人员进行培训")
    lines = ["", "Credit service register (信用服务机构名录, QZ art. 40-42 / FZ art. 26-27)",
             f"  1 agency filed, with rules and a supervision: public at /credit-services, staff at /staff/credit-services"]
    category = next(iter(complaints.categories().items), None)
    if category is not None:
        complaints.file(session, ANONYMOUS, ComplaintIn(
            category=category.code, credit_service_id=agency.id, anonymous=True,
            summary="该机构向我司承诺付费后即可获得AAA信用评价等级。"))
        lines.append(f"  1 anonymous complaint in category {category.code} against it")
    return lines
