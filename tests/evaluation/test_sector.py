"""Sector evaluations filed by agencies with tiered supervision (QZ art. 17): all or nothing."""
from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import text

from tests.support.builders import agency
from xinyong.evaluation import sector
from xinyong.kit.access import Principal
from xinyong.kit.errors import InvalidInput

STAFF = Principal(user_id=None, username="staff", role="staff")


def _csv(rows):
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["统一社会信用代码", "行业", "评价等级", "监管分级", "评价日期", "评价机构代码"])
    w.writerows(rows)
    return buf.getvalue().encode("utf-8-sig")


def _counts(session):
    return tuple(session.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in ("sector_imports",
                                                                                      "sector_evaluations"))


def test_a_good_file_is_filed_published_and_shown_with_its_inspection_frequency(session, city):
    data = _csv([[city.firm_uscc, "食品经营", "差", "", "2026-08-01", city.agency_uscc],
                 [city.clean_uscc, "食品经营", "A", "", "2026-08-01", city.agency_uscc],
                 [city.body_uscc, "政务服务", "良", "B", "2026-08-01", city.agency_uscc]])
    out = sector.import_csv(session, data, "s.csv", actor=STAFF)
    assert out.rows == 3 and _counts(session) == (1, 3)
    view = sector.sector_view(session, city.firm)
    assert [(v["tier"], v["inspections_per_year"]) for v in view] == [("D", 4.0)]
    assert "QZ 17" in view[0]["citation"]
    # the same key again replaces the grade (one evaluation per subject, agency, sector and date)
    sector.import_csv(session, _csv([[city.firm_uscc, "食品经营", "中", "", "2026-08-01", city.agency_uscc]]),
                      "s2.csv", actor=STAFF)
    assert _counts(session) == (2, 3)
    assert [v["tier"] for v in sector.sector_view(session, city.firm)] == ["C"]
    audit = session.execute(text("SELECT count(*) FROM audit_log WHERE action = 'evaluation.sector_import'")).scalar()
    assert audit == 2


@pytest.mark.parametrize("bad, expected", [
    (["913505000000000000", "食品经营", "A", "", "2026-08-01", None], "不是平台已知主体"),
    (["{firm}", "食品经营", "A", "", "2026-13-01", None], "YYYY-MM-DD"),
    (["{firm}", "食品经营", "A", "", "2027-01-01", None], "晚于今天"),
    (["{firm}", "食品经营", "神秘", "", "2026-08-01", None], "监管分级无法确定"),
    (["{firm}", "", "A", "", "2026-08-01", None], "行业为空"),
    (["{firm}", "食品经营", "A", "", "2026-08-01", "12350000MB0000000X"], "未登记"),
])
def test_one_bad_row_refuses_the_file_and_changes_nothing(session, city, bad, expected):
    bad = [city.firm_uscc if v == "{firm}" else (city.agency_uscc if v is None else v) for v in bad]
    data = _csv([[city.clean_uscc, "食品经营", "A", "", "2026-08-01", city.agency_uscc], bad])
    with pytest.raises(InvalidInput) as err:
        sector.import_csv(session, data, "bad.csv", actor=STAFF)
    assert expected in err.value.message and "第3行" in err.value.message
    assert err.value.code == "bad_rows"
    assert _counts(session) == (0, 0)


def test_missing_columns_and_empty_files_are_refused(session, city):
    with pytest.raises(InvalidInput, match="缺少列"):
        sector.import_csv(session, "统一社会信用代码,行业\n".encode(), "x.csv", actor=STAFF)
    with pytest.raises(InvalidInput, match="没有数据行"):
        sector.import_csv(session, _csv([]), "x.csv", actor=STAFF)
    assert _counts(session) == (0, 0)


def test_an_agency_files_its_own_evaluations_only(session, city):
    other = agency(session, seed=99, name="泉州市交通运输局")
    me = Principal(user_id=None, username="a", role="agency", agency_id=other.id)
    data = _csv([[city.firm_uscc, "道路运输", "A", "", "2026-08-01", city.agency_uscc]])
    with pytest.raises(InvalidInput, match="本机构"):
        sector.import_csv(session, data, "x.csv", actor=me)
    data = _csv([[city.firm_uscc, "道路运输", "A", "", "2026-08-01", other.uscc]])
    assert sector.import_csv(session, data, "x.csv", actor=me).rows == 1


def test_a_file_with_100000_columns_is_refused_quickly_and_changes_nothing(session, city):
    import time
    header = "统一社会信用代码,行业,评价等级,监管分级,评价日期,评价机构代码," + ",".join(f"x{i}" for i in range(100_000))
    data = (header + "\n" + ",".join("v" for _ in range(100_006)) + "\n").encode()
    started = time.monotonic()
    with pytest.raises(InvalidInput) as err:
        sector.import_csv(session, data, "wide.csv", actor=STAFF)
    assert err.value.code == "too_many_columns" and time.monotonic() - started < 5
    session.rollback()
    assert _counts(session) == (0, 0)
