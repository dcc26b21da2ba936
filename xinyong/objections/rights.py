"""The written notice of rights when a dishonesty record is recorded (QZ art. 20): the subject is
told that it may object (art. 34) and apply for repair (art. 35-36), and how.

Two halves, both driven by the rule ``notice.rights_on_recording`` (no rule in force: nothing):
- when a batch is ingested, the accounts of the subjects of its new dishonesty records are told
  at once, in one INSERT ... SELECT whatever the batch size (``notify_batch``);
- the written notice itself is a PDF issued on the subject's first request and stored, so a
  million-row batch renders no million PDFs (``notice``)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import text
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.documents.service import documents_of, issue
from xinyong.kit.access import Principal
from xinyong.kit.errors import NotFound
from xinyong.kit.pdf import Section
from xinyong.law import RuleNotInForce
from xinyong.law.loader import active_profile
from xinyong.models import Agency, Record

RULE_KEY = "notice.rights_on_recording"
PROCEDURE, KIND = "recording", "rights_notice"


def rule(on: dt.date):
    """The rule in force on the day, or None where the profile has none (e.g. Fuzhou)."""
    profile = active_profile()
    if RULE_KEY not in profile.keys():
        return None
    try:
        return profile.rule(RULE_KEY, on)
    except RuleNotInForce:
        return None



def notify_batch(session: Session, batch_id: int) -> int:
    """Tell the accounts of the subjects of the batch's new dishonesty records (one statement).
    A subject without an account reads the notice on its records page once it has one."""
    today = clock.today()
    found = rule(today)
    if found is None:
        return 0
    codes = sorted(found.value["items"])
    marks = ", ".join(f":item{i}" for i in range(len(codes)))
    records = f"r.batch_id = :batch AND r.version = 1 AND r.item_code IN ({marks})"
    if _from_accounts(session, batch_id):
        source = ("FROM (SELECT DISTINCT subject_id FROM users WHERE active = :yes AND subject_id IS NOT NULL) u "
                  f"CROSS JOIN records r ON r.subject_id = u.subject_id WHERE {records} ORDER BY r.id")
    else:
        source = (f"FROM records r WHERE {records} "
                  "AND EXISTS (SELECT 1 FROM users u WHERE u.subject_id = r.subject_id AND u.active = :yes)")
    result = session.execute(text(
        "INSERT INTO notifications (recipient_subject_id, kind, text_zh, text_en, link, dedupe_key, created_at) "
        "SELECT r.subject_id, :kind, "
        "'您有一条失信信息记入信用记录（' || r.decision_no || '），您享有申请异议和信用修复的权利，请查看权利告知书', "
        "'A dishonesty record was entered in your credit record (' || r.decision_no || '): you may object and "
        "apply for credit repair; read the notice of your rights', "
        f"'/me/notices/' || r.id, 'rights:' || r.id, :now {source}"),
        {"kind": KIND, "now": clock.now(), "batch": batch_id, "yes": True,
         **{f"item{i}": code for i, code in enumerate(codes)}})
    return result.rowcount or 0


# the records of a subject, read from its accounts' side, against one look-up of a record's
# accounts from the batch's side (a city's subjects have ~10 records each: 10M / 1M)
RECORDS_PER_SUBJECT = 10
ACCOUNTS_COUNTED = 100_000


def _from_accounts(session: Session, batch_id: int) -> bool:
    """SQLite, which keeps no statistics to choose a join order by: whether the batch's records
    are found from the accounts' subjects (fewer accounts than a tenth of the batch's records),
    not each record's accounts looked up (a 1M-row batch into a city without accounts: 0.53 s
    to find no one). Two counts, each stopped at the bound it is compared with. PostgreSQL's
    planner chooses by its statistics."""
    if session.get_bind().dialect.name != "sqlite":
        return False
    accounts = session.execute(text(
        "SELECT count(*) FROM (SELECT 1 FROM users WHERE active = :yes AND subject_id IS NOT NULL LIMIT :cap)"),
        {"yes": True, "cap": ACCOUNTS_COUNTED}).scalar()
    if accounts >= ACCOUNTS_COUNTED:
        return False
    bound = accounts * RECORDS_PER_SUBJECT
    return session.execute(text("SELECT count(*) FROM (SELECT 1 FROM records WHERE batch_id = :batch LIMIT :n)"),
                           {"batch": batch_id, "n": bound + 1}).scalar() > bound


def notice(session: Session, principal: Principal, record_id: int):
    """The written notice for one of the subject's own dishonesty records, issued once."""
    today = clock.today()
    record = session.get(Record, record_id)
    found = rule(record.decision_date if record is not None else today) or rule(today)
    if (record is None or found is None or principal.subject_id is None or record.subject_id != principal.subject_id
            or record.item_code not in found.value["items"]):
        raise NotFound("没有这份告知书", message_en="no such notice")
    existing = documents_of(session, PROCEDURE, record.id)
    if existing:
        return existing[0]
    agency = session.get(Agency, record.source_agency_id) if record.source_agency_id else None
    facts = Section(rows=[("信用记录", record.decision_no), ("决定日期", record.decision_date.isoformat()),
                          ("记入单位", agency.name if agency else "—"),
                          ("失信程度", {"minor": "轻微", "general": "一般", "serious": "严重"}.get(record.severity or "", "—")),
                          ("公示截止", record.publicity_end.isoformat() if record.publicity_end else "—")])
    rights = Section(heading="您享有的权利及申请途径", paragraphs=list(found.value["rights_zh"]))
    return issue(session, kind=KIND, procedure=PROCEDURE, procedure_id=record.id, title="失信信息记录及权利告知书",
                 sections=[Section(paragraphs=["依据有关规定，下列失信信息已记入您的信用记录。特此告知您享有的权利及申请途径。"]),
                           facts, rights],
                 subject_id=record.subject_id, citation=str(found.citation))
