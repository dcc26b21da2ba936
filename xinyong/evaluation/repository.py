"""Set-based evaluation queries, generated from the indicator model.

A recompute is a handful of statements per scope (scope.py: a subject range, the subjects of
one batch staged in a temporary table, or named subjects): delete the scope's rows of the model
version, INSERT … SELECT the contributions (one GROUP BY over records, one over list entries,
one over commitments), then INSERT … SELECT the results from subjects LEFT JOIN contributions.
No Python loop over rows.
The explanation page finds the records behind a contribution with the very same CASE
expression (`record_indicator_expr`), restricted to one subject."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, bindparam, inspect, text
from sqlalchemy.orm import Session

from xinyong.disclosure.publicity import public_sql
from xinyong.evaluation.rules import Indicator, IndicatorModel
from xinyong.evaluation.scope import Scope
from xinyong.models.base import Json, TimestampTZ

CONTRIB_COLUMNS = ("subject_id, model_version, run_id, indicator, dimension, matched, flagged, points, as_of, "
                   "computed_at")


def _q(value: str) -> str:
    """A model code as an SQL literal (rules._check allows [A-Za-z0-9_+-] only)."""
    return "'" + value + "'"


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(map(_q, values))})"


def _stmt(session: Session, sql: str, scope: Scope | None):
    """A named-subjects scope binds its id list: on PostgreSQL as one array (``= ANY``, the plan
    the expanded list gets), elsewhere expanded. An expanded list of thousands of ids cost more
    client CPU to render and split into placeholders than the statement took to run (0.25 s of
    a 10,000-row batch's evaluation)."""
    if scope is None or not scope.expanding:
        return text(sql)
    if session.get_bind().dialect.name == "postgresql":
        for n in scope.expanding:
            sql = sql.replace(f" IN :{n}", f" = ANY(CAST(:{n} AS bigint[]))")
        return text(sql)
    return text(sql).bindparams(*(bindparam(n, expanding=True) for n in scope.expanding))


def record_indicator_expr(model: IndicatorModel, as_of: dt.date, alias: str = "r") -> tuple[str, dict]:
    """CASE … END naming the first records indicator a record matches (NULL: none), with the
    cut-off dates as parameters."""
    whens, params = [], {}
    for n, ind in enumerate(model.of_source("records")):
        conds = [_in(f"{alias}.item_code", ind.items)]
        if ind.severities:
            conds.append(_in(f"{alias}.severity", ind.severities))
        if ind.within_years is not None:
            conds.append(f"{alias}.decision_date >= :cut_{n}")
            params[f"cut_{n}"] = ind.cutoff(as_of)
        whens.append(f"WHEN {' AND '.join(conds)} THEN {_q(ind.code)}")
    if not whens:
        return "NULL", params
    return f"CASE {' '.join(whens)} END", params


def record_filter(model: IndicatorModel, alias: str = "r") -> str:
    """Records that can count at all: the model's items, and its treatment of repaired
    records and records under objection."""
    items = tuple(dict.fromkeys(i for ind in model.of_source("records") for i in ind.items)) or ("",)
    conds = [_in(f"{alias}.item_code", items)]
    if not model.treatment.repaired_counted:
        conds.append(f"{alias}.status <> 'repaired'")
    if not model.treatment.objection_counted:
        conds.append(f"NOT {alias}.under_objection")
    return " AND ".join(conds)


def _points_case(model: IndicatorModel, matched: str, indicators: tuple[Indicator, ...]) -> str:
    whens = []
    for ind in indicators:
        raw = f"({matched}) * ({ind.points_each})"
        if ind.cap is None:
            value = raw
        elif ind.points_each < 0:
            value = f"CASE WHEN {raw} < {ind.cap} THEN {ind.cap} ELSE {raw} END"
        else:
            value = f"CASE WHEN {raw} > {ind.cap} THEN {ind.cap} ELSE {raw} END"
        whens.append(f"WHEN {_q(ind.code)} THEN {value}")
    return f"CASE a.indicator {' '.join(whens)} END"


def _dimension_case(indicators: tuple[Indicator, ...]) -> str:
    return "CASE a.indicator " + " ".join(f"WHEN {_q(i.code)} THEN {_q(i.dimension)}" for i in indicators) + " END"


def _kind_filter(indicators: tuple[Indicator, ...]) -> tuple[str, str]:
    """(join, where) keeping kind-restricted indicators (government integrity) to their kinds."""
    restricted = [i for i in indicators if i.subject_kinds]
    if not restricted:
        return "", ""
    # the subject is looked up (by its key) only for a restricted indicator's rows: no join of
    # every contribution with subjects (a hash join reading all subjects, issue #14 point 4)
    tests = " ".join(f"WHEN {_q(i.code)} THEN CASE WHEN EXISTS (SELECT 1 FROM subjects s WHERE s.id = a.subject_id "
                     f"AND {_in('s.kind', i.subject_kinds)}) THEN 1 ELSE 0 END" for i in restricted)
    return "", f"WHERE (CASE a.indicator {tests} ELSE 1 END) = 1"


def _insert_contributions(session: Session, model: IndicatorModel, scope: Scope, inner: str,
                          indicators: tuple[Indicator, ...], params: dict) -> int:
    join, where = _kind_filter(indicators)
    sql = (f"INSERT INTO evaluation_contributions ({CONTRIB_COLUMNS}) "
           f"SELECT a.subject_id, :version, :run_id, a.indicator, {_dimension_case(indicators)}, a.matched, a.flagged, "
           f"{_points_case(model, 'a.matched', indicators)}, :as_of, :now FROM ({inner}) a {join} {where}")
    result = session.execute(_stmt(session, sql, scope), {**params, **scope.params})
    return result.rowcount or 0


def _driven(session: Session, scope: Scope) -> bool:
    """Whether a statement reads the scope's subjects one by one from the scope's relation (a
    per-subject scope on PostgreSQL)."""
    return bool(scope.per_subject and scope.relation) and session.get_bind().dialect.name == "postgresql"


def insert_record_contributions(session: Session, model: IndicatorModel, scope: Scope, as_of: dt.date,
                                base: dict) -> int:
    indicators = model.of_source("records")
    if not indicators:
        return 0
    case, cuts = record_indicator_expr(model, as_of)
    # each record's indicator and objection flag, read per subject or across the scope below
    per_record = f"{case} AS indicator, CASE WHEN r.under_objection THEN 1 ELSE 0 END AS flag FROM records r"
    if _driven(session, scope):
        # each subject of the scope, its records grouped in a lateral subquery (an aggregate: the
        # planner cannot turn it into a join read from the records' side): the records are read
        # by the subject's key whatever share of the city the batch is (with a plain join, a
        # batch of 30% of a small city was planned as a read of every record through
        # ix_records_item_date, probing the scope for each: tests/evaluation/test_incremental_plans.py)
        inner = (f"SELECT k.id AS subject_id, x.indicator, x.matched, x.flagged FROM {scope.relation} k "
                 f"CROSS JOIN LATERAL (SELECT y.indicator, count(*) AS matched, sum(y.flag) AS flagged FROM ("
                 f"SELECT {per_record} WHERE r.subject_id = k.id AND {record_filter(model)}) y "
                 f"WHERE y.indicator IS NOT NULL GROUP BY y.indicator) x")
        return _insert_contributions(session, model, scope, inner, indicators, {**base, **cuts})
    if scope.per_subject and scope.relation and not scope.expanding and session.get_bind().dialect.name == "sqlite":
        # SQLite, a batch's staged subjects: they drive the read (CROSS JOIN keeps them the outer
        # loop), each one's records by ix_records_subject_date. With `IN (SELECT …)` SQLite read
        # every record of the model's items through ix_records_item_date, in date order, probing
        # the scope for each (the whole city's; a 200k-row batch's statement 3.0 s -> 0.6 s)
        per_record = per_record.replace(" FROM records r", f" FROM {scope.relation} k CROSS JOIN records r")
        inner = (f"SELECT x.subject_id, x.indicator, count(*) AS matched, sum(x.flag) AS flagged FROM ("
                 f"SELECT r.subject_id, {per_record} WHERE r.subject_id = k.id AND {record_filter(model)}) x "
                 f"WHERE x.indicator IS NOT NULL GROUP BY x.subject_id, x.indicator")
        return _insert_contributions(session, model, scope, inner, indicators, {**base, **cuts})
    inner = (f"SELECT x.subject_id, x.indicator, count(*) AS matched, sum(x.flag) AS flagged FROM ("
             f"SELECT r.subject_id, {per_record} WHERE {record_filter(model)} AND {scope.on('r.subject_id')}) x "
             f"WHERE x.indicator IS NOT NULL GROUP BY x.subject_id, x.indicator")
    return _insert_contributions(session, model, scope, inner, indicators, {**base, **cuts})


def insert_list_contributions(session: Session, model: IndicatorModel, scope: Scope, as_of: dt.date,
                              base: dict) -> int:
    indicators = model.of_source("lists")
    if not indicators or not has_table(session, "list_entries"):
        return 0
    case = "CASE " + " ".join(f"WHEN {_in('e.kind', i.list_kinds)} THEN {_q(i.code)}" for i in indicators) + " END"
    inner = (f"SELECT x.subject_id, x.indicator, count(*) AS matched, 0 AS flagged FROM ("
             f"SELECT e.subject_id, {case} AS indicator FROM list_entries e "
             f"WHERE {active_entry_filter('e')} AND {scope.on('e.subject_id')}) x "
             f"WHERE x.indicator IS NOT NULL GROUP BY x.subject_id, x.indicator")
    return _insert_contributions(session, model, scope, inner, indicators, base)


def active_entry_filter(alias: str = "e") -> str:
    return f"{alias}.status = 'active' AND ({alias}.period_end IS NULL OR {alias}.period_end >= :as_of)"


def insert_commitment_contributions(session: Session, model: IndicatorModel, scope: Scope, as_of: dt.date,
                                    base: dict) -> int:
    indicators = model.of_source("commitments")
    if not indicators or not has_table(session, "commitments"):
        return 0
    ind = indicators[0]   # one breach indicator: the first wins, as for records
    params = dict(base)
    cut = ""
    if ind.within_years is not None:
        cut = " AND c.breached_on >= :cut_commitment"
        params["cut_commitment"] = ind.cutoff(as_of)
    inner = (f"SELECT c.subject_id, {_q(ind.code)} AS indicator, count(*) AS matched, 0 AS flagged "
             f"FROM commitments c WHERE {commitment_filter(model, 'c')}{cut} AND {scope.on('c.subject_id')} "
             f"GROUP BY c.subject_id")
    return _insert_contributions(session, model, scope, inner, (ind,), params)


def commitment_filter(model: IndicatorModel, alias: str = "c") -> str:
    """Broken commitments; one whose breach record was repaired no longer counts (as records)."""
    cond = f"{alias}.status = 'breached'"
    if not model.treatment.repaired_counted:
        cond += (f" AND NOT EXISTS (SELECT 1 FROM records br WHERE br.id = {alias}.breach_record_id "
                 f"AND br.status = 'repaired')")
    return cond


def insert_results(session: Session, model: IndicatorModel, scope: Scope, as_of: dt.date, run_id: int,
                   now: dt.datetime) -> int:
    grade = "CASE " + " ".join(f"WHEN t.score >= {g.min} THEN {_q(g.grade)}" for g in model.grades if g.min is not None)
    grade += f" ELSE {_q(model.grades[-1].grade)} END"
    if scope.per_subject:
        rows = _per_subject_rows(model, scope, session.get_bind().dialect.name == "postgresql")
    else:
        # contributions are summed per subject first (a streaming aggregate over their key), then
        # joined to every subject of the range: no aggregate over all subjects
        rows = (f"SELECT s.id AS subject_id, {_score(model, 'c.points')} AS score, coalesce(c.flagged, 0) AS flagged "
                f"FROM subjects s LEFT JOIN (SELECT subject_id, sum(points) AS points, sum(flagged) AS flagged "
                f"FROM evaluation_contributions WHERE model_version = :version AND {scope.on('subject_id')} "
                f"GROUP BY subject_id) c ON c.subject_id = s.id WHERE {scope.on('s.id')}")
    sql = (f"INSERT INTO evaluation_results (subject_id, model_version, score, grade, flagged, as_of, run_id, "
           f"computed_at) SELECT t.subject_id, :version, t.score, {grade}, t.flagged, :as_of, :run_id, :now "
           f"FROM ({rows}) t")
    params = {"version": model.version, "as_of": as_of, "run_id": run_id, "now": now, **scope.params}
    return session.execute(_stmt(session, sql, scope), params).rowcount or 0


def _per_subject_rows(model: IndicatorModel, scope: Scope, pg: bool) -> str:
    """Each subject of the scope with its contributions summed by key. On PostgreSQL a lateral
    subquery: the lookup is keyed by the subject whatever the statistics say (with the
    contributions just written and not analysed, a plain join let the planner rescan all of this
    version's rows for every subject: 30-45 s for a 100,000-row batch into a new database).
    SQLite (no LATERAL) reads the join by its key."""
    if pg:
        return (f"SELECT s.id AS subject_id, {_score(model, 'c.points')} AS score, coalesce(c.flagged, 0) AS flagged "
                f"FROM subjects s LEFT JOIN LATERAL (SELECT sum(points) AS points, sum(flagged) AS flagged "
                f"FROM evaluation_contributions WHERE subject_id = s.id AND model_version = :version) c ON true "
                f"WHERE {scope.on('s.id')}")
    return (f"SELECT s.id AS subject_id, {_score(model, 'sum(c.points)')} AS score, "
            f"coalesce(sum(c.flagged), 0) AS flagged FROM subjects s LEFT JOIN evaluation_contributions c "
            f"ON c.subject_id = s.id AND c.model_version = :version WHERE {scope.on('s.id')} GROUP BY s.id")


def _score(model: IndicatorModel, points: str) -> str:
    total = f"({model.base_score} + coalesce({points}, 0))"
    return (f"CASE WHEN {total} > {model.max_score} THEN {model.max_score} "
            f"WHEN {total} < {model.min_score} THEN {model.min_score} ELSE {total} END")


def delete_scope(session: Session, version: str, scope: Scope) -> None:
    """The scope's rows of the version. On PostgreSQL a per-subject scope drives the delete: each
    subject's rows (of every version: a handful) are found by its key in a lateral subquery, which
    its ``OFFSET 0`` keeps apart (the planner can neither turn it into a join nor push the version's
    condition into it, which would let it pick ix_evaluation_results_version_grade for each
    subject), and deleted by their row addresses. As a filter (``= ANY``) beside ``model_version
    = …`` the planner read every result of the version through ix_evaluation_results_version_grade
    once the batch was a few per cent of the city;
    as ``IN (SELECT … FROM scope)``, with the rows earlier batches had just written not yet
    analysed (a few rows of the version by the statistics), it read the version's rows once and
    compared every subject with every one of them: 0.67 s for a daily batch's 3,800 subjects
    after one earlier batch, a cost that grows with each batch until an ANALYZE
    (tests/evaluation/test_incremental_plans.py)."""
    for table in ("evaluation_contributions", "evaluation_results"):
        if _driven(session, scope):
            sql = (f"DELETE FROM {table} WHERE ctid = ANY(ARRAY(SELECT x.ctid FROM {scope.relation} k "
                   f"CROSS JOIN LATERAL (SELECT t.ctid, t.model_version FROM {table} t WHERE t.subject_id = k.id "
                   f"OFFSET 0) x WHERE x.model_version = :version))")
        else:
            sql = f"DELETE FROM {table} WHERE model_version = :version AND {scope.on('subject_id')}"
        session.execute(_stmt(session, sql, scope), {"version": version, **scope.params})


def analyze_tables(session: Session) -> None:
    """On PostgreSQL, fresh planner statistics for the evaluation tables after a full recompute
    rewrote all of a version's rows (in the run's transaction: ANALYZE counts its own new rows
    and not the rows it deleted). With the statistics from before the run (a handful of rows of
    the version, or none) the next batch's DELETE of its subjects' results read every result of
    the version through ix_evaluation_results_version_grade and filtered by subject (1M rows for
    5,000 subjects, 107 ms, in the city of 1M subjects), a cost that grows with the city
    (issue #14 point 4; tests/evaluation/test_incremental_plans.py)."""
    if session.get_bind().dialect.name == "postgresql":
        for table in ("evaluation_results", "evaluation_contributions"):
            session.execute(text(f"ANALYZE {table}"))


def subject_bounds(session: Session) -> tuple[int, int]:
    lo, hi = session.execute(text("SELECT min(id), max(id) FROM subjects")).one()
    return (lo or 0), (hi or 0)


_TABLES: dict[tuple[str, str], bool] = {}


def has_table(session: Session, name: str) -> bool:
    """Whether another domain's table exists yet (lists, commitments), cached per database."""
    bind = session.get_bind()
    key = (str(bind.url), name)
    if key not in _TABLES:
        _TABLES[key] = inspect(session.connection()).has_table(name)
    return _TABLES[key]


# ---- reading ------------------------------------------------------------------------------------------

def results_of(session: Session, version: str, subject_ids: list[int]) -> dict[int, tuple[str, int, int]]:
    if not subject_ids:
        return {}
    stmt = text("SELECT subject_id, grade, score, flagged FROM evaluation_results "
                "WHERE model_version = :v AND subject_id IN :ids").bindparams(bindparam("ids", expanding=True))
    return {r[0]: (r[1], r[2], r[3]) for r in session.execute(stmt, {"v": version, "ids": list(set(subject_ids))})}


def result_row(session: Session, version: str, subject_id: int):
    stmt = text("SELECT subject_id, model_version, score, grade, flagged, as_of, run_id, computed_at "
                "FROM evaluation_results WHERE model_version = :v AND subject_id = :s").columns(
        as_of=Date, computed_at=TimestampTZ)
    return session.execute(stmt, {"v": version, "s": subject_id}).mappings().first()


def contributions_of(session: Session, version: str, subject_id: int) -> list[dict]:
    stmt = text("SELECT indicator, dimension, matched, flagged, points, as_of, computed_at "
                "FROM evaluation_contributions WHERE model_version = :v AND subject_id = :s "
                "ORDER BY points, indicator").columns(as_of=Date, computed_at=TimestampTZ)
    return [dict(r) for r in session.execute(stmt, {"v": version, "s": subject_id}).mappings()]


def records_behind(session: Session, model: IndicatorModel, indicator: Indicator, subject_id: int,
                   as_of: dt.date, limit: int = 200) -> list[dict]:
    """The rows behind one contribution, found again by the indicator's own filter."""
    if indicator.source == "records":
        case, cuts = record_indicator_expr(model, as_of)
        sql = (f"SELECT r.id, r.item_code, r.decision_no, r.decision_date, r.severity, r.status, r.under_objection, "
               f"r.source_agency_id, r.fields, r.publicity_published, r.disclosure, r.publicity_start, r.publicity_end "
               f"FROM records r WHERE r.subject_id = :s AND {record_filter(model)} "
               f"AND ({case}) = :ind ORDER BY r.decision_date DESC, r.id DESC LIMIT :limit")
        params = {**cuts, "ind": indicator.code}
    elif indicator.source == "lists":
        if not has_table(session, "list_entries"):
            return []
        sql = (f"SELECT e.id, e.kind, e.category, e.status, e.listed_on, e.decided_on, e.period_end "
               f"FROM list_entries e WHERE e.subject_id = :s AND {active_entry_filter('e')} "
               f"AND {_in('e.kind', indicator.list_kinds)} ORDER BY e.id LIMIT :limit")
        params = {}
    else:
        if not has_table(session, "commitments"):
            return []
        cut = ""
        params = {}
        if indicator.within_years is not None:
            cut, params = " AND c.breached_on >= :cut", {"cut": indicator.cutoff(as_of)}
        sql = (f"SELECT c.id, c.commitment_no, c.type, c.matter, c.breached_on, c.breach_record_id "
               f"FROM commitments c WHERE c.subject_id = :s AND {commitment_filter(model, 'c')}{cut} "
               f"ORDER BY c.breached_on DESC LIMIT :limit")
    params.update({"s": subject_id, "limit": limit})
    if indicator.source == "lists":
        params["as_of"] = as_of
    stmt = text(sql).columns(**{k: t for k, t in TYPED.items() if f".{k}" in sql.split(" FROM ")[0]})
    return [dict(r) for r in session.execute(stmt, params).mappings()]


def public_record_matches(session: Session, model: IndicatorModel, subject_id: int, as_of: dt.date,
                          today: dt.date) -> dict[str, tuple[int, int]]:
    """{records indicator: (matched, under objection)} over the subject's records in public view
    today (xinyong/disclosure/publicity.py), found by the indicator's own filter as of the
    result's date: the public explanation of a grade (QZ art. 16, 22). One grouped query."""
    case, cuts = record_indicator_expr(model, as_of)
    sql = (f"SELECT ind, count(*), sum(CASE WHEN uo THEN 1 ELSE 0 END) FROM (SELECT ({case}) AS ind, "
           f"r.under_objection AS uo FROM records r WHERE r.subject_id = :s AND {record_filter(model)} "
           f"AND {public_sql('r', ':today')}) x WHERE ind IS NOT NULL GROUP BY ind")
    rows = session.execute(text(sql), {**cuts, "s": subject_id, "today": today})
    return {ind: (int(n), int(flagged or 0)) for ind, n, flagged in rows}


TYPED = {"decision_date": Date, "publicity_start": Date, "publicity_end": Date, "fields": Json,
         "under_objection": Boolean, "publicity_published": Boolean, "listed_on": Date, "decided_on": Date,
         "period_end": Date, "breached_on": Date}


def grade_distribution(session: Session, version: str) -> list[tuple[str, int]]:
    return [tuple(r) for r in session.execute(text(
        "SELECT grade, count(*) FROM evaluation_results WHERE model_version = :v GROUP BY grade ORDER BY grade"),
        {"v": version})]


def versions_stored(session: Session) -> list[dict]:
    return [dict(r) for r in session.execute(text(
        "SELECT model_version, count(*) AS subjects, max(computed_at) AS last_computed FROM evaluation_results "
        "GROUP BY model_version ORDER BY model_version").columns(last_computed=TimestampTZ)).mappings()]


def recent_runs(session: Session, limit: int = 10) -> list[dict]:
    return [dict(r) for r in session.execute(text(
        "SELECT id, model_version, kind, trigger, as_of, subjects, contributions, seconds, started_at, finished_at "
        "FROM evaluation_runs ORDER BY id DESC LIMIT :n").columns(as_of=Date, started_at=TimestampTZ,
                                                                  finished_at=TimestampTZ), {"n": limit}).mappings()]


def sector_evaluations_of(session: Session, subject_id: int) -> list[dict]:
    return [dict(r) for r in session.execute(text(
        "SELECT e.id, e.sector, e.grade, e.tier, e.evaluated_on, e.published, a.name AS agency_name, e.import_id, "
        "i.filed_at FROM sector_evaluations e JOIN agencies a ON a.id = e.agency_id "
        "JOIN sector_imports i ON i.id = e.import_id "
        "WHERE e.subject_id = :s AND e.published ORDER BY e.evaluated_on DESC, e.id DESC").columns(
            evaluated_on=Date, published=Boolean, filed_at=TimestampTZ), {"s": subject_id}).mappings()]


def subject_ids_by_uscc(session: Session, codes: list[str]) -> dict[str, int]:
    if not codes:
        return {}
    stmt = text("SELECT uscc, id FROM subjects WHERE uscc IN :c").bindparams(bindparam("c", expanding=True))
    return {r[0]: r[1] for r in session.execute(stmt, {"c": sorted(set(codes))})}


def recent_imports(session: Session, limit: int = 10) -> list[dict]:
    return [dict(r) for r in session.execute(text(
        "SELECT i.id, i.filename, i.channel, i.rows, i.filed_at, a.name AS agency_name FROM sector_imports i "
        "JOIN agencies a ON a.id = i.agency_id ORDER BY i.id DESC LIMIT :n").columns(filed_at=TimestampTZ),
        {"n": limit}).mappings()]
