"""Ingest benchmark: the platform's full aggregation path against a raw bulk load of the
same file, in one run.

    .venv/bin/python bench/ingest_bench.py --backend postgresql --rows 1000000
    .venv/bin/python bench/ingest_bench.py --backend sqlite --rows 1000000 --repeat 3

Per repetition, each measurement in its own process (its RSS high-water mark is its own):
  raw       PostgreSQL: COPY of the file into a bare table with the same 25 columns, all
            text. SQLite: one executemany of the csv module's rows into such a table.
  platform  `xinyong ingest`-equivalent: ingest_file(...) in a session_scope (read, full
            validation, subjects, publicity, records; one transaction) into a freshly
            migrated database with the source agency registered.
  resend    the same file again into that database: every row an unchanged re-send.
  floor     (PostgreSQL) the platform's output records alone COPYed back into `records`.
  stored    the stored-output floor: every row the batch stored, in every table, emptied and
            loaded back in one transaction (binary COPY / executemany), indexes, constraints
            and triggers in place; each target is also printed against it (within or out of
            reach of any platform that stores what this batch stored).
Reports rows/s (rows of the file / wall seconds from reading the file to commit), the
ratio platform/raw (medians), peak RSS per process; prints one JSON line and a table and
saves the JSON under bench/results/. CPU seconds (this process, and its PostgreSQL backend
read from /proc) are reported next to wall time: they hold still when other jobs load the
cores. Targets (issue 14): ratio >= 0.12 on PostgreSQL, >= 0.2 on SQLite; <= 30 us CPU per
accepted row (PostgreSQL); peak RSS < 2 GB. After each platform run, what the batch left to the
worker (its new subjects' names, copied into the name search: worker_share) is applied and timed
apart: not in the platform's time.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402
from bench.common import (PYTHON, SOURCE_AGENCY_NAME, SOURCE_AGENCY_USCC, bench_env, dbapi_url,  # noqa: E402
                          emit_result, human_table, machine_info, run_measured, summary)
from xinyong.synthetic import PENALTY_HEADERS  # noqa: E402

THIS = str(Path(__file__).resolve())
RAW_TABLE = "raw_penalties"
RATIO_TARGET = {"postgresql": 0.12, "sqlite": 0.2}   # issue 14
CPU_TARGET_US = 30        # CPU (client + server) per accepted row, PostgreSQL
RSS_TARGET_MB = 2048
PG_SETTINGS = {"max_wal_size": "'8GB'", "maintenance_work_mem": "'512MB'", "work_mem": "'64MB'"}


def _raw_ddl(sqlite: bool) -> str:
    kind = "TEXT" if sqlite else "text"
    cols = ", ".join(f'"{h}" {kind}' for h in PENALTY_HEADERS)
    return f"CREATE TABLE {RAW_TABLE} ({cols})"


# ------------------------------------------------------------------------- children
def _proc_cpu(pid: int | None = None) -> float:
    """CPU seconds (user + system) of a process of this machine: this one, or a PostgreSQL
    backend by its pid. Unlike wall time, it does not grow with other jobs on the cores."""
    if pid is None:
        t = os.times()
        return t.user + t.system
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class _BackendCpu:
    """Server CPU of every PostgreSQL backend the platform's engine used during the measurement:
    the session's own and any other connection it opened (the ingest outbox applies its hooks
    on a second connection at the same time). ``server`` is their sum; ``server_session`` the
    session's backend alone (what runs before 2026-12-05 03:00 UTC reported as ``server``)."""

    def __init__(self, engine):
        from sqlalchemy import event
        self.base: dict[int, float] = {}
        self.session_pid: int | None = None
        if engine.dialect.name == "postgresql":
            event.listen(engine, "connect", self._connected)

    def _connected(self, dbapi_conn, record) -> None:
        pid = dbapi_conn.info.backend_pid
        self.base[pid] = _proc_cpu(pid)

    def start(self, session_pid: int) -> None:
        """From now: every backend opened so far (the pool keeps a warm-up's connections) and
        the session's; those opened later count from their connection."""
        self.session_pid = session_pid
        self.base = {pid: _proc_cpu(pid) for pid in {*self.base, session_pid} if Path(f"/proc/{pid}").exists()}

    def used(self) -> dict:
        if self.session_pid is None:
            return {"server": 0.0}
        per = {pid: _proc_cpu(pid) - cpu0 for pid, cpu0 in self.base.items() if Path(f"/proc/{pid}").exists()}
        return {"server": sum(per.values()), "server_session": per.get(self.session_pid, 0.0),
                "server_backends": len(per)}


