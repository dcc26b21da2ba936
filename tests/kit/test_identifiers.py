"""The vectorised identifier checks agree with python-stdnum, the scalar checks' authority, save
the birth place: a resident ID's address code is valid when it is in any edition of GB/T 2260
(GB 11643: the number keeps the code of the place that issued it), whatever the birth date."""
from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidComponent

from xinyong.kit.identifiers import (
    USCC_ALPHABET,
    InvalidIdentifier,
    checked_by_distinct,
    checked_columns_by_distinct,
    check_resident_id,
    check_uscc,
    mask_identifier_expr,
    resident_id_normalised_expr,
    resident_id_problem_expr,
    resident_id_valid_expr,
    uscc_normalised_expr,
    uscc_problem_expr,
    uscc_valid_expr,
)
from xinyong.kit.masking import mask_identifier

FULL_WIDTH = {c: chr(ord(c) + 0xFEE0) for c in "0123456789X"}
# characters a mutation may bring in: ASCII, lower case, full-width digits and letters,
# look-alike dashes and spaces stdnum folds, and letters whose upper case grows ('ß', 'ﬁ').
# Not '\n': stdnum's digit test accepts a trailing newline (pinned below).
MUTANTS = st.sampled_from(list("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcxyz -_./*#")
                          + list(FULL_WIDTH.values()) + ["Ａ", "ｘ", "－", "\u2013", "\u3000", "\u00a0",
                                                         "\t", "ß", "ﬁ", "ı", "中", "\x00"])
# region codes: always valid (110105 朝阳区), bounded ([-2010] 崇文区, [1985-] 鲤城区), renamed
# ([-1991] 东郊区, [1992-] 东丽区), unknown county in a known province, unknown province
REGIONS = ["110105", "110103", "350502", "120110", "350583", "119999", "990000", "350500"]


def stdnum_valid(module, value: str) -> bool:
    try:
        module.validate(value)
        return True
    except Exception:  # noqa: BLE001 - stdnum also raises KeyError/ValueError on some inputs
        return False


def reference_ric_valid(value: str) -> bool:
    """stdnum's answer, except that a code stdnum knows (any edition) is valid for any birth year."""
    try:
        ric.validate(value)
        return True
    except (InvalidComponent, KeyError):
        number = ric.compact(value)
        try:
            ric.get_birth_date(number)
        except InvalidComponent:
            return False
        from stdnum import numdb
        return any("county" in props for _, props in numdb.get("cn/loc").info(number[:6]))
    except Exception:  # noqa: BLE001 - stdnum also raises ValueError on some inputs
        return False


@st.composite
def valid_usccs(draw) -> str:
    body = draw(st.text("0123456789", min_size=8, max_size=8)) + draw(st.text(USCC_ALPHABET, min_size=9, max_size=9))
    return body + uscc.calc_check_digit(body)  # stdnum's uscc wants the 17-character body


@st.composite
def valid_resident_ids(draw) -> str:
    birth = draw(st.dates(dt.date(1900, 1, 1), dt.date(2030, 12, 31)))
    # regions and birth years freely mixed: codes newer or older than the birth date included
    body = draw(st.sampled_from(REGIONS)) + birth.strftime("%Y%m%d") + draw(st.text("0123456789", min_size=3, max_size=3))
    return body + ric.calc_check_digit(body + "0")  # stdnum's ric wants 18 characters


@st.composite
def mutated(draw, base) -> str:
    value = draw(base)
    how = draw(st.sampled_from(["change", "drop", "insert", "lower", "full_width", "pad", "keep"]))
    if how == "change":
        i = draw(st.integers(0, len(value) - 1))
        return value[:i] + draw(MUTANTS) + value[i + 1:]
    if how == "drop":
        i = draw(st.integers(0, len(value) - 1))
        return value[:i] + value[i + 1:]
    if how == "insert":
        i = draw(st.integers(0, len(value)))
        return value[:i] + draw(MUTANTS) + value[i:]
    if how == "lower":
        return value.lower()
    if how == "full_width":
        return "".join(FULL_WIDTH.get(c, c) for c in value)
    if how == "pad":
        return draw(st.sampled_from([" ", "\u3000", "\t", ""])) + value + draw(st.sampled_from([" ", "\r", ""]))
    return value


def vectorised(expr_fn, values: list[str]) -> list:
    return pl.DataFrame({"v": values}, schema={"v": pl.String}).select(expr_fn("v")).to_series().to_list()


SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(st.lists(valid_usccs(), min_size=1, max_size=60))
def test_generated_usccs_are_valid_for_both(values):
    assert all(stdnum_valid(uscc, v) for v in values)
    assert vectorised(uscc_valid_expr, values) == [True] * len(values)


@SETTINGS
@given(st.lists(mutated(valid_usccs()), min_size=1, max_size=60))
def test_uscc_vectorised_agrees_with_stdnum_on_mutations(values):
    assert vectorised(uscc_valid_expr, values) == [stdnum_valid(uscc, v) for v in values]


