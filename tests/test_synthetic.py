"""Synthetic identifiers must be valid by the same library ingestion checks them with
(python-stdnum), and deliberately broken ones must not be."""
from __future__ import annotations

import datetime as dt
import random

from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from xinyong.ingest.readers import read_table
from xinyong.synthetic import (
    LICENCE_HEADERS,
    PENALTY_HEADERS,
    QUANZHOU_DIVISIONS,
    break_check_digit,
    break_resident_id,
    make_resident_id,
    make_uscc,
    penalty_row,
    to_csv,
    to_xlsx,
    wan,
)

seeds = st.integers(min_value=0, max_value=2**64)
# registration authority + organisation type: 11 organ, 12 public institution, 51/52 social
# organisations, 91 enterprise, 92 individual business, 93 farmers' cooperative
kinds = st.sampled_from(["11", "12", "51", "52", "91", "92", "93"])
divisions = st.sampled_from([*QUANZHOU_DIVISIONS, "350500"])


@given(seed=seeds, kind=kinds, division=divisions)
def test_every_generated_uscc_validates_with_stdnum(seed, kind, division):
    code = make_uscc(random.Random(seed), kind=kind, division=division)
    assert uscc.is_valid(code)
    assert code.startswith(kind + division)


@given(seed=seeds, kind=kinds)
def test_a_broken_check_character_never_validates(seed, kind):
    code = make_uscc(random.Random(seed), kind=kind)
    broken = break_check_digit(code)
    assert broken[:17] == code[:17] and broken != code
    assert not uscc.is_valid(broken)


@settings(max_examples=200)
@given(seed=seeds, born_from=st.integers(1900, 2005), span=st.integers(0, 30))
def test_every_generated_resident_id_validates_with_stdnum(seed, born_from, span):
    number = make_resident_id(random.Random(seed), born_from=born_from, born_to=min(born_from + span, 2008))
    assert ric.is_valid(number)
    assert number[:4] in ("3505", "3524")  # Quanzhou, or its pre-1985 prefecture 晋江地区
    assert born_from <= ric.get_birth_date(number).year <= min(born_from + span, 2008)


@given(seed=seeds)
def test_a_broken_resident_id_never_validates(seed):
    number = make_resident_id(random.Random(seed))
    broken = break_resident_id(number)
    assert broken[:17] == number[:17] and broken != number
    assert not ric.is_valid(broken)


@given(yuan=st.integers(min_value=1, max_value=10**9))
def test_wan_is_exact_to_the_yuan(yuan):
    text = wan(yuan)
    assert round(float(text) * 10000) == yuan
    assert not text.endswith(".") and (("." not in text) or not text.endswith("0"))


def _rows(n: int) -> list[dict[str, str]]:
    rng = random.Random(5)
    agency = make_uscc(rng, kind="11", division="350500")
    return [penalty_row(rng, name=f"泉州市测试{i}贸易有限公司", subject_uscc=make_uscc(rng),
                        decision_no=f"泉市监罚〔2026〕{i}号", decision_date=dt.date(2026, 5, 1 + i),
                        agency_uscc=agency) for i in range(n)]


def test_gbk_csv_is_read_back_as_written():
    rows = _rows(3)
    frame = read_table(to_csv(rows, encoding="gbk"), "feed.csv")
    assert frame["行政相对人名称"].to_list() == [r["行政相对人名称"] for r in rows]


def test_xlsx_is_reproducible_and_read_back_with_dates_and_numbers():
    rows = _rows(3)
    data = to_xlsx(rows, PENALTY_HEADERS, date_columns=("处罚决定日期",), number_columns=("罚款金额(万元)",))
    assert data == to_xlsx(rows, PENALTY_HEADERS, date_columns=("处罚决定日期",),
                           number_columns=("罚款金额(万元)",))
    frame = read_table(data, "feed.xlsx")
    assert frame["处罚决定日期"].to_list() == ["2026-05-01", "2026-05-02", "2026-05-03"]
    assert frame["罚款金额(万元)"].to_list() == ["1.5"] * 3
    assert frame["行政处罚决定书文号"].to_list() == [r["行政处罚决定书文号"] for r in rows]


def test_licence_headers_are_the_catalogue_headers():
    from xinyong.catalogue import get_catalogue
    for code, headers in (("licence", LICENCE_HEADERS), ("penalty", PENALTY_HEADERS)):
        item = get_catalogue().get(code)
        assert all(item.field_for_header(h) is not None for h in headers), code
        assert {f.header_zh for f in item.required_fields} <= set(headers)