def child_raw_pg(url: str, path: str) -> None:
    import psycopg
    with psycopg.connect(dbapi_url(url)) as conn:
        backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        cpu0, server0 = _proc_cpu(), _proc_cpu(backend)
        t0 = time.perf_counter()
        with conn.cursor() as cur, cur.copy(f"COPY {RAW_TABLE} FROM STDIN (FORMAT csv, HEADER true)") as copy, \
                open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                copy.write(chunk)
        conn.commit()
        seconds = time.perf_counter() - t0
        cpu = {"client": _proc_cpu() - cpu0, "server": _proc_cpu(backend) - server0}
        rows = conn.execute(f"SELECT count(*) FROM {RAW_TABLE}").fetchone()[0]
    emit_result({"seconds": seconds, "rows_loaded": rows, "cpu": cpu})


def child_raw_sqlite(url: str, path: str) -> None:
    import csv
    import sqlite3
    con = sqlite3.connect(url.removeprefix("sqlite:///"))
    # the platform engine's pragmas (xinyong.db._sqlite_pragmas), so durability is alike
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    marks = ", ".join("?" for _ in PENALTY_HEADERS)
    cpu0 = _proc_cpu()
    t0 = time.perf_counter()
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        next(reader)
        con.executemany(f"INSERT INTO {RAW_TABLE} VALUES ({marks})", reader)
    con.commit()
    seconds = time.perf_counter() - t0
    cpu = {"client": _proc_cpu() - cpu0, "server": 0.0}
    rows = con.execute(f"SELECT count(*) FROM {RAW_TABLE}").fetchone()[0]
    con.close()
    emit_result({"seconds": seconds, "rows_loaded": rows, "cpu": cpu})


def child_floor(url: str, path: str) -> None:
    """COPY the platform's own output rows back into `records` (constraints in place), in
    PostgreSQL's binary format: the cheapest input for the server (no text to parse)."""
    import psycopg

    from xinyong.ingest.repository import RECORD_COLUMN_NAMES
    with psycopg.connect(dbapi_url(url)) as conn:
        conn.execute("TRUNCATE records CASCADE")
        conn.commit()
        cols = ", ".join(RECORD_COLUMN_NAMES)
        t0 = time.perf_counter()
        with conn.cursor() as cur, cur.copy(f"COPY records ({cols}) FROM STDIN (FORMAT binary)") as copy, \
                open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                copy.write(chunk)
        conn.commit()
        seconds = time.perf_counter() - t0
    emit_result({"seconds": seconds})


# the tables a batch writes row by row (the small per-batch rows of batches, outbox, runs and
# spans come with them as the tables that refer to these: see _stored_tables)
STORED_TABLES = ("subjects", "records", "feed_events", "transparency_publications",
                 "transparency_publication_nodes", "evaluation_contributions", "evaluation_results",
                 "notifications")


def _stored_tables(edges: list[tuple[str, str]], present: set[str]) -> list[str]:
    """STORED_TABLES and every table whose foreign keys reach one of them (what TRUNCATE …
    CASCADE empties), referenced tables first. `edges`: (referring, referenced) table pairs."""
    chosen = {t for t in STORED_TABLES if t in present}
    while True:
        more = {child for child, parent in edges if parent in chosen and child not in chosen}
        if not more:
            break
        chosen |= more
    order, done = [], set()

    def visit(t: str) -> None:
        if t in done:
            return
        done.add(t)
        for child, parent in edges:
            if child == t and parent in chosen and parent != t:
                visit(parent)
        order.append(t)
    for t in sorted(chosen):
        visit(t)
    return order


def _pg_stored_tables(conn) -> list[str]:
    """_stored_tables of a PostgreSQL database, partitions folded into their parents."""
    edges = conn.execute(
        "SELECT DISTINCT c.relname, p.relname FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid "
        "JOIN pg_class p ON p.oid = k.confrelid WHERE k.contype = 'f' AND NOT c.relispartition "
        "AND c.relnamespace = 'public'::regnamespace").fetchall()
    present = {r for (r,) in conn.execute(
        "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p') "
        "AND NOT relispartition")}
    return _stored_tables(edges, present)


