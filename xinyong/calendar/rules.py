"""Reading and checking a holiday table file (pure: text in, a YearTable or an error naming
the line out). Format: docs/calendar-example.yaml.

YAML::

    year: 2026
    source: 国务院办公厅关于2026年部分节假日安排的通知
    days_off:                             # 放假
      - {from: 2026-01-01, to: 2026-01-03, name: 元旦}
      - {date: 2026-03-09, name: 某日, reason: why a weekend day is listed}
    makeup_workdays:                      # 调休上班, Saturdays and Sundays only
      - {date: 2026-01-04, name: 元旦调休}

CSV (``#`` lines carry year and source; header ``date,to,kind,name,reason``)::

    # year: 2026
    # source: 国务院办公厅关于2026年部分节假日安排的通知
    date,to,kind,name,reason
    2026-01-01,2026-01-03,off,元旦,
    2026-01-04,,work,元旦调休,

Checks: every date inside the declared year; a make-up working day is a Saturday or Sunday;
a day off is a weekday, or the entry says why (``reason``) — a range of days off (a holiday
period) may run over a weekend as long as it holds a weekday; a day is listed once.
"""
from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field

import yaml

from xinyong.kit.yamlfiles import UniqueKeys

OFF, WORK = "off", "work"
YAML_KEYS = {OFF: "days_off", WORK: "makeup_workdays"}   # (YAML 1.1 reads a bare `off` as false)
MAX_RANGE_DAYS = 31
MIN_YEAR, MAX_YEAR = 1990, 2200


class TableError(ValueError):
    """A problem in the file, with the line it is on (1-based; 0 when not tied to a line)."""

    def __init__(self, line: int, message_zh: str, message_en: str):
        where_zh = f"第{line}行：" if line else ""
        where_en = f"line {line}: " if line else ""
        super().__init__(f"{where_en}{message_en}")
        self.line, self.message_zh, self.message_en = line, where_zh + message_zh, where_en + message_en


@dataclass(frozen=True)
class TableDay:
    day: dt.date
    kind: str          # off | work
    name: str
    line: int


@dataclass(frozen=True)
class YearTable:
    year: int
    source: str
    note: str = ""
    days: tuple[TableDay, ...] = field(default_factory=tuple)

    @property
    def off(self) -> list[dt.date]:
        return [d.day for d in self.days if d.kind == OFF]

    @property
    def work(self) -> list[dt.date]:
        return [d.day for d in self.days if d.kind == WORK]


# ---- YAML with line numbers -----------------------------------------------------------------------

class _AliasRefused(yaml.YAMLError):
    def __init__(self, line: int):
        super().__init__(f"line {line}: YAML anchors and aliases are not allowed")
        self.line = line


class _LineLoader(UniqueKeys, yaml.SafeLoader):
    """Safe YAML that refuses anchors and aliases (``&a`` / ``*a``) as it meets them, before
    anything is built: a holiday table needs neither, and nested aliases ("billion laughs")
    make a few hundred bytes expand into billions of nodes. A key written twice is refused
    too (PyYAML would keep the second ``year:`` or ``days_off:`` silently)."""

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _AliasRefused(event.start_mark.line + 1)
        return super().compose_node(parent, index)


def _mapping_with_line(loader, node):
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_line)
# dates stay text until _date reads them, so that an impossible date is reported with its line
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


def _date(value, line: int, what: str) -> dt.date:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise TableError(line, f"{what}不是有效日期（YYYY-MM-DD）：{value!r}",
                         f"{what} is not a date (YYYY-MM-DD): {value!r}") from None


def _entry_days(entry: dict, kind: str, line: int) -> list[TableDay]:
    name = str(entry.get("name") or "").strip()
    reason = str(entry.get("reason") or "").strip()
    if "date" in entry and entry.get("date") not in (None, ""):
        first = last = _date(entry["date"], line, "date")
        if entry.get("to") not in (None, ""):
            last = _date(entry["to"], line, "to")
    elif entry.get("from") not in (None, ""):
        first = _date(entry["from"], line, "from")
        last = _date(entry.get("to") or entry["from"], line, "to")
    else:
        raise TableError(line, "缺少日期（date 或 from/to）", "missing date (date, or from and to)")
    if last < first:
        raise TableError(line, f"结束日期 {last} 早于开始日期 {first}", f"end {last} is before start {first}")
    if (last - first).days >= MAX_RANGE_DAYS:
        raise TableError(line, f"日期区间超过{MAX_RANGE_DAYS}天", f"a range is longer than {MAX_RANGE_DAYS} days")
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    if kind == WORK:
        for d in days:
            if d.weekday() < 5:
                raise TableError(line, f"调休上班日 {d} 不是周六或周日（工作日本来就上班）",
                                 f"make-up working day {d} is not a Saturday or Sunday (weekdays are working days anyway)")
    elif not reason and all(d.weekday() >= 5 for d in days):
        raise TableError(line, f"放假日 {first} 是周末，本来就不上班；如确需列出请写明 reason",
                         f"day off {first} is on a weekend, which is off anyway; say why (reason) if it must be listed")
    return [TableDay(d, kind, name, line) for d in days]


