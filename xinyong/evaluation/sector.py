"""Sector evaluations (行业信用评价) filed by agencies, with tiered supervision (QZ art. 17):
results are published and filed with the credit department (报市发展和改革部门备案). A file is
checked as a whole: one bad row refuses the file with every problem listed, and nothing is
written. Flushes, never commits."""
from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.agencies import service as agencies
from xinyong.audit import record_event
from xinyong.config import get_settings
from xinyong.evaluation import repository
from xinyong.evaluation.rules import TIERS_CITATION, tier_for, tiers_of
from xinyong.kit.access import Principal
from xinyong.kit.errors import InvalidInput
from xinyong.law import active_profile
from xinyong.models.evaluation import SectorEvaluation, SectorImport

# column: (Chinese header, required)
COLUMNS = {
    "uscc": ("统一社会信用代码", True),
    "sector": ("行业", True),
    "grade": ("评价等级", True),
    "tier": ("监管分级", False),
    "evaluated_on": ("评价日期", True),
    "agency_uscc": ("评价机构代码", True),
}
MAX_ROWS = 50_000


@dataclasses.dataclass
class ImportOutcome:
    import_id: int
    rows: int


def tiers_rule(on: dt.date | None = None):
    try:
        return active_profile().rule("supervision.tiers", on=on or clock.today())
    except LookupError as exc:
        raise InvalidInput(f"分级分类监管规则未生效：{exc}", code="no_supervision_tiers",
                           message_en=f"no supervision tiers in force: {exc}") from None


def parse_csv(data: bytes) -> list[dict]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("文件须为 UTF-8 编码的 CSV", code="bad_encoding", field="file",
                           message_en="the file must be UTF-8 CSV") from None
    reader = csv.DictReader(io.StringIO(text))
    by_header = {zh: code for code, (zh, _) in COLUMNS.items()} | {code: code for code in COLUMNS}
    fieldnames = reader.fieldnames or []
    limit = get_settings().ingest_max_columns
    if len(fieldnames) > limit:  # every row would be walked across all of them
        raise InvalidInput(f"列数 {len(fieldnames)} 超过上限 {limit}", code="too_many_columns", field="file",
                           message_en=f"{len(fieldnames)} columns; at most {limit} are read")
    codes = {h: by_header.get((h or "").strip()) for h in fieldnames}
    missing = [COLUMNS[c][0] for c, (_, req) in COLUMNS.items() if req and c not in codes.values()]
    if missing:
        raise InvalidInput(f"缺少列：{'、'.join(missing)}", code="missing_columns", field="file",
                           message_en=f"missing columns: {', '.join(missing)}")
    rows = [{codes[h]: (raw.get(h) or "").strip() for h in fieldnames if codes[h]} for raw in reader]
    return rows


def import_csv(session: Session, data: bytes, filename: str, *, actor: Principal, channel: str = "web") -> ImportOutcome:
    return import_rows(session, parse_csv(data), filename, actor=actor, channel=channel)


