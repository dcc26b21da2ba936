"""Reading holiday tables: the documented example, CSV, and errors that name the line."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinyong.calendar.rules import TableError, parse, parse_yaml

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "calendar-example.yaml"


def test_the_documented_example_is_the_official_2026_schedule():
    table = parse(EXAMPLE.read_text(encoding="utf-8"), "calendar-example.yaml")
    assert table.year == 2026 and "2026" in table.source
    assert [d.isoformat() for d in table.work] == ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09",
                                                   "2026-09-20", "2026-10-10"]
    off = set(table.off)
    for first, last in (("01-01", "01-03"), ("02-15", "02-23"), ("04-04", "04-06"), ("05-01", "05-05"),
                        ("06-19", "06-21"), ("09-25", "09-27"), ("10-01", "10-07")):
        day, end = dt.date.fromisoformat(f"2026-{first}"), dt.date.fromisoformat(f"2026-{last}")
        while day <= end:
            assert day in off
            day += dt.timedelta(days=1)
    assert len(off) == 3 + 9 + 3 + 5 + 3 + 3 + 7


def test_csv_gives_the_same_table():
    text = ("# year: 2026\n# source: 国务院办公厅通知\ndate,to,kind,name,reason\n"
            "2026-01-01,2026-01-03,off,元旦,\n2026-01-04,,work,元旦调休上班,\n")
    table = parse(text, "2026.csv")
    assert table.off == [dt.date(2026, 1, 1), dt.date(2026, 1, 2), dt.date(2026, 1, 3)]
    assert table.work == [dt.date(2026, 1, 4)] and table.source == "国务院办公厅通知"


def error_of(text: str, filename: str = "t.yaml") -> TableError:
    with pytest.raises(TableError) as caught:
        parse(text, filename)
    return caught.value


HEAD = "year: 2027\nsource: 通知\n"


def test_a_make_up_day_on_a_weekday_is_refused_naming_the_line():
    err = error_of(HEAD + "makeup_workdays:\n  - {date: 2027-01-02, name: x}\n  - {date: 2027-01-05, name: y}\n")
    assert err.line == 5 and "2027-01-05" in str(err) and "Saturday or Sunday" in err.message_en
    assert err.message_zh.startswith("第5行")


def test_a_single_day_off_on_a_weekend_needs_a_reason():
    err = error_of(HEAD + "days_off:\n  - {date: 2027-01-02, name: 周六}\n")
    assert err.line == 4 and "weekend" in err.message_en
    table = parse(HEAD + "days_off:\n  - {date: 2027-01-02, name: 周六, reason: 列出以便显示节日名称}\n", "t.yaml")
    assert table.off == [dt.date(2027, 1, 2)]


def test_a_holiday_range_may_run_over_a_weekend():
    table = parse(HEAD + "days_off:\n  - {from: 2027-01-01, to: 2027-01-03, name: 元旦}\n", "t.yaml")
    assert len(table.off) == 3


def test_dates_outside_the_declared_year_are_refused():
    err = error_of(HEAD + "days_off:\n  - {date: 2026-12-31, name: x}\n")
    assert err.line == 4 and "outside the declared year 2027" in err.message_en


def test_a_day_listed_twice_names_both_lines():
    err = error_of(HEAD + "days_off:\n  - {date: 2027-01-01}\n  - {from: 2026-12-31, to: 2027-01-01}\n")
    assert err.line == 5


def test_twice_in_the_same_year_names_the_earlier_line():
    err = error_of(HEAD + "days_off:\n  - {date: 2027-01-01}\n  - {date: 2027-01-01}\n")
    assert err.line == 5 and "line 4" in err.message_en


@pytest.mark.parametrize("text, words", [
    ("source: x\n", "missing year"),
    (HEAD + "off:\n  - {date: 2027-01-01}\n", "unknown keys"),
    (HEAD + "days_off:\n  - {date: 2027-02-30}\n", "not a date"),
    (HEAD + "days_off:\n  - {from: 2027-01-05, to: 2027-01-04}\n", "before start"),
    ("year: 2027\ndays_off: []\n", None),
    ("[1, 2\n", "not valid YAML"),
    (HEAD + "days_off: []\ndays_off:\n  - {date: 2027-01-01}\n", "duplicate key 'days_off'"),
    ("- just a list\n", "must be a mapping"),
])
def test_malformed_files_are_explained(text, words):
    if words is None:   # no source: the file name is used
        assert parse(text, "mine.yaml").source == "mine.yaml"
        return
    assert words in error_of(text).message_en


def test_a_key_written_twice_names_its_second_line():
    # PyYAML alone keeps the second days_off: the first list of days was dropped without a word
    err = error_of(HEAD + "days_off:\n  - {date: 2027-01-01}\nmakeup_workdays: []\ndays_off: []\n")
    assert err.line == 6 and "duplicate key 'days_off'" in err.message_en


def test_csv_errors_name_the_line():
    text = "# year: 2027\n# source: s\ndate,to,kind,name,reason\n2027-01-01,,off,元旦,\n2027-01-04,,holiday,x,\n"
    err = error_of(text, "t.csv")
    assert err.line == 5 and "kind must be off or work" in err.message_en
    assert "missing the '# year" in error_of("date,kind\n2027-01-01,off\n", "t.csv").message_en


# ---- YAML anchors and aliases are refused (issue #10 point 6) ------------------------------------
LAUGHS = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},"
    f"*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]\n" for i in range(8))


def test_a_billion_laughs_table_is_refused_at_once():
    import time
    started = time.monotonic()
    with pytest.raises(TableError) as err:
        parse_yaml(LAUGHS)
    assert time.monotonic() - started < 1
    assert err.value.line == 1 and "别名" in err.value.message_zh and "aliases" in err.value.message_en


@given(st.sampled_from(["source", "name", "date"]))
def test_an_anchor_or_alias_anywhere_is_refused_with_its_line(key):
    plain = "year: 2027\nsource: 通知\ndays_off:\n  - {date: 2027-01-01, name: 元旦}\n"
    assert parse_yaml(plain).year == 2027
    anchored = {"source": "year: 2027\nsource: &s 通知\ndays_off:\n  - {date: 2027-01-01, name: *s}\n",
                "name": "year: 2027\nsource: 通知\ndays_off:\n  - &d {date: 2027-01-01, name: 元旦}\n  - *d\n",
                "date": "year: 2027\nsource: 通知\nx: &d 2027-01-01\ndays_off:\n  - {date: *d, name: 元旦}\n"}[key]
    with pytest.raises(TableError) as err:
        parse_yaml(anchored)
    assert err.value.line in (2, 3, 4) and "aliases" in err.value.message_en
