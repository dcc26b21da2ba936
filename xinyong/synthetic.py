"""Synthetic but valid data: identifiers with correct check characters, and 双公示 rows in
the national column layout. Used by the demo, the tests and the benchmarks."""
from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import random

from stdnum.cn import ric, uscc

QUANZHOU_DIVISIONS = ("350502", "350503", "350504", "350505", "350521", "350524", "350525", "350526",
                      "350581", "350582", "350583")
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"

PENALTY_HEADERS = (
    "行政相对人名称", "行政相对人类别", "行政相对人代码_1(统一社会信用代码)", "法定代表人", "法定代表人证件类型",
    "法定代表人证件号码", "证件类型", "证件号码", "行政处罚决定书文号", "违法行为类型", "违法事实", "处罚依据",
    "处罚类别", "处罚内容", "罚款金额(万元)", "没收违法所得、没收非法财物的金额(万元)", "暂扣或吊销证照名称及编号",
    "处罚决定日期", "处罚有效期", "公示截止期", "处罚机关", "处罚机关统一社会信用代码", "数据来源单位",
    "数据来源单位统一社会信用代码", "备注",
)


def make_uscc(rng: random.Random, kind: str = "91", division: str | None = None) -> str:
    """A valid GB 32100 code; `kind` is the registration authority + organisation type (91 = enterprise)."""
    division = division or rng.choice(QUANZHOU_DIVISIONS)
    body = kind + division + "".join(rng.choice("0123456789") for _ in range(8)) + rng.choice(USCC_ALPHABET[:10])
    return body + uscc.calc_check_digit(body)


# Quanzhou's county codes before the 1985 reorganisation (晋江地区, 3524xx). Synthetic numbers use
# a code in force in the birth year, so they are valid for python-stdnum too; the platform itself
# accepts a code of any GB/T 2260 edition whatever the birth date (kit/identifiers.py).
LEGACY_DIVISIONS = ("352401", "352421", "352422", "352423", "352424", "352425", "352426")


@functools.cache
def resident_divisions(year: int) -> tuple[str, ...]:
    """The Quanzhou county codes python-stdnum accepts for people born in `year`."""
    def accepted(division: str) -> bool:
        body = f"{division}{year:04d}0101000"
        return ric.is_valid(body + ric.calc_check_digit(body + "X"))
    return tuple(d for d in (*QUANZHOU_DIVISIONS, *LEGACY_DIVISIONS) if accepted(d))


def make_resident_id(rng: random.Random, born_from: int = 1955, born_to: int = 2004) -> str:
    """A valid GB 11643 number of someone born in [born_from, born_to] (1900 or later), with a
    county code that existed in the birth year (python-stdnum checks it)."""
    birth = dt.date(rng.randint(born_from, born_to), rng.randint(1, 12), rng.randint(1, 28))
    divisions = resident_divisions(birth.year)
    if not divisions:
        raise ValueError(f"no Quanzhou county code is known for {birth.year}")
    body = rng.choice(divisions) + birth.strftime("%Y%m%d") + f"{rng.randint(0, 999):03d}"
    return body + ric.calc_check_digit(body + "X")


def penalty_row(rng: random.Random, *, name: str, subject_uscc: str, decision_no: str, decision_date: dt.date,
                kind: str = "罚款", fine_wan: str = "1.5", agency_name: str = "泉州市市场监督管理局",
                agency_uscc: str = "", legal_rep: str = "张三", person_id: str | None = None) -> dict[str, str]:
    """One 行政处罚 row. With `person_id`, the subject is a natural person (自然人)."""
    person = person_id is not None
    return {
        "行政相对人名称": name,
        "行政相对人类别": "自然人" if person else "法人及非法人组织",
        "行政相对人代码_1(统一社会信用代码)": "" if person else subject_uscc,
        "法定代表人": "" if person else legal_rep,
        "法定代表人证件类型": "", "法定代表人证件号码": "",
        "证件类型": "身份证" if person else "", "证件号码": person_id or "",
        "行政处罚决定书文号": decision_no,
        "违法行为类型": "违反食品安全管理规定", "违法事实": "经营超过保质期的食品",
        "处罚依据": "《中华人民共和国食品安全法》第一百二十四条", "处罚类别": kind,
        "处罚内容": f"{kind}{fine_wan}万元" if "罚款" in kind else kind,
        "罚款金额(万元)": fine_wan if "罚款" in kind else "",
        "没收违法所得、没收非法财物的金额(万元)": "", "暂扣或吊销证照名称及编号": "",
        "处罚决定日期": decision_date.strftime("%Y/%m/%d"), "处罚有效期": "2099/12/31", "公示截止期": "",
        "处罚机关": agency_name, "处罚机关统一社会信用代码": agency_uscc,
        "数据来源单位": agency_name, "数据来源单位统一社会信用代码": agency_uscc, "备注": "",
    }


def to_csv(rows: list[dict[str, str]], headers: tuple[str, ...] = PENALTY_HEADERS, encoding: str = "utf-8",
           bom: bool = False) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(headers), extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    data = buf.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


