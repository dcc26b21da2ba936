"""Market credit information in the demo city (issue 15 point 2, QZ art. 12): bank-demo registers
as a provider and staff approve it; firm-demo's enterprise authorises it in writing for contract
performance, and the platform to publish it; the bank sends firm-demo's contract row; firm-demo objects to it, and the objection
waits on the bank's workbench (/provider/market). (A row without an authorisation would come back
for review: tests/market/test_flow.py; the demo's returned rows are the city files' own.) Through the real services; idempotent: once the bank is a
provider nothing is done again."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts.service import principal_of
from xinyong.ingest.service import ingest_rows
from xinyong.market import repository, service
from xinyong.models import Agency, Record, Subject, User
from xinyong.objections import service as objections

ITEM = "contract_performance"


def load(session: Session, ctx) -> list[str]:
    bank_user, firm_user, staff = (session.scalar(select(User).where(User.username == n))
                                   for n in ("bank-demo", "firm-demo", "staff"))
    if bank_user is None or firm_user is None or staff is None or firm_user.subject_id is None:
        return ["", "Market credit information: no bank-demo, firm-demo or staff account, nothing shared"]
    bank = session.get(Agency, bank_user.agency_id)
    lines = ["", "Market credit information (市场信用信息, QZ art. 12): shown apart, labelled with its provider"]
    if repository.provider_of_agency(session, bank.id) is None:
        _share(session, ctx, principal_of(bank_user, "session"), principal_of(firm_user, "session"),
               principal_of(staff, "session"), bank)
    lines += [f"  bank-demo provides market information (/provider/market); firm-demo authorised it and sees its "
              f"contract record at /me/market, with an objection waiting on the bank's workbench",
              "  the providers' objection rules and channels are public at /market/providers"]
    return lines


def _share(session: Session, ctx, bank, firm, staff, agency: Agency) -> None:
    provider = service.apply(session, bank, scope=["own_business"], licence=None,
                             objection_rules="收到异议后5个工作日内核查，书面答复异议人；核查期间标注异议处理中。",
                             objection_channel="泉州示范商业银行信用管理部，电话 0595-22220000（演示）")
    service.decide(session, staff, provider.id, approve=True, reason="")
    service.grant(session, firm, provider_id=provider.id, item_code=ITEM, valid_from=ctx.today,
                  valid_to=ctx.today + dt.timedelta(days=365), publication=True)   # and published (QZ art. 15 item 3)
    rows = [_row(session.get(Subject, firm.subject_id), "示范银贷〔2026〕001号", "逾期履行", ctx.today)]
    outcome = ingest_rows(session, rows=rows, source_uscc=agency.uscc, item_code=ITEM, user_id=bank.user_id,
                          actor=bank, commit=False)
    record = session.scalar(select(Record).where(Record.batch_id == outcome.batch_id).order_by(Record.id))
    if record is not None:
        objections.file_objection(session, firm, record_id=record.id, grounds=["error"],
                                  reasons="该笔贷款已按期归还，逾期记载有误（演示）", channel="web")


def _row(subject: Subject, no: str, status: str, day: dt.date) -> dict:
    return {"主体名称": subject.name, "主体类别": "法人及非法人组织", "统一社会信用代码": subject.uscc, "合同编号": no,
            "签订日期": (day - dt.timedelta(days=200)).isoformat(), "合同类型": "借款合同", "合同金额(万元)": "300",
            "履行状态": status, "履行情况": "流动资金贷款（演示）"}