def _sqlite_stored_tables(con) -> list[str]:
    present = {r for (r,) in con.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")}
    edges = [(t, row[2]) for t in present for row in con.execute(f'PRAGMA foreign_key_list("{t}")')]
    return _stored_tables(edges, present)


def _stored_columns(conn, table: str) -> str:
    return ", ".join(f'"{c}"' for (c,) in conn.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped "
        "AND attgenerated = '' ORDER BY attnum", (table,)))


def export_stored(url: str, directory: Path) -> list[str]:
    """Every row of the tables a batch stores, one CSV file per table (see child_stored)."""
    import psycopg
    directory.mkdir(parents=True, exist_ok=True)
    with psycopg.connect(dbapi_url(url)) as conn:
        tables = _pg_stored_tables(conn)
        for table in tables:
            with conn.cursor() as cur, open(directory / f"{table}.copy", "wb") as fh, \
                    cur.copy(f'COPY (SELECT {_stored_columns(conn, table)} FROM "{table}") TO STDOUT (FORMAT binary)') as copy:
                for data in copy:
                    fh.write(data)
    return tables


def child_stored(url: str, path: str) -> None:
    """The stored-output floor: every row the platform's batch stored (records, new subjects,
    feed events, publication leaves and nodes, evaluation rows, notices, with the per-batch rows
    that refer to them), emptied and COPYed back in one transaction with every index, constraint
    and trigger in place, in PostgreSQL's binary COPY format (the cheapest for the server to read:
    no text to parse). No validation, no computation: what storing the batch's result costs the
    server alone, measured beside the platform's run."""
    import psycopg
    directory = Path(path)
    with psycopg.connect(dbapi_url(url)) as conn:
        tables = _pg_stored_tables(conn)
        conn.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables))
        conn.commit()
        backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        conn.commit()
        cpu0, server0 = _proc_cpu(), _proc_cpu(backend)
        t0 = time.perf_counter()
        each = {}
        for table in tables:
            t1, s1 = time.perf_counter(), _proc_cpu(backend)
            with conn.cursor() as cur, open(directory / f"{table}.copy", "rb") as fh, \
                    cur.copy(f'COPY "{table}" ({_stored_columns(conn, table)}) FROM STDIN (FORMAT binary)') as copy:
                while chunk := fh.read(1 << 20):
                    copy.write(chunk)
            each[table] = (time.perf_counter() - t1, _proc_cpu(backend) - s1)
        conn.commit()
        seconds = time.perf_counter() - t0
        cpu = {"client": _proc_cpu() - cpu0, "server": _proc_cpu(backend) - server0}
        # per table with rows: rows, wall s, server CPU s of its COPY
        counts = {t: [n, round(each[t][0], 2), round(each[t][1], 2)] for t in tables
                  if (n := conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0])}
    emit_result({"seconds": seconds, "cpu": cpu, "tables": counts})


def child_stored_sqlite(url: str) -> None:
    """child_stored on SQLite: the rows are read into memory (untimed), deleted, and inserted
    back with one executemany per table in one transaction, with the platform engine's pragmas
    (foreign keys on, WAL, synchronous=NORMAL), the page cache of its bulk loads, and every index
    and trigger in place (a table the load at least doubles builds its secondary indexes after
    its rows, as the platform's loads do: xinyong.kit.bulk.indexes_set_aside)."""
    import sqlite3

    from xinyong.kit.bulk import LOAD_CACHE_KIB, indexes_set_aside, rebuild_indexes
    con = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
    # the platform's pragmas, and the page cache its bulk loads take (a floor gets the best of it)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", f"cache_size=-{LOAD_CACHE_KIB}"):
        con.execute(f"PRAGMA {pragma}")
    tables = _sqlite_stored_tables(con)
    rows = {t: con.execute(f'SELECT * FROM "{t}"').fetchall() for t in tables}
    con.execute("BEGIN")
    for t in reversed(tables):   # every table emptied: no reference to check (the truncate optimisation)
        con.execute(f'DELETE FROM "{t}"')
    con.execute("COMMIT")
    con.execute("VACUUM")
    con.execute("PRAGMA foreign_keys=ON")   # the measured load checks them, as the platform's engine does
    cpu0 = _proc_cpu()
    t0 = time.perf_counter()
    each = {}
    con.execute("BEGIN IMMEDIATE")
    for t in tables:
        if rows[t]:
            t1, c1 = time.perf_counter(), _proc_cpu()
            marks = ", ".join("?" * len(rows[t][0]))
            # as the platform's loads do: a table the load at least doubles takes its indexes after
            dropped = indexes_set_aside(con.cursor(), t, len(rows[t]))
            con.executemany(f'INSERT INTO "{t}" VALUES ({marks})', rows[t])
            rebuild_indexes(con.cursor(), dropped)
            each[t] = [len(rows[t]), round(time.perf_counter() - t1, 2), round(_proc_cpu() - c1, 2)]
    con.execute("COMMIT")
    seconds = time.perf_counter() - t0
    cpu = {"client": _proc_cpu() - cpu0, "server": 0.0}
    con.close()
    # per table with rows: rows, wall s, CPU s of its executemany
    emit_result({"seconds": seconds, "cpu": cpu, "tables": each})