@SETTINGS
@given(st.lists(valid_resident_ids(), min_size=1, max_size=60))
def test_resident_id_vectorised_agrees_with_stdnum_on_generated(values):
    # not all generated numbers are valid: 119999 and 990000 are in no edition
    assert vectorised(resident_id_valid_expr, values) == [reference_ric_valid(v) for v in values]


@SETTINGS
@given(st.lists(mutated(valid_resident_ids()), min_size=1, max_size=60))
def test_resident_id_vectorised_agrees_with_stdnum_on_mutations(values):
    assert vectorised(resident_id_valid_expr, values) == [reference_ric_valid(v) for v in values]


@SETTINGS
@given(st.lists(st.one_of(mutated(valid_usccs()), valid_usccs()), min_size=1, max_size=60))
def test_uscc_scalar_and_vectorised_give_the_same_reason_and_normal_form(values):
    problems = vectorised(uscc_problem_expr, values)
    normal = vectorised(uscc_normalised_expr, values)
    for value, problem, norm in zip(values, problems, normal):
        try:
            assert check_uscc(value) == norm and problem is None
        except InvalidIdentifier as exc:
            assert exc.reason == problem


@SETTINGS
@given(st.lists(st.one_of(mutated(valid_resident_ids()), valid_resident_ids()), min_size=1, max_size=60))
def test_resident_id_scalar_and_vectorised_give_the_same_reason(values):
    problems = vectorised(resident_id_problem_expr, values)
    normal = vectorised(resident_id_normalised_expr, values)
    for value, problem, norm in zip(values, problems, normal):
        try:
            assert check_resident_id(value) == norm and problem is None
        except InvalidIdentifier as exc:
            assert exc.reason == problem


def test_known_values():
    assert check_uscc("91110000600037341L") == "91110000600037341L"
    assert check_uscc(" 9111-0000 600037341l ") == "91110000600037341L"
    assert check_resident_id("11010519491231002x") == "11010519491231002X"
    with pytest.raises(InvalidIdentifier) as exc:
        check_uscc("91110000600037341M")
    assert exc.value.reason == "checksum" and exc.value.code == "invalid_identifier"


def test_stdnum_rejects_letters_in_the_first_eight_and_so_do_we():
    """GB 32100 allows e.g. registering authority N; stdnum 2.2 does not: we follow stdnum."""
    body = "N2350500" + "MA2Y0L3X4"
    code = body + uscc.calc_check_digit(body)
    assert not stdnum_valid(uscc, code)
    assert vectorised(uscc_problem_expr, [code]) == ["format"]
    with pytest.raises(InvalidIdentifier) as exc:
        check_uscc(code)
    assert exc.value.reason == "format"


def test_region_and_birth_date_reasons():
    def rid(region: str, birth: str) -> str:
        body = region + birth + "123"
        return body + ric.calc_check_digit(body + "0")

    cases = {rid("110103", "20150101"): None,       # 崇文区 abolished 2010: its numbers stay valid
             rid("119999", "19900101"): "region",   # in no edition (stdnum raises KeyError here)
             rid("990000", "19900101"): "region",
             rid("350502", "19900230"): "birth_date",
             rid("350502", "00000101"): "birth_date",
             rid("350502", "19900101"): None}
    assert vectorised(resident_id_problem_expr, list(cases)) == list(cases.values())
    with pytest.raises(InvalidIdentifier) as exc:
        check_resident_id(rid("119999", "19900101"))
    assert exc.value.reason == "region"


def test_known_disagreement_trailing_newline_is_rejected_here():
    """stdnum's isdigits() is re.match('^[0-9]+$'), which accepts '...\\n': we do not."""
    body = "35050219900101012"
    quirk = body[:16] + "\n"
    quirk += ric.calc_check_digit(quirk + "0")
    assert stdnum_valid(ric, quirk)  # stdnum's quirk, pinned so a fix upstream is noticed
    assert vectorised(resident_id_valid_expr, [quirk]) == [False]
    with pytest.raises(InvalidIdentifier):
        check_resident_id(quirk)


def test_checked_by_distinct_maps_back_onto_every_row():
    good = "91110000600037341L"
    frame = pl.DataFrame({"c": [good, None, "bad", good.lower(), good]})
    norm, problem = checked_by_distinct(frame, "c", "uscc")
    got = frame.select(norm.alias("n"), problem.alias("p"))
    assert got["n"].to_list() == [good, None, "BAD", good, good]
    assert got["p"].to_list() == [None, None, "length", None, None]


ID_TEXT = st.one_of(st.none(), st.text("0123456789X91LMAbx \n-", max_size=19),
                    st.sampled_from(["91110000600037341L", "350502199001010123", "11010519491231002X"]))


