"""Rows and files of the synthetic city: 双公示 penalty and licence rows in the national
layout, a few deliberately wrong rows per file (so that return-for-review has something to
show), and each agency's file in the format its office software writes (UTF-8, UTF-8 with
BOM, GBK, XLSX)."""
from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from typing import TYPE_CHECKING

from xinyong.demo.sectors import LicenceSpec, Offence
from xinyong.disclosure.rules import add_months
from xinyong.synthetic import (
    LICENCE_HEADERS,
    LONG_TERM,
    PENALTY_HEADERS,
    break_check_digit,
    break_resident_id,
    licence_row,
    penalty_row,
    to_csv,
    to_xlsx,
    wan,
)

if TYPE_CHECKING:
    from xinyong.demo.city import DemoAgency, DemoFile, DemoSubject

PATTERNS = {  # penalty pattern -> 处罚类别 (one decision may impose several)
    "warning": ("警告",), "criticism": ("通报批评",), "fine": ("罚款",), "fine_confiscate": ("没收违法所得", "罚款"),
    "large_fine": ("罚款",), "revoke": ("吊销许可证件", "罚款"), "suspend": ("责令停产停业", "罚款"),
    "close": ("责令关闭",), "withhold": ("暂扣许可证件",), "restrict": ("罚款", "限制从业"),
}
ITEMS = {  # item -> (title in file names, headers, decision no., decision date, valid-to, dates, numbers)
    "penalty": ("行政处罚", PENALTY_HEADERS, "行政处罚决定书文号", "处罚决定日期", "处罚有效期",
                ("处罚决定日期", "处罚有效期"), ("罚款金额(万元)", "没收违法所得、没收非法财物的金额(万元)")),
    "licence": ("行政许可", LICENCE_HEADERS, "行政许可决定文书号", "许可决定日期", "有效期至",
                ("许可决定日期", "有效期自", "有效期至"), ()),
}
USCC_COLUMN = "行政相对人代码_1(统一社会信用代码)"
MISSING = {"penalty": ("违法事实", "处罚依据", "处罚内容"), "licence": ("许可类别", "行政许可决定文书名称")}
SEQ_LETTERS = "PQUVWXYZ"


def _yuan(rng: random.Random, low: int, high: int) -> int:
    value = rng.randint(low, high)
    return round(value, -2) if value >= 1000 else max(round(value, -1), 10)