def export_records(url: str, path: Path) -> None:
    import psycopg

    from xinyong.ingest.repository import RECORD_COLUMN_NAMES
    cols = ", ".join(RECORD_COLUMN_NAMES)
    with psycopg.connect(dbapi_url(url)) as conn, conn.cursor() as cur, open(path, "wb") as fh, \
            cur.copy(f"COPY (SELECT {cols} FROM records ORDER BY id) TO STDOUT (FORMAT binary)") as copy:
        for data in copy:
            fh.write(data)


def child_platform(url: str, path: str, profile_out: str | None, warm: str | None = None) -> None:
    """One measured ingest; with `warm`, a small file is ingested first, untimed, so the
    process is warm (imports, law profiles, catalogue loaded) as a serving process is."""
    os.environ["XINYONG_DATABASE_URL"] = url
    from sqlalchemy import text

    from xinyong.db import make_engine, session_scope
    from xinyong.ingest.service import ingest_file
    engine = make_engine(url)
    backends = _BackendCpu(engine)   # before any connection: the warm-up's stay in the pool
    if warm:
        with session_scope(engine) as session:
            ingest_file(session, data=Path(warm).read_bytes(), filename=Path(warm).name,
                        source_uscc=SOURCE_AGENCY_USCC, item_code="penalty", channel="cli")
    # ingest_file reports steps (read, validate, write ..., done); validate and write repeat
    # once per part of a large batch, so time is summed per phase between reports
    phase_after = {"read": "read_csv", "validate": "validate", "write": "write", "done": "leaves_audit",
                   "committed": "commit_outbox"}
    phases: dict[str, float] = {"setup": 0.0}
    current = ["setup", 0.0]
    profiler = None
    if profile_out:
        import cProfile
        profiler = cProfile.Profile()
    t0 = time.perf_counter()

    def step(name: str) -> None:
        now = time.perf_counter() - t0
        phases[current[0]] = phases.get(current[0], 0.0) + now - current[1]
        current[0], current[1] = phase_after.get(name, name), now

    if profiler:
        profiler.enable()
    cpu0 = _proc_cpu()
    with session_scope(engine) as session:
        if engine.dialect.name == "postgresql":
            backends.start(session.execute(text("SELECT pg_backend_pid()")).scalar())
        # the bytes handed over, as `xinyong ingest` does: ingest_file frees them once parsed
        outcome = ingest_file(session, data=Path(path).read_bytes(), filename=Path(path).name,
                              source_uscc=SOURCE_AGENCY_USCC,
                              item_code="penalty", channel="cli", progress=step)
        step("flushed")
        server = backends.used()
    seconds = time.perf_counter() - t0
    cpu = {"client": _proc_cpu() - cpu0, **server}
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile_out)
    phases["commit"] = seconds - current[1]
    phases = {k: round(v, 3) for k, v in phases.items() if k != "flushed"}
    engine.dispose()
    emit_result({"seconds": seconds, "phases": phases, "cpu": cpu, "outcome": {
        k: v for k, v in outcome.as_dict().items() if k in (
            "status", "total_rows", "accepted", "rejected", "created", "updated", "unchanged", "error_code",
            "error_message")}})


