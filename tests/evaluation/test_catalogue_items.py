"""The catalogue items aggregated with issue 15 weigh in the evaluation where the model says so:
a 失信被执行人 (serious by its severity rule) and an abnormal-operation listing count down, an
honour and an administrative award count up, each within its cap; enforcement information that
is not 失信 (minor by the same rule) and neutral items count for nothing. Rows built from the
items' own fields (tests/catalogue/test_every_item.py), on both backends."""
from __future__ import annotations

from tests.catalogue.test_every_item import valid_row
from xinyong.catalogue import get_catalogue
from xinyong.evaluation import repository, service
from xinyong.ingest.service import ingest_rows

FIRM = "泉州市目录评价测试有限公司"


def _send(session, agency_uscc: str, firm_uscc: str, code: str, n: int, **cells) -> None:
    item = get_catalogue().get(code)
    row = valid_row(item, n, agency_uscc)
    row[item.field_by_role("subject_name").header_zh] = FIRM
    row[item.field_by_role("subject_uscc").header_zh] = firm_uscc
    row.update(cells)
    assert ingest_rows(session, rows=[row], source_uscc=agency_uscc, item_code=code).accepted == 1


def test_listings_enforcement_honours_and_awards_count_as_the_model_says(session, city):
    model = service.model_in_force().model
    firm = city.clean_uscc                 # one old general penalty outside every window: starts at 90
    _send(session, city.agency_uscc, firm, "judgment_enforcement", 1, 信息类别="失信被执行人")
    _send(session, city.agency_uscc, firm, "judgment_enforcement", 2, 信息类别="被执行人")   # minor: not counted
    for n in (3, 4, 5):
        _send(session, city.agency_uscc, firm, "abnormal_operation", n)
    for n in (6, 7):
        _send(session, city.agency_uscc, firm, "honour", n)
    _send(session, city.agency_uscc, firm, "administrative_award", 8)
    _send(session, city.agency_uscc, firm, "administrative_confirmation", 9)
    session.flush()
    service.recompute_full(session)
    got = {x["indicator"]: (x["matched"], x["points"])
           for x in repository.contributions_of(session, model.version, city.clean)}
    expected = {}
    for code, matched in (("dishonest_judgment_debtor", 1), ("abnormal_operation", 3), ("honour", 2),
                          ("administrative_award", 1)):
        ind = model.indicator(code)
        points = matched * ind.points_each
        expected[code] = (matched, max(points, ind.cap) if ind.points_each < 0 else min(points, ind.cap))
    assert got == expected
    score = repository.result_row(session, model.version, city.clean)["score"]
    assert score == min(model.max_score, model.base_score + sum(p for _, p in expected.values()))