def _zh_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def penalty_for(rng: random.Random, agency: DemoAgency, s: DemoSubject, offence: Offence, pattern: str,
                decided: dt.date, decision_no: str, held: tuple[str, str] | None) -> dict[str, str]:
    """One penalty decision of `agency` against subject `s`; `held` is the licence it withholds
    or revokes when the subject holds one of that name."""
    kinds = PATTERNS[pattern]
    low, high = offence.large_yuan if pattern == "large_fine" else offence.fine_yuan
    fine = _yuan(rng, low, high) if "罚款" in kinds else 0
    confiscated = _yuan(rng, 500, max(1000, fine // 2)) if "没收违法所得" in kinds else 0
    affected = ""
    if pattern in ("revoke", "withhold"):
        name, number = held or (offence.licence or "许可证", str(rng.randint(10**9, 10**10 - 1)))
        affected = f"《{name}》{number}"
    months = rng.randint(1, 6)
    content = {
        "warning": "给予警告，责令限期改正", "criticism": "予以通报批评，责令限期改正",
        "fine": f"罚款人民币{fine}元", "large_fine": f"罚款人民币{fine}元",
        "fine_confiscate": f"没收违法所得人民币{confiscated}元，并处罚款人民币{fine}元",
        "revoke": f"吊销{affected}，并处罚款人民币{fine}元",
        "suspend": f"责令停产停业{months}个月，并处罚款人民币{fine}元",
        "close": "责令关闭", "withhold": f"暂扣{affected}{rng.choice((15, 30, 60))}日",
        "restrict": f"罚款人民币{fine}元；五年内不得担任任何生产经营单位的主要负责人",
    }[pattern]
    valid_to = {"revoke": LONG_TERM, "close": LONG_TERM, "suspend": add_months(decided, months),
                "restrict": add_months(decided, 60)}.get(pattern, add_months(decided, 12))
    found = decided - dt.timedelta(days=rng.randint(15, 90))
    row = penalty_row(rng, name=s.name, subject_uscc=s.uscc, decision_no=decision_no, decision_date=decided,
                      agency_name=agency.spec.name, agency_uscc=agency.uscc)
    row.update(s.columns())
    row.update({
        "违法行为类型": offence.offence_type, "违法事实": offence.facts.format(found=_zh_date(found)),
        "处罚依据": offence.basis, "处罚类别": (";" if agency.spec.key == "swj" else "、").join(kinds),
        "处罚内容": content, "罚款金额(万元)": wan(fine) if fine else "",
        "没收违法所得、没收非法财物的金额(万元)": wan(confiscated) if confiscated else "",
        "暂扣或吊销证照名称及编号": affected, "处罚有效期": valid_to.strftime("%Y/%m/%d"), "备注": s.remarks,
    })
    return row


class FileBuilder:
    """Collects each agency's rows, numbers its decisions, and writes its files."""

    def __init__(self, agencies: list[DemoAgency], today: dt.date, rng: random.Random):
        self._agencies = {a.spec.key: a for a in agencies}
        self._order = [a.spec.key for a in agencies]
        self.today, self.rng = today, rng
        self._rows: dict[tuple[str, str], list[dict[str, str]]] = {
            (key, item): [] for key in self._order for item in ITEMS}
        self._numbers: Counter = Counter()

    def agency(self, key: str) -> DemoAgency:
        return self._agencies[key]

    def add(self, key: str, item: str, row: dict[str, str]) -> None:
        self._rows[(key, item)].append(row)

    def decision_no(self, key: str, item: str, year: int) -> str:
        self._numbers[(key, item, year)] += 1
        spec = self._agencies[key].spec
        prefix = spec.penalty_doc if item == "penalty" else spec.licence_doc
        return f"{prefix}〔{year}〕{self._numbers[(key, item, year)]}号"

    def licence_number(self, spec: LicenceSpec, s: DemoSubject, decided: dt.date) -> str:
        self._numbers[spec.key] += 1
        seq = self._numbers[spec.key]
        return spec.number.format(div=s.division, year=decided.year, seq=seq, uscc=s.uscc,
                                  seq_letter=SEQ_LETTERS[seq % len(SEQ_LETTERS)], tail=seq % 10000)

    def licence_row(self, key: str, s: DemoSubject, spec: LicenceSpec, decided: dt.date, valid_to: dt.date,
                    number: str) -> dict[str, str]:
        agency = self._agencies[key]
        return licence_row(subject=s.columns(), doc_name=spec.doc_name,
                           decision_no=self.decision_no(key, "licence", decided.year), kind=spec.kind,
                           certificate=spec.certificate, licence_no=number, content=spec.content,
                           decision_date=decided, valid_to=valid_to, agency_name=agency.spec.name,
                           agency_uscc=agency.uscc, status="有效" if valid_to >= self.today else "有效期届满",
                           remarks=s.remarks)

    def files(self) -> list[DemoFile]:
        from xinyong.demo.city import DemoFile
        out = []
        for index, key in enumerate(self._order):
            for item in ITEMS:
                rows = self._rows[(key, item)]
                if not rows:
                    continue
                invalid = self._invalid(key, item, rows, index)
                sent = rows + invalid
                self.rng.shuffle(sent)
                filename, data = self._encode(key, item, sent)
                out.append(DemoFile(self._agencies[key], item, filename, data, len(sent), len(invalid)))
        return out

    def _invalid(self, key: str, item: str, rows: list[dict[str, str]], index: int) -> list[dict[str, str]]:
        """Rows the platform must return for review: a wrong USCC check character, an empty
        mandatory field, a decision dated in the future, and one agency-specific slip."""
        _, _, number_col, date_col, valid_col, _, _ = ITEMS[item]
        out = []
        orgs = [r for r in rows if r[USCC_COLUMN]]
        if orgs:
            bad = dict(self.rng.choice(orgs))
            bad[USCC_COLUMN] = break_check_digit(bad[USCC_COLUMN])
            out.append(bad)
        missing = dict(self.rng.choice(rows))
        missing[MISSING[item][index % len(MISSING[item])]] = ""
        out.append(missing)
        future = dict(self.rng.choice(rows))
        day = self.today + dt.timedelta(days=self.rng.randint(3, 60))
        future[date_col] = day.strftime("%Y/%m/%d")
        future[valid_col] = (LONG_TERM if item == "licence" else add_months(day, 12)).strftime("%Y/%m/%d")
        if item == "licence":
            future["有效期自"] = future[date_col]
        out.append(future)
        out += self._agency_slip(key, item, rows)
        for row in out:
            row[number_col] = self.decision_no(key, item, int(row[date_col][:4]))
        return out

    def _agency_slip(self, key: str, item: str, rows: list[dict[str, str]]) -> list[dict[str, str]]:
        persons = [r for r in rows if r["证件号码"]]
        if key == "scjg" and item == "penalty" and persons:
            row = dict(self.rng.choice(persons))
            row["证件号码"] = break_resident_id(row["证件号码"])
            return [row]
        if key == "yjgl" and item == "penalty":
            row = dict(self.rng.choice(rows))
            row["处罚类别"], row["处罚内容"] = "责令改正", "责令限期改正"
            return [row]
        if key in ("sthj", "zjj") and item == "licence":
            row = dict(self.rng.choice(rows))
            decided = dt.datetime.strptime(row["许可决定日期"], "%Y/%m/%d").date()
            row["有效期至"] = (decided - dt.timedelta(days=365)).strftime("%Y/%m/%d")
            return [row]
        return []

    def _encode(self, key: str, item: str, rows: list[dict[str, str]]) -> tuple[str, bytes]:
        spec = self._agencies[key].spec
        title, headers, *_, dates, numbers = ITEMS[item]
        fmt = spec.penalty_file if item == "penalty" else spec.licence_file
        if fmt == "xlsx":
            return f"{spec.name}-{title}.xlsx", to_xlsx(rows, headers, date_columns=dates, number_columns=numbers)
        data = to_csv(rows, headers, encoding="gbk" if fmt == "csv-gbk" else "utf-8", bom=fmt == "csv-bom")
        return f"{spec.name}-{title}.csv", data