# ------------------------------------------------------------------------- parent
def _child(mode: str, url: str, path: Path, extra: list[str] | None = None) -> dict:
    import tempfile
    # each fresh database signs its own log: its heads go to an archive of their own (a shared
    # one refuses a second log's head of the same size, ArchiveConflict, after every batch)
    with tempfile.TemporaryDirectory(prefix="ingest-bench-archive-") as archive:
        return run_measured([PYTHON, THIS, "--child", mode, "--url", url, "--file", str(path), *(extra or [])],
                            env=bench_env(XINYONG_TRANSPARENCY_ARCHIVE=archive), timeout=4 * 3600)


def _prepare_platform_db(url: str) -> None:
    from xinyong.agencies.service import register
    from xinyong.db import make_engine, session_scope
    from xinyong.migrate import upgrade
    upgrade(url)
    engine = make_engine(url)
    with session_scope(engine) as session:
        register(session, uscc=SOURCE_AGENCY_USCC, name=SOURCE_AGENCY_NAME)
    engine.dispose()


class Backend:
    """Fresh databases per measurement, for one backend."""

    def __init__(self, name: str, cluster_url: str | None, workdir: Path):
        self.name, self.cluster_url, self.workdir = name, cluster_url, workdir

    def fresh(self, label: str, raw: bool) -> str:
        if self.name == "postgresql":
            url = common.create_database(self.cluster_url, f"bench_{label}")
            if raw:
                import psycopg
                with psycopg.connect(dbapi_url(url), autocommit=True) as conn:
                    conn.execute(_raw_ddl(False))
        else:
            db = self.workdir / f"{label}.db"
            for suffix in ("", "-wal", "-shm"):
                Path(str(db) + suffix).unlink(missing_ok=True)
            url = f"sqlite:///{db}"
            if raw:
                import sqlite3

                from xinyong.db import SQLITE_PAGE_SIZE
                con = sqlite3.connect(db)
                # the page size the platform's engine gives a new database (a file setting, like WAL)
                con.execute(f"PRAGMA page_size={SQLITE_PAGE_SIZE}")
                con.execute("PRAGMA journal_mode=WAL")
                con.execute(_raw_ddl(True))
                con.commit()
                con.close()
        if not raw:
            _prepare_platform_db(url)
        return url

    def drop(self, label: str) -> None:
        if self.name == "postgresql":
            common.drop_database(self.cluster_url, f"bench_{label}")
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(str(self.workdir / f"{label}.db") + suffix).unlink(missing_ok=True)


def run(backend: Backend, path: Path, rows: int, repeat: int, resend: bool, profile: bool, log) -> dict:
    raw_runs, plat_runs, resend_runs, floor_runs, stored_runs = [], [], [], [], []
    floor_file = backend.workdir / "records-floor.copy" if backend.name == "postgresql" else None
    stored_dir = backend.workdir / "stored" if backend.name == "postgresql" else None
    raw_mode = "raw-pg" if backend.name == "postgresql" else "raw-sqlite"
    for k in range(repeat):
        url = backend.fresh("raw", raw=True)
        r = _child(raw_mode, url, path)
        backend.drop("raw")
        raw_runs.append(r)
        log(f"  rep {k + 1}: raw {r['seconds']:.1f}s ({rows / r['seconds']:,.0f} rows/s, {r['peak_rss_mb']} MB)")
        if profile and k == 0:
            # an extra, uncounted run under cProfile (the profiler slows and grows the process)
            prof = common.RESULTS_DIR / f"profile-ingest-{backend.name}-{rows}.prof"
            prof.parent.mkdir(parents=True, exist_ok=True)
            url = backend.fresh("ingest", raw=False)
            pr = _child("platform", url, path, ["--profile-out", str(prof)])
            log(f"  profiled run (not counted): {pr['seconds']:.1f}s, {pr['peak_rss_mb']} MB -> {prof}")
            backend.drop("ingest")
        url = backend.fresh("ingest", raw=False)
        p = _child("platform", url, path)
        plat_runs.append(p)
        log(f"  rep {k + 1}: platform {p['seconds']:.1f}s ({rows / p['seconds']:,.0f} rows/s, "
            f"{p['peak_rss_mb']} MB) phases {p['phases']} outcome {p['outcome']}")
        if stored_dir is not None and k == 0:
            export_stored(url, stored_dir)
        if resend:
            s = _child("platform", url, path)
            resend_runs.append(s)
            log(f"  rep {k + 1}: resend {s['seconds']:.1f}s ({rows / s['seconds']:,.0f} rows/s, "
                f"{s['peak_rss_mb']} MB) phases {s['phases']} outcome {s['outcome']}")
        if floor_file is not None:
            if not floor_file.exists():
                export_records(url, floor_file)
            f = _child("floor", url, floor_file)
            floor_runs.append(f)
            log(f"  rep {k + 1}: floor (COPY of the platform's output rows into records) {f['seconds']:.1f}s")
        if stored_dir is not None or backend.name == "sqlite":
            st = (_child("stored", url, stored_dir) if stored_dir is not None
                  else _child("stored-sqlite", url, path))
            stored_runs.append(st)
            log(f"  rep {k + 1}: stored-output floor (every row the batch stored, loaded back in one transaction) "
                f"{st['seconds']:.1f}s, CPU {st['cpu']}, rows {st['tables']}")
        # after the floors (they reload the batch's subjects): what the batch left to the worker
        p["left_to_worker"] = worker_share(url)
        log(f"  rep {k + 1}: left to the worker (not in the platform's time): {p['left_to_worker']['rows']} outbox "
            f"rows (the new subjects' names) applied in {p['left_to_worker']['seconds']:.1f}s")
        backend.drop("ingest")
    if floor_file is not None:
        floor_file.unlink(missing_ok=True)
    if stored_dir is not None:
        shutil.rmtree(stored_dir, ignore_errors=True)
    return {"raw": raw_runs, "platform": plat_runs, "resend": resend_runs, "floor": floor_runs,
            "stored": stored_runs}


