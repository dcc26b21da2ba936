"""Small builders for test data, on top of xinyong.synthetic."""
from __future__ import annotations

import datetime as dt
import random

from xinyong.accounts.service import create_user
from xinyong.agencies.service import register
from xinyong.synthetic import make_resident_id, make_uscc, penalty_row, to_csv



def valid_agency_uscc(seed: int = 7) -> str:
    return make_uscc(random.Random(seed), kind="11")


def agency(session, seed: int = 7, name: str = "泉州市市场监督管理局"):
    return register(session, uscc=valid_agency_uscc(seed), name=name)


def agency_user(session, agency_uscc: str, username: str = "agency1", password: str = "agency-pass-123"):
    return create_user(session, username=username, password=password, role="agency", agency_uscc=agency_uscc)


def staff_user(session, username: str = "staff1", password: str = "staff-pass-123"):
    return create_user(session, username=username, password=password, role="staff")


def penalty_rows(n: int, agency_uscc: str, seed: int = 1, start: dt.date = dt.date(2026, 5, 1),
                 persons: int = 0, prefix: str = "泉市监罚") -> list[dict[str, str]]:
    """n valid penalty rows; the first `persons` rows concern natural persons."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        person_id = make_resident_id(rng) if i < persons else None
        rows.append(penalty_row(
            rng, name=("李四" + str(i)) if person_id else f"泉州市测试贸易有限公司{i}",
            subject_uscc=make_uscc(rng), decision_no=f"{prefix}〔2026〕{i + 1}号",
            decision_date=start + dt.timedelta(days=i % 20), agency_uscc=agency_uscc, person_id=person_id))
    return rows


__all__ = ["agency", "agency_user", "staff_user", "penalty_rows", "to_csv", "valid_agency_uscc"]