# ---------------------------------------------------------------- more of the city (demo)
DIVISION_NAMES = {
    "350500": "泉州市", "350502": "鲤城区", "350503": "丰泽区", "350504": "洛江区", "350505": "泉港区",
    "350521": "惠安县", "350524": "安溪县", "350525": "永春县", "350526": "德化县", "350581": "石狮市",
    "350582": "晋江市", "350583": "南安市",
}
LONG_TERM = dt.date(2099, 12, 31)

LICENCE_HEADERS = (
    "行政相对人名称", "行政相对人类别", "行政相对人代码_1(统一社会信用代码)", "法定代表人", "法定代表人证件类型",
    "法定代表人证件号码", "证件类型", "证件号码", "行政许可决定文书名称", "行政许可决定文书号", "许可类别",
    "许可证书名称", "许可编号", "许可内容", "许可决定日期", "有效期自", "有效期至", "许可机关",
    "许可机关统一社会信用代码", "当前状态", "数据来源单位", "数据来源单位统一社会信用代码", "备注",
)
SUBJECT_KIND_ZH = {"legal_person": "法人及非法人组织", "individual_business": "个体工商户",
                   "natural_person": "自然人"}


def break_check_digit(code: str) -> str:
    """The same USCC with a wrong check character: what a typing error in a feed looks like."""
    alphabet = USCC_ALPHABET
    return code[:-1] + alphabet[(alphabet.index(code[-1]) + 1) % len(alphabet)]


def break_resident_id(number: str) -> str:
    """The same resident ID with a wrong check character."""
    digits = "0123456789X"
    return number[:-1] + digits[(digits.index(number[-1]) + 1) % len(digits)]


def wan(yuan: int) -> str:
    """元 -> 万元 as written in 双公示 feeds: up to four decimals, no trailing zeros."""
    return f"{yuan / 10000:.4f}".rstrip("0").rstrip(".")


def subject_columns(*, name: str, kind: str, uscc_code: str = "", legal_rep: str = "",
                    legal_rep_id: str = "", person_id: str = "") -> dict[str, str]:
    """The 行政相对人 columns shared by penalty and licence rows; `kind` is a subject kind code."""
    person = kind == "natural_person"
    return {
        "行政相对人名称": name, "行政相对人类别": SUBJECT_KIND_ZH[kind],
        "行政相对人代码_1(统一社会信用代码)": "" if person else uscc_code,
        "法定代表人": "" if person else legal_rep,
        "法定代表人证件类型": "身份证" if legal_rep_id and not person else "",
        "法定代表人证件号码": "" if person else legal_rep_id,
        "证件类型": "身份证" if person else "", "证件号码": person_id if person else "",
    }


def licence_row(*, subject: dict[str, str], doc_name: str, decision_no: str, kind: str, certificate: str,
                licence_no: str, content: str, decision_date: dt.date, valid_to: dt.date | None,
                agency_name: str, agency_uscc: str, status: str = "有效", remarks: str = "") -> dict[str, str]:
    """One 行政许可 row; `subject` comes from ``subject_columns``."""
    return {
        **subject,
        "行政许可决定文书名称": doc_name, "行政许可决定文书号": decision_no, "许可类别": kind,
        "许可证书名称": certificate, "许可编号": licence_no, "许可内容": content,
        "许可决定日期": decision_date.strftime("%Y/%m/%d"), "有效期自": decision_date.strftime("%Y/%m/%d"),
        "有效期至": valid_to.strftime("%Y/%m/%d") if valid_to else "",
        "许可机关": agency_name, "许可机关统一社会信用代码": agency_uscc, "当前状态": status,
        "数据来源单位": agency_name, "数据来源单位统一社会信用代码": agency_uscc, "备注": remarks,
    }


_XLSX_EPOCH = (2026, 1, 1, 0, 0, 0)


def to_xlsx(rows: list[dict[str, str]], headers: tuple[str, ...] = PENALTY_HEADERS,
            date_columns: tuple[str, ...] = (), number_columns: tuple[str, ...] = ()) -> bytes:
    """An XLSX workbook as an agency's office software writes it: values in `date_columns`
    become date cells, in `number_columns` number cells, everything else text. The bytes are reproducible (fixed zip
    timestamps and document dates), so the same rows give the same file."""
    import re
    import zipfile

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(list(headers))
    for row in rows:
        cells: list[object] = []
        for h in headers:
            value = row.get(h, "")
            if h in date_columns and value:
                cells.append(dt.datetime.strptime(value.replace("-", "/"), "%Y/%m/%d"))
            elif h in number_columns and value:
                cells.append(float(value))
            else:
                cells.append(value if value != "" else None)
        ws.append(cells)
    for col in date_columns:
        if col in headers:
            letter = ws.cell(row=1, column=headers.index(col) + 1).column_letter
            for cell in ws[letter][1:]:
                cell.number_format = "yyyy/mm/dd"
    fixed = dt.datetime(*_XLSX_EPOCH)
    wb.properties.created = fixed
    raw = io.BytesIO()
    wb.save(raw)
    out = io.BytesIO()
    stamp = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = stamp.sub(rb"\g<1>2026-01-01T00:00:00Z\g<2>", data)
            entry = zipfile.ZipInfo(info.filename, date_time=_XLSX_EPOCH)
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, data)
    return out.getvalue()