def worker_share(url: str) -> dict:
    """What the batch left to the worker (the names of its new subjects, copied into the name
    search: xinyong/subjects/hooks.py), applied here as the worker's job would, timed: after the
    batch has answered, so not in its time."""
    from xinyong.db import make_engine, session_factory
    from xinyong.ingest import outbox
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            t0 = time.perf_counter()
            applied = outbox.apply_pending(session)
            seconds = time.perf_counter() - t0
    finally:
        engine.dispose()
    return {"rows": applied, "seconds": round(seconds, 3)}


def _figures(runs: list[dict], rows: int) -> dict:
    secs = summary([r["seconds"] for r in runs])
    out = {"seconds": secs, "rows_per_s_median": round(rows / secs["median"]),
           "rows_per_s_best": round(rows / secs["best"]),
           "peak_rss_mb": max(r["peak_rss_mb"] for r in runs)}
    if all("cpu" in r for r in runs):
        out["cpu_s_median"] = {k: round(statistics.median(r["cpu"][k] for r in runs), 2) for k in ("client", "server")}
        if all("server_session" in r["cpu"] for r in runs):   # informative, not part of the per-row figure
            out["server_session_cpu_s_median"] = round(statistics.median(r["cpu"]["server_session"] for r in runs), 2)
        out["cpu_us_per_row_median"] = round(1e6 * sum(out["cpu_s_median"].values()) / rows, 1)
    if "phases" in runs[0]:
        out["phases_median_run"] = sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]["phases"]
        out["outcome"] = runs[-1]["outcome"]
    return out


