"""The public credit evaluation in the demo city (QZ art. 16-17, 26-27): two government-breach
records of a public body (an unpaid public-procurement contract and an unkept investment
promise) through the normal ingest path, one sector evaluation filed for firm-demo's
enterprise, then a full recompute. Idempotent: re-sent decisions are unchanged, the sector
evaluation is filed once, and the recompute replaces the model version's own rows."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.audit import command_line_actor
from xinyong.evaluation import sector, service
from xinyong.ingest.service import ingest_rows
from xinyong.models import Agency, Subject, User
from xinyong.models.evaluation import SectorEvaluation

BODY_KEY = "zjj"          # 泉州市住房和城乡建设局: the public body whose own breaches are recorded
SOURCE_KINDS = ("credit_department",)


def _breaches(name: str, uscc: str, year: int) -> list[dict]:
    common = {"失信机关名称": name, "主体类别": "法人及非法人组织", "统一社会信用代码": uscc}
    return [
        {**common, "认定文号": f"泉政信〔{year}〕1号", "认定日期": f"{year}-03-16", "失信类型": "合同违约",
         "领域": "政府采购", "相对方名称": "泉州市鸿达建筑工程有限公司",
         "失信事实": "保障性住房配套工程验收合格后逾期 14 个月未支付合同尾款 386 万元", "整改情况": "已制定还款计划",
         "失信严重程度": "严重"},
        {**common, "认定文号": f"泉政信〔{year}〕2号", "认定日期": f"{year}-05-20", "失信类型": "政策承诺未兑现",
         "领域": "招商引资", "相对方名称": "泉州市智造科技有限公司",
         "失信事实": "招商引资协议承诺的厂房租金补贴因机构调整未予兑现", "失信严重程度": "一般"},
    ]


def load(session: Session, ctx) -> list[str]:
    lines = []
    body = next((a for a in ctx.city.agencies if a.spec.key == BODY_KEY), ctx.city.agencies[-1])
    source = session.scalar(select(Agency).where(Agency.kind.in_(SOURCE_KINDS), Agency.active.is_(True))
                            .order_by(Agency.id)) or session.scalar(select(Agency).where(Agency.uscc == body.uscc))
    year = ctx.today.year
    out = ingest_rows(session, rows=_breaches(body.spec.name, body.uscc, year), source_uscc=source.uscc,
                      item_code="government_breach", change_reason="演示：政务失信记录 / demo government breaches")
    body_id = session.scalar(select(Subject.id).where(Subject.uscc == body.uscc))
    lines.append(f"government breaches of {body.spec.name}: batch {out.batch_id} ({out.status}: created {out.created}, "
                 f"unchanged {out.unchanged}) → /evaluation/subjects/{body_id} (government-integrity dimension)")
    firm = session.scalar(select(Subject).join(User, User.subject_id == Subject.id).where(User.username == "firm-demo"))
    if firm is not None and session.scalar(select(SectorEvaluation.id).where(SectorEvaluation.subject_id == firm.id)) is None:
        agency = next((a for a in ctx.city.agencies if a.spec.key == "scjg"), ctx.city.agencies[0])
        csv_text = ("统一社会信用代码,行业,评价等级,监管分级,评价日期,评价机构代码\n"
                    f"{firm.uscc},食品经营,良,,{ctx.today.replace(month=1, day=15).isoformat()},{agency.uscc}\n")
        sector.import_csv(session, csv_text.encode(), "demo-sector.csv", actor=command_line_actor(), channel="cli")
    run = service.recompute_full(session, trigger="demo", actor=command_line_actor())
    lines.append(f"public credit evaluation (QZ art. 16): model {run.model_version}, {run.subjects} subjects graded "
                 f"in {run.seconds:.1f}s; staff overview at /evaluation")
    if firm is not None:
        grade = service.current_grades(session, [firm.id]).get(firm.id, "-")
        lines.append(f"firm-demo's enterprise {firm.name}: grade {grade}, followed contribution by contribution at "
                     f"/evaluation/subjects/{firm.id} (own view: /me/evaluation)")
    return lines
