"""An enterprise's public legal representative is the registration authority's to change: any
agency's penalty batch that names another (with an ID number) set it before, so any agency could
rewrite any enterprise's legal representative on the portal. Another item's batch still sets one
where a subject has none. SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select

from tests.catalogue.test_every_item import valid_row
from tests.support.builders import agency, to_csv
from xinyong.catalogue import get_catalogue
from xinyong.ingest.service import ingest_file, ingest_rows
from xinyong.models import Subject
from xinyong.synthetic import make_resident_id, make_uscc, penalty_row

FIRM = "泉州市法代测试有限公司"


def _penalty(session, src, uscc, no, rep, rep_id):
    row = penalty_row(random.Random(no), name=FIRM, subject_uscc=uscc, decision_no=f"泉法代〔2026〕{no}号",
                      decision_date=dt.date(2026, 5, 6), agency_uscc=src.uscc, legal_rep=rep)
    row["法定代表人证件类型"], row["法定代表人证件号码"] = "身份证", rep_id
    out = ingest_file(session, data=to_csv([row]), filename="p.csv", source_uscc=src.uscc, item_code="penalty")
    assert out.accepted == 1, out


def test_only_the_registration_authority_changes_a_legal_representative(session, today):
    today("2026-09-01")
    rng = random.Random(8)
    market, environment = agency(session), agency(session, seed=9, name="泉州市生态环境局")
    uscc, first, forged = make_uscc(rng), make_resident_id(rng), make_resident_id(rng)
    _penalty(session, market, uscc, 1, "陆淑华", first)              # a subject with no representative yet: set
    firm = session.scalar(select(Subject).where(Subject.uscc == uscc))
    assert firm.legal_rep_name == "陆淑华" and firm.legal_rep_id is not None
    _penalty(session, environment, uscc, 2, "王假人", forged)         # another agency's batch: not changed
    session.refresh(firm)
    assert firm.legal_rep_name == "陆淑华"

    item = get_catalogue().get("registration")
    header = {f.role: f.header_zh for f in item.fields if f.role}
    row = valid_row(item, 3, market.uscc)
    row[header["subject_name"]], row[header["subject_uscc"]] = FIRM, uscc
    row[header["legal_rep_name"]] = "陈新"
    by_other = ingest_rows(session, rows=[row], source_uscc=environment.uscc, item_code="registration")
    assert by_other.accepted == 0, by_other                        # a registration only from its 登记机关
    assert ingest_rows(session, rows=[row], source_uscc=market.uscc, item_code="registration").accepted == 1
