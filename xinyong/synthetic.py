"""Synthetic but valid data: identifiers with correct check characters, and 双公示 rows in
the national column layout. Used by the demo, the tests and the benchmarks."""
from __future__ import annotations

import csv
import datetime as dt
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


def make_resident_id(rng: random.Random, born_from: int = 1955, born_to: int = 2004) -> str:
    """A valid GB 11643 number; python-stdnum also checks that the division existed in the
    birth year, so draw until it does."""
    for _ in range(200):
        birth = dt.date(rng.randint(born_from, born_to), rng.randint(1, 12), rng.randint(1, 28))
        body = rng.choice(QUANZHOU_DIVISIONS) + birth.strftime("%Y%m%d") + f"{rng.randint(0, 999):03d}"
        number = body + ric.calc_check_digit(body + "X")
        if ric.is_valid(number):
            return number
    raise RuntimeError("could not draw a valid resident ID")


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