def import_rows(session: Session, rows: list[dict], filename: str, *, actor: Principal,
                channel: str = "api") -> ImportOutcome:
    """Check every row, then file them all (one import, one audit event) or refuse the file."""
    if not rows:
        raise InvalidInput("文件没有数据行", code="empty_file", field="file", message_en="the file has no rows")
    if len(rows) > MAX_ROWS:
        raise InvalidInput(f"一次最多 {MAX_ROWS} 行", code="too_many_rows", field="file",
                           message_en=f"at most {MAX_ROWS} rows per file")
    today = clock.today()
    rule = tiers_rule(today)
    subjects = repository.subject_ids_by_uscc(session, [r.get("uscc", "") for r in rows])
    agency_codes = sorted({r.get("agency_uscc", "") for r in rows})
    agency_ids = {c: a.id for c in agency_codes if (a := agencies.by_uscc(session, c)) is not None and a.active}
    problems, clean = [], []
    for n, row in enumerate(rows, start=2):   # row 1 is the header
        found = _row_problems(row, subjects, agency_ids, rule.value, today, actor)
        if found:
            problems += [f"第{n}行 / row {n}: {p}" for p in found]
            continue
        clean.append(row)
    if problems:
        shown = problems[:20] + ([f"… {len(problems) - 20} more"] if len(problems) > 20 else [])
        raise InvalidInput("文件未导入，请更正后重新提交：" + "；".join(shown), code="bad_rows", field="file",
                           message_en="nothing was imported; correct the file and send it again: " + "; ".join(shown))
    first_agency = agency_ids[clean[0]["agency_uscc"]]
    batch = SectorImport(agency_id=first_agency, filename=filename[:255], channel=channel, rows=len(clean),
                         submitted_by=actor.user_id)
    session.add(batch)
    session.flush()
    keys = {(subjects[r["uscc"]], agency_ids[r["agency_uscc"]], r["sector"], dt.date.fromisoformat(r["evaluated_on"]))
            for r in clean}
    existing = {(e.subject_id, e.agency_id, e.sector, e.evaluated_on): e for e in session.scalars(
        select(SectorEvaluation).where(SectorEvaluation.subject_id.in_({k[0] for k in keys})))}
    for r in clean:
        key = (subjects[r["uscc"]], agency_ids[r["agency_uscc"]], r["sector"], dt.date.fromisoformat(r["evaluated_on"]))
        tier = tier_for(rule.value, r["grade"], r.get("tier") or None).value
        row = existing.get(key)
        if row is None:
            row = SectorEvaluation(subject_id=key[0], agency_id=key[1], sector=key[2], evaluated_on=key[3])
            session.add(row)
            existing[key] = row
        row.grade, row.tier, row.import_id, row.published = r["grade"], tier, batch.id, True
    session.flush()
    record_event(session, actor, "evaluation.sector_import", target_type="sector_import", target_id=batch.id,
                 details={"rows": len(clean), "channel": channel, "citation": TIERS_CITATION})
    return ImportOutcome(batch.id, len(clean))


def _row_problems(row: dict, subjects: dict, agency_ids: dict, tiers: dict, today: dt.date,
                  actor: Principal) -> list[str]:
    out = []
    for code, (zh, required) in COLUMNS.items():
        if required and not row.get(code):
            out.append(f"{zh}为空 / {code} is empty")
    if out:
        return out
    if row["uscc"] not in subjects:
        out.append(f"统一社会信用代码 {row['uscc']} 不是平台已知主体 / no subject with USCC {row['uscc']}")
    if row["agency_uscc"] not in agency_ids:
        out.append(f"评价机构 {row['agency_uscc']} 未登记 / agency {row['agency_uscc']} is not registered")
    elif actor.role == "agency" and actor.agency_id != agency_ids[row["agency_uscc"]]:
        out.append("机构只能报送本机构的评价结果 / an agency files its own evaluations only")
    try:
        day = dt.date.fromisoformat(row["evaluated_on"])
        if day > today:
            out.append(f"评价日期 {day} 晚于今天 / evaluation date {day} is in the future")
    except ValueError:
        out.append(f"评价日期 {row['evaluated_on']!r} 不是 YYYY-MM-DD / date is not YYYY-MM-DD")
    if len(row["sector"]) > 64 or len(row["grade"]) > 16:
        out.append("行业或评价等级过长 / sector or grade too long")
    if tier_for(tiers, row["grade"], row.get("tier") or None) is None:
        known = "、".join(tiers_of(tiers))
        out.append(f"监管分级无法确定（等级 {row['grade']}，分级 {row.get('tier') or '-'}；可用分级：{known}）"
                   f" / no supervision tier for grade {row['grade']!r} tier {row.get('tier')!r}")
    return out


def sector_view(session: Session, subject_id: int) -> list[dict]:
    """The subject's published sector evaluations with the inspection frequency of each tier."""
    rule = tiers_rule()
    tiers = tiers_of(rule.value)
    rows = repository.sector_evaluations_of(session, subject_id)
    for r in rows:
        t = tiers.get(r["tier"])
        r["inspections_per_year"] = t.inspections_per_year if t else None
        r["sampling_ratio"] = t.sampling_ratio if t else None
        r["tier_name_zh"], r["tier_name_en"] = (t.name_zh, t.name_en) if t else ("", "")
        r["citation"] = str(rule.citation)
    return rows