def _check(year, source: str, note: str, days: list[TableDay], year_line: int) -> YearTable:
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise TableError(year_line, f"年份无效：{year!r}", f"invalid year: {year!r}") from None
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise TableError(year_line, f"年份超出范围：{year}", f"year out of range: {year}")
    seen: dict[dt.date, int] = {}
    for d in days:
        if d.day.year != year:
            raise TableError(d.line, f"日期 {d.day} 不在声明的年份 {year} 内",
                             f"date {d.day} is outside the declared year {year}")
        if d.day in seen:
            raise TableError(d.line, f"日期 {d.day} 重复（已在第{seen[d.day]}行列出）",
                             f"date {d.day} is listed twice (already on line {seen[d.day]})")
        seen[d.day] = d.line
    if not source.strip():
        raise TableError(0, "缺少 source（通知名称或文号）", "missing source (the notice's title or number)")
    return YearTable(year, source.strip(), note.strip(), tuple(sorted(days, key=lambda d: d.day)))


def parse_yaml(text: str, default_source: str = "") -> YearTable:
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except _AliasRefused as exc:
        raise TableError(exc.line, "不允许使用 YAML 锚点或别名（& 与 *）",
                         "YAML anchors and aliases (& and *) are not allowed") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise TableError(mark.line + 1 if mark else 0, f"YAML 格式错误：{getattr(exc, 'problem', exc)}",
                         f"not valid YAML: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(data, dict):
        raise TableError(1, "文件应为一个映射（year、source、days_off、makeup_workdays）",
                         "the file must be a mapping (year, source, days_off, makeup_workdays)")
    unknown = {str(k) for k in data} - {"year", "source", "note", *YAML_KEYS.values(), "__line__"}
    if unknown:
        raise TableError(data["__line__"], f"未知字段：{', '.join(sorted(unknown))}",
                         f"unknown keys: {', '.join(sorted(unknown))}")
    if "year" not in data:
        raise TableError(1, "缺少 year", "missing year")
    days: list[TableDay] = []
    for kind in (OFF, WORK):
        entries = data.get(YAML_KEYS[kind]) or []
        if not isinstance(entries, list):
            raise TableError(data["__line__"], f"{YAML_KEYS[kind]} 应为列表", f"{YAML_KEYS[kind]} must be a list")
        for entry in entries:
            if not isinstance(entry, dict):
                raise TableError(data["__line__"], f"{YAML_KEYS[kind]} 的每一项应为映射（date 或 from/to，name）",
                                 f"each {YAML_KEYS[kind]} entry must be a mapping (date or from/to, name)")
            line = entry.pop("__line__", 0)
            unknown = set(entry) - {"date", "from", "to", "name", "reason"}
            if unknown:
                raise TableError(line, f"未知字段：{', '.join(sorted(unknown))}",
                                 f"unknown keys: {', '.join(sorted(unknown))}")
            days += _entry_days(entry, kind, line)
    return _check(data["year"], str(data.get("source") or default_source), str(data.get("note") or ""), days, 1)


def parse_csv(text: str, default_source: str = "") -> YearTable:
    meta: dict[str, tuple[str, int]] = {}
    body: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if stripped.startswith("#"):
            key, sep, value = stripped[1:].partition(":")
            if sep:
                meta[key.strip().lower()] = (value.strip(), number)
        elif stripped:
            body.append((number, raw))
    if "year" not in meta:
        raise TableError(0, "缺少“# year: 年份”一行", "missing the '# year: YYYY' line")
    if not body:
        raise TableError(0, "缺少表头 date,to,kind,name,reason", "missing the header date,to,kind,name,reason")
    header_line, header = body[0]
    columns = [c.strip().lower() for c in next(csv.reader([header]))]
    if "date" not in columns or "kind" not in columns:
        raise TableError(header_line, "表头须包含 date 和 kind", "the header must have date and kind")
    days: list[TableDay] = []
    for number, raw in body[1:]:
        values = next(csv.reader([raw]))
        row = {c: (values[i].strip() if i < len(values) else "") for i, c in enumerate(columns)}
        kind = row.get("kind", "").lower()
        if kind not in (OFF, WORK):
            raise TableError(number, f"kind 应为 off 或 work，而不是 {row.get('kind')!r}",
                             f"kind must be off or work, not {row.get('kind')!r}")
        days += _entry_days({k: v for k, v in row.items() if k in ("date", "to", "name", "reason")}, kind, number)
    source, _ = meta.get("source", (default_source, 0))
    note, _ = meta.get("note", ("", 0))
    return _check(meta["year"][0], source, note, days, meta["year"][1])


def parse(text: str, filename: str) -> YearTable:
    """A holiday table from a file's text; CSV by a .csv name, YAML otherwise."""
    if filename.lower().endswith(".csv"):
        return parse_csv(text, filename)
    return parse_yaml(text, filename)