@SETTINGS
@given(st.lists(st.tuples(ID_TEXT, ID_TEXT, ID_TEXT, ID_TEXT), min_size=1, max_size=12))
def test_columns_checked_together_as_each_alone(rows):
    """Several columns of each kind checked in one query per kind give every column what the
    row-by-row expressions give it (values shared between columns included)."""
    frame = pl.DataFrame(rows, schema={"u1": pl.String, "u2": pl.String, "r1": pl.String, "r2": pl.String},
                         orient="row")
    kinds = {"u1": "uscc", "u2": "uscc", "r1": "resident_id", "r2": "resident_id"}
    together = checked_columns_by_distinct(frame, kinds)
    for column, kind in kinds.items():
        norm, problem = together[column]
        got = frame.select(norm.alias("n"), problem.alias("p"))
        normalise, problem_of = ((uscc_normalised_expr, uscc_problem_expr) if kind == "uscc"
                                 else (resident_id_normalised_expr, resident_id_problem_expr))
        assert got["n"].to_list() == vectorised(normalise, frame[column].to_list())
        assert got["p"].to_list() == vectorised(problem_of, frame[column].to_list())


def test_an_unknown_identifier_kind_is_refused():
    with pytest.raises(ValueError, match="unknown identifier kind"):
        checked_columns_by_distinct(pl.DataFrame({"c": ["x"]}), {"c": "passport"})


def test_nulls_stay_null():
    assert vectorised(uscc_valid_expr, [None]) == [None]
    assert vectorised(resident_id_valid_expr, [None]) == [None]


@given(st.lists(st.one_of(st.none(), st.text("35050219X 中a", max_size=25)), min_size=1, max_size=20))
def test_mask_expr_matches_kit_masking(values):
    expected = [None if v is None else mask_identifier(v) for v in values]
    assert vectorised(mask_identifier_expr, values) == expected


# ---- GB 11643 / GB/T 2260: the code of the issuing place, from any edition ------------------------
ALL_CODES = sorted(f"{c:06d}" for c in __import__("xinyong.kit.identifiers", fromlist=["x"]).known_region_codes())


def _with_check(body: str) -> str:
    return body + ric.calc_check_digit(body + "0")


@SETTINGS
@given(code=st.sampled_from(ALL_CODES), birth=st.dates(dt.date(1900, 1, 1), dt.date(2026, 12, 31)),
       seq=st.text("0123456789", min_size=3, max_size=3), wrong=st.sampled_from("0123456789X"))
def test_gb_11643_any_gbt_2260_code_with_a_real_birth_date_and_check_digit_is_accepted(code, birth, seq, wrong):
    number = _with_check(code + birth.strftime("%Y%m%d") + seq)
    assert check_resident_id(number) == number
    assert vectorised(resident_id_problem_expr, [number]) == [None]
    if wrong != number[-1]:   # the checksum is still checked
        broken = number[:17] + wrong
        with pytest.raises(InvalidIdentifier) as exc:
            check_resident_id(broken)
        assert exc.value.reason == "checksum"
        assert vectorised(resident_id_problem_expr, [broken]) == ["checksum"]


def test_gb_11643_residents_of_jinjiang_born_1985_and_fuzhou_gulou_born_1978_are_accepted():
    """Issue #11 point 1: stdnum refuses both (the codes date from 1992 and 1983 in loc.dat)."""
    jinjiang, gulou = _with_check("35058219850312123"), _with_check("35010219780101123")
    assert not stdnum_valid(ric, jinjiang) and not stdnum_valid(ric, gulou)   # what we no longer follow
    assert check_resident_id(jinjiang) == jinjiang and check_resident_id(gulou) == gulou
    assert vectorised(resident_id_valid_expr, [jinjiang, gulou]) == [True, True]


@pytest.mark.parametrize("prefix", ["3505", "3501"])   # 泉州, 福州
def test_gb_11643_no_valid_resident_of_quanzhou_or_fuzhou_is_refused_whatever_the_birth_year(prefix):
    codes = [c for c in ALL_CODES if c.startswith(prefix)]
    assert len(codes) >= 10
    numbers = [_with_check(c + f"{year}0615" + "321") for c in codes for year in (1930, 1955, 1978, 1985, 2005)]
    assert vectorised(resident_id_problem_expr, numbers) == [None] * len(numbers)
    assert all(check_resident_id(n) == n for n in numbers)


def test_the_region_codes_read_from_the_file_are_those_stdnum_answers_code_by_code():
    """known_region_codes reads county lines straight from stdnum's loc.dat; stdnum's own
    numdb lookup, code by code, must give the same set (a new edition of the file included)."""
    import importlib.resources
    import re

    from stdnum import numdb

    from xinyong.kit.identifiers import known_region_codes
    db = numdb.get("cn/loc")
    expected, province = set(), None
    for line in (importlib.resources.files("stdnum.cn") / "loc.dat").read_text(encoding="utf-8").splitlines():
        if m := re.match(r"^(\d\d) ", line):
            province = m.group(1)
        elif (m := re.match(r"^  (\d{4}) ", line)) and province:
            if any("county" in props for _, props in db.info(province + m.group(1))):
                expected.add(int(province + m.group(1)))
    assert known_region_codes() == frozenset(expected) and len(expected) > 3000
