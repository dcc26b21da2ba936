"""A small city for the evaluation, on each backend: firms with penalties of each severity, a
natural person, and a public body with government-breach records (QZ art. 26-27)."""
from __future__ import annotations

import dataclasses
import datetime as dt
import random

import pytest
from sqlalchemy import text

from tests.support.builders import agency
from xinyong.evaluation import service
from xinyong.ingest.service import ingest_file, ingest_rows
from xinyong.models import Subject
from xinyong.synthetic import make_resident_id, make_uscc, penalty_row, to_csv

TODAY = "2026-09-01"


@dataclasses.dataclass
class City:
    agency_uscc: str
    firm: int            # two serious penalties, one general, one minor
    firm_uscc: str
    clean: int           # one licence-free firm with a single old general penalty (outside the window)
    clean_uscc: str
    person: int
    body: int            # public body with government breaches
    body_uscc: str
    others: list[int]


def penalty(rng, name, uscc, no, day, kind="罚款", fine="1.5", agency_uscc="", person_id=None):
    return penalty_row(rng, name=name, subject_uscc=uscc, decision_no=no, decision_date=day, kind=kind, fine_wan=fine,
                       agency_uscc=agency_uscc, person_id=person_id)


def breach_row(name, uscc, no, day, severity="一般", kind="合同违约", field="政府采购"):
    return {"失信机关名称": name, "主体类别": "法人及非法人组织", "统一社会信用代码": uscc, "认定文号": no,
            "认定日期": day.isoformat(), "失信类型": kind, "领域": field, "相对方名称": "泉州市某建设有限公司",
            "失信事实": "未按合同约定支付工程款", "失信严重程度": severity}


@pytest.fixture
def city(session, today) -> City:
    today(TODAY)
    rng = random.Random(5)
    a = agency(session)
    firm_uscc, clean_uscc = make_uscc(rng), make_uscc(rng)
    rid = make_resident_id(rng)
    rows = [
        penalty(rng, "泉州市评价测试有限公司", firm_uscc, "泉评罚〔2026〕1号", dt.date(2026, 3, 2), "吊销许可证件", "", a.uscc),
        penalty(rng, "泉州市评价测试有限公司", firm_uscc, "泉评罚〔2026〕2号", dt.date(2026, 4, 2), "吊销许可证件", "", a.uscc),
        penalty(rng, "泉州市评价测试有限公司", firm_uscc, "泉评罚〔2026〕3号", dt.date(2026, 5, 2), "罚款", "1.5", a.uscc),
        penalty(rng, "泉州市评价测试有限公司", firm_uscc, "泉评罚〔2026〕4号", dt.date(2026, 6, 2), "警告", "", a.uscc),
        penalty(rng, "泉州市守信示范有限公司", clean_uscc, "泉评罚〔2022〕5号", dt.date(2022, 6, 2), "罚款", "1.5", a.uscc),
        penalty(rng, "林某某", "", "泉评罚〔2026〕6号", dt.date(2026, 6, 3), "罚款", "1.5", a.uscc, person_id=rid),
    ]
    rows += [penalty(rng, f"泉州市其他企业{i}有限公司", make_uscc(rng), f"泉评罚〔2026〕{100 + i}号",
                     dt.date(2026, 7, 1), "罚款", "1.5", a.uscc) for i in range(5)]
    out = ingest_file(session, data=to_csv(rows), filename="p.csv", source_uscc=a.uscc, item_code="penalty")
    assert out.accepted == len(rows), out
    body_uscc = make_uscc(rng, kind="11")
    breaches = [breach_row("泉州市某区人民政府", body_uscc, "政信〔2026〕1号", dt.date(2026, 5, 1), "严重"),
                breach_row("泉州市某区人民政府", body_uscc, "政信〔2026〕2号", dt.date(2026, 6, 1), "一般",
                           kind="政策承诺未兑现", field="招商引资")]
    out = ingest_rows(session, rows=breaches, source_uscc=a.uscc, item_code="government_breach")
    assert out.accepted == 2, out
    ids = dict(session.query(Subject.uscc, Subject.id).filter(Subject.uscc.isnot(None)).all())
    person = session.query(Subject.id).filter(Subject.kind == "natural_person").scalar()
    others = sorted(set(ids.values()) - {ids[firm_uscc], ids[clean_uscc], ids[body_uscc]})
    session.commit()
    return City(a.uscc, ids[firm_uscc], firm_uscc, ids[clean_uscc], clean_uscc, person, ids[body_uscc], body_uscc,
                others)


def computed_at(session) -> dict:
    """Each evaluated subject's computed_at: which subjects a recompute touched."""
    return {r[0]: r[1] for r in session.execute(text("SELECT subject_id, computed_at FROM evaluation_results"))}


def assert_batch_recomputed_as_in_full(session, batch_id: int, before: dict, subjects: set) -> None:
    """A batch's incremental evaluation touched exactly ``subjects`` (one run, triggered by the
    batch; those evaluated before among them again, new ones for the first time) and left the
    results a full recompute gives."""
    after = computed_at(session)
    assert {s for s in before if before[s] != after[s]} == subjects & set(before)
    assert subjects <= set(after)
    run = session.execute(text("SELECT kind, trigger, subjects FROM evaluation_runs ORDER BY id DESC")).first()
    assert tuple(run) == ("incremental", f"batch:{batch_id}", len(subjects))
    results = text("SELECT subject_id, score, grade FROM evaluation_results ORDER BY subject_id")
    incremental = [tuple(r) for r in session.execute(results)]
    service.recompute_full(session)
    assert [tuple(r) for r in session.execute(results)] == incremental