def _head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    from xinyong.migrate import alembic_config
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3, help="repetitions of each measurement (median reported)")
    ap.add_argument("--bad-rate", type=float, default=0.0, help="generate the file with this fraction of bad rows")
    ap.add_argument("--file", type=Path, default=None, help="use this file instead of a generated one")
    ap.add_argument("--no-resend", action="store_true", help="skip the re-send measurement")
    ap.add_argument("--profile", action="store_true",
                    help="one extra, uncounted platform run under cProfile (bench/results/profile-ingest-*.prof)")
    ap.add_argument("--pg-url", default=None,
                    help="an existing PostgreSQL server (superuser URL); default: a throwaway cluster")
    # internal: one measurement in a child process
    ap.add_argument("--child", choices=("raw-pg", "raw-sqlite", "platform", "floor", "stored", "stored-sqlite"), help=argparse.SUPPRESS)
    ap.add_argument("--url", help=argparse.SUPPRESS)
    ap.add_argument("--profile-out", help=argparse.SUPPRESS)
    ap.add_argument("--warm", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.child:
        {"raw-pg": lambda: child_raw_pg(args.url, str(args.file)),
         "raw-sqlite": lambda: child_raw_sqlite(args.url, str(args.file)),
         "platform": lambda: child_platform(args.url, str(args.file), args.profile_out, args.warm),
         "floor": lambda: child_floor(args.url, str(args.file)),
         "stored": lambda: child_stored(args.url, str(args.file)),
         "stored-sqlite": lambda: child_stored_sqlite(args.url)}[args.child]()
        return

    common.cleanup_on_sigterm()
    os.environ.update({"XINYONG_SECRET_KEY": common.BENCH_SECRET})
    os.environ.pop("XINYONG_TODAY", None)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    t_gen = time.perf_counter()
    if args.file:
        path = args.file.resolve()
        rows = sum(1 for _ in open(path, "rb")) - 1
    else:
        from bench.gen_penalties import ensure
        path = ensure(args.rows, args.bad_rate)
        rows = args.rows
    log(f"file {path} ({path.stat().st_size / 1e6:.0f} MB, {rows:,} rows; ready in {time.perf_counter() - t_gen:.1f}s)")

    started = time.perf_counter()
    if args.backend == "postgresql":
        import contextlib
        cm = (contextlib.nullcontext((args.pg_url, False)) if args.pg_url
              else common.pg_cluster(settings=PG_SETTINGS, dbname="bench"))
        with cm as (url, _):
            pg_version = common.pg_server_version(url)
            machine = machine_info(pg_version)
            workdir = common.DATA_DIR / "tmp-ingest"
            workdir.mkdir(parents=True, exist_ok=True)
            try:
                runs = run(Backend("postgresql", url, workdir), path, rows, args.repeat, not args.no_resend,
                           args.profile, log)
            finally:
                shutil.rmtree(workdir, ignore_errors=True)
    else:
        workdir = common.DATA_DIR / "tmp-sqlite"
        workdir.mkdir(parents=True, exist_ok=True)
        import sqlite3
        machine = machine_info()
        machine["sqlite"] = sqlite3.sqlite_version
        try:
            runs = run(Backend("sqlite", None, workdir), path, rows, args.repeat, not args.no_resend, args.profile, log)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    raw, plat = _figures(runs["raw"], rows), _figures(runs["platform"], rows)
    result = {
        "bench": "ingest", "backend": args.backend, "rows": rows, "file": str(path),
        "file_mb": round(path.stat().st_size / 1e6, 1), "repeat": args.repeat, "machine": machine,
        "pg_settings": PG_SETTINGS if args.backend == "postgresql" and not args.pg_url else None,
        "schema_revision": _head_revision(), "raw": raw, "platform": plat,
        "ratio_platform_raw": round(raw["seconds"]["median"] / plat["seconds"]["median"], 3),
        "wall_s": round(time.perf_counter() - started, 1),
    }
    if runs["resend"]:
        result["resend"] = _figures(runs["resend"], rows)
        result["ratio_resend_raw"] = round(raw["seconds"]["median"] / result["resend"]["seconds"]["median"], 3)
    if runs["floor"]:
        result["floor"] = _figures(runs["floor"], rows)
        result["ratio_floor_raw"] = round(raw["seconds"]["median"] / result["floor"]["seconds"]["median"], 3)
    if runs["stored"]:
        result["stored_floor"] = _figures(runs["stored"], rows)
        result["stored_floor"]["tables"] = runs["stored"][-1]["tables"]
        result["ratio_stored_floor_raw"] = round(
            raw["seconds"]["median"] / result["stored_floor"]["seconds"]["median"], 3)
    peak = max(plat["peak_rss_mb"], result.get("resend", plat)["peak_rss_mb"])
    accepted = plat["outcome"]["accepted"] or 1
    cpu_us = round(1e6 * sum(plat.get("cpu_s_median", {}).values()) / accepted, 1)
    result["targets"] = {
        "ratio_platform_raw": {"target": f">= {RATIO_TARGET[args.backend]} ({args.backend})",
                               "met": result["ratio_platform_raw"] >= RATIO_TARGET[args.backend]},
        "cpu_us_per_accepted_row": {"target": f"<= {CPU_TARGET_US} (client + server)", "value": cpu_us,
                                    "met": cpu_us <= CPU_TARGET_US if args.backend == "postgresql" else None},
        "peak_rss_mb": {"target": f"< {RSS_TARGET_MB}", "value": peak, "met": peak < RSS_TARGET_MB},
    }
    if "stored_floor" in result:
        # the same targets applied to the stored-output floor of the same run: a target the floor
        # misses is out of reach for any platform that stores what this batch stored
        fl = result["stored_floor"]
        floor_us = round(1e6 * sum(fl["cpu_s_median"].values()) / accepted, 1)
        result["targets"]["ratio_platform_raw"]["stored_floor"] = result["ratio_stored_floor_raw"]
        result["targets"]["ratio_platform_raw"]["reachable"] = (
            result["ratio_stored_floor_raw"] >= RATIO_TARGET[args.backend])
        if args.backend == "postgresql":
            result["targets"]["cpu_us_per_accepted_row"]["stored_floor"] = floor_us
            result["targets"]["cpu_us_per_accepted_row"]["reachable"] = floor_us <= CPU_TARGET_US
    saved = common.save_result(f"ingest-{args.backend}-{rows}", result)
    print(json.dumps(result, ensure_ascii=False))
    table = [["raw " + ("COPY" if args.backend == "postgresql" else "executemany"),
              " ".join(f"{s:.1f}" for s in raw["seconds"]["runs"]), f"{raw['seconds']['median']:.1f}",
              f"{raw['rows_per_s_median']:,}", "1.00", f"{raw['peak_rss_mb']:.0f}"],
             ["platform ingest_file", " ".join(f"{s:.1f}" for s in plat["seconds"]["runs"]),
              f"{plat['seconds']['median']:.1f}", f"{plat['rows_per_s_median']:,}",
              f"{result['ratio_platform_raw']:.2f}", f"{plat['peak_rss_mb']:.0f}"]]
    if "resend" in result:
        rs = result["resend"]
        table.append(["re-send (all unchanged)", " ".join(f"{s:.1f}" for s in rs["seconds"]["runs"]),
                      f"{rs['seconds']['median']:.1f}", f"{rs['rows_per_s_median']:,}",
                      f"{result['ratio_resend_raw']:.2f}", f"{rs['peak_rss_mb']:.0f}"])
    if "floor" in result:
        fl = result["floor"]
        table.append(["floor: COPY of output rows", " ".join(f"{s:.1f}" for s in fl["seconds"]["runs"]),
                      f"{fl['seconds']['median']:.1f}", f"{fl['rows_per_s_median']:,}",
                      f"{result['ratio_floor_raw']:.2f}", f"{fl['peak_rss_mb']:.0f}"])
    if "stored_floor" in result:
        st = result["stored_floor"]
        table.append(["floor: every row the batch stored", " ".join(f"{s:.1f}" for s in st["seconds"]["runs"]),
                      f"{st['seconds']['median']:.1f}", f"{st['rows_per_s_median']:,}",
                      f"{result['ratio_stored_floor_raw']:.2f}", f"{st['peak_rss_mb']:.0f}"])
    print(f"\ningest benchmark — {args.backend}, {rows:,} rows ({result['file_mb']} MB), "
          f"{machine['nproc']} cores, {machine['cpu']}, {machine['date']}", file=sys.stderr)
    print(human_table(table, ["measurement", "runs (s)", "median s", "rows/s", "ratio vs raw", "peak RSS MB"]),
          file=sys.stderr)
    print(f"platform phases (median run, s): {plat['phases_median_run']}", file=sys.stderr)
    print(f"CPU s (client, server): raw {raw.get('cpu_s_median')}, platform {plat.get('cpu_s_median')}, "
          f"stored-output floor {result.get('stored_floor', {}).get('cpu_s_median')}; "
          f"load average at start {machine.get('loadavg_at_start')}", file=sys.stderr)
    if "resend" in result:
        print(f"re-send phases (median run, s): {result['resend']['phases_median_run']}", file=sys.stderr)
    for name, t in result["targets"].items():
        limit = ""
        if "reachable" in t:
            limit = (f" (stored-output floor of this run: {t['stored_floor']}; "
                     + ("within reach)" if t["reachable"] else "out of reach: the floor itself misses it)"))
        print(f"target {name} {t['target']}: {'met' if t['met'] else ('n/a' if t['met'] is None else 'MISSED')}"
              f"{limit}", file=sys.stderr)
    print(f"saved {saved}", file=sys.stderr)


if __name__ == "__main__":
    main()
