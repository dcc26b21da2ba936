"""Shared pieces of the benchmarks: paths, the bench agency, machine facts, a PostgreSQL
cluster (throwaway, or kept under bench/data/pg), measured child processes, statistics.

Benchmarks are never part of the test run. Every figure is reported against a raw
baseline measured in the same run, because the machines we run on are shared and noisy.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from stdnum.cn import uscc as std_uscc

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
DATA_DIR = BENCH_DIR / "data"
RESULTS_DIR = BENCH_DIR / "results"
PYTHON = sys.executable

# A fixed secret, so that identifiers encrypted by a build can be read by the served app.
BENCH_SECRET = "xinyong-bench-secret-not-for-production"


def _agency_uscc(body17: str) -> str:
    return body17 + std_uscc.calc_check_digit(body17)


# The one registered source agency (数据来源单位) of every generated penalty file.
SOURCE_AGENCY_USCC = _agency_uscc("11350500" + "MB0120001")
SOURCE_AGENCY_NAME = "泉州市市场监督管理局"

RESULT_PREFIX = "RESULT "


def bench_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("XINYONG_TODAY", None)
    env["XINYONG_SECRET_KEY"] = BENCH_SECRET
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


# ------------------------------------------------------------------------- machine facts
def machine_info(pg_version: str | None = None) -> dict:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_kb = 0
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    info = {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "ram_gib": round(mem_kb / 1024 / 1024, 1),
        "cpu": cpu,
        "python": platform.python_version(),
        "kernel": platform.release(),
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    if pg_version:
        info["postgresql"] = pg_version
    return info


# ------------------------------------------------------------------------- statistics
def summary(values: list[float]) -> dict:
    return {"runs": [round(v, 3) for v in values], "median": round(statistics.median(values), 3),
            "best": round(min(values), 3), "worst": round(max(values), 3)}


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, int(round(p / 100 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


# ------------------------------------------------------------------------- measured children
def run_measured(args: list[str], env: dict[str, str] | None = None, timeout: float = 3600) -> dict:
    """Run one measurement in its own process. Returns the child's RESULT json plus
    `peak_rss_mb`: the RSS high-water mark of that child alone (wait4's rusage, i.e. the
    child's share of getrusage(RUSAGE_CHILDREN); RUSAGE_CHILDREN itself is a maximum over
    every child ever waited for, so it cannot separate one measurement from the next)."""
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env or bench_env(),
                            cwd=ROOT, text=True)
    deadline = time.monotonic() + timeout
    out_chunks: list[str] = []
    import threading

    def drain(stream, sink):
        for line in stream:
            sink.append(line)

    err_chunks: list[str] = []
    threads = [threading.Thread(target=drain, args=(proc.stdout, out_chunks), daemon=True),
               threading.Thread(target=drain, args=(proc.stderr, err_chunks), daemon=True)]
    for t in threads:
        t.start()
    while True:
        pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            proc.kill()
            pid, status, rusage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.05)
    proc.returncode = os.waitstatus_to_exitcode(status)
    for t in threads:
        t.join(5)
    out, err = "".join(out_chunks), "".join(err_chunks)
    result = None
    for line in out.splitlines():
        if line.startswith(RESULT_PREFIX):
            result = json.loads(line[len(RESULT_PREFIX):])
    if proc.returncode != 0 or result is None:
        raise RuntimeError(f"measurement failed (exit {proc.returncode}): {' '.join(args[:4])}...\n"
                           f"--- stdout\n{out[-4000:]}\n--- stderr\n{err[-4000:]}")
    result["peak_rss_mb"] = round(rusage.ru_maxrss / 1024, 1)  # Linux: KiB
    return result


def emit_result(payload: dict) -> None:
    """Called in a measured child: report its figures to the parent."""
    import resource
    payload["self_maxrss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(RESULT_PREFIX + json.dumps(payload, ensure_ascii=False), flush=True)


def save_result(name: str, payload: dict) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS_DIR / f"{name}-{stamp}.json"
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2))
    return path


# ------------------------------------------------------------------------- PostgreSQL
def dbapi_url(url: str) -> str:
    """SQLAlchemy URL -> libpq URL for psycopg."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def pg_server_version(url: str) -> str:
    import psycopg
    with psycopg.connect(dbapi_url(url), autocommit=True) as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


def create_database(url: str, name: str, template: str | None = None) -> str:
    """Create (or re-create) database `name` on the cluster of `url`, as a copy of database
    `template` if given; return its URL."""
    import psycopg
    base, _, _ = url.rpartition("/")
    with psycopg.connect(dbapi_url(base + "/postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return f"{base}/{name}"


def database_exists(url: str) -> bool:
    """Whether the database of `url` exists on its cluster (a kept cluster may hold other
    benchmarks' databases and not this one)."""
    import psycopg
    base, _, name = url.rpartition("/")
    with psycopg.connect(dbapi_url(base + "/postgres"), autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


def drop_database(url: str, name: str) -> None:
    import psycopg
    base, _, _ = url.rpartition("/")
    with psycopg.connect(dbapi_url(base + "/postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def pg_cluster(settings: dict[str, str] | None = None, keep: Path | None = None,
               dbname: str = "xinyong") -> Iterator[tuple[str, bool]]:
    """Yield (url, reused). Without `keep`: xinyong.devtools.pgcluster.throwaway_cluster.
    With `keep`: a cluster whose data directory survives the run (bench/data/pg), started
    on a free loopback port; `reused` says whether the cluster and its database `dbname` existed
    before (a kept cluster is shared by the benchmarks: the database is created when another
    benchmark made the cluster and not it)."""
    if keep is None:
        from xinyong.devtools.pgcluster import throwaway_cluster
        with throwaway_cluster(dbname=dbname, settings=settings) as url:
            yield url, False
        return
    from xinyong.devtools import pgcluster as pc
    keep = keep.resolve()
    data = keep / "data"
    reused = (data / "PG_VERSION").exists()
    keep.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(keep, "postgres", "postgres")
        os.chmod(keep, 0o700)
    if not reused:
        pc._run([pc._find_bin("initdb"), "-D", str(data), "-U", "postgres", "-E", "UTF8",
                 "--locale=C.UTF-8", "-A", "trust"])
    port = pc._free_port()
    opts = {"listen_addresses": "'127.0.0.1'", "port": str(port), "unix_socket_directories": f"'{keep}'",
            "fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
            "shared_buffers": "256MB", "max_connections": "100"}
    opts.update(settings or {})
    conf = data / "postgresql.auto.conf"
    lines = [ln for ln in conf.read_text().splitlines() if ln.startswith("#")] if conf.exists() else []
    lines += [f"{k} = {v}" for k, v in opts.items()]
    conf.write_text("\n".join(lines) + "\n")
    if os.geteuid() == 0:
        shutil.chown(conf, "postgres", "postgres")
    pc._run([pc._find_bin("pg_ctl"), "-D", str(data), "-l", str(keep / "server.log"), "-w", "-t", "120", "start"])
    try:
        pc._wait(port)
        url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/{dbname}"
        if not reused or not database_exists(url):
            create_database(url, dbname)
            reused = False
        yield url, reused
    finally:
        subprocess.run(pc._as_server_user([pc._find_bin("pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
                       capture_output=True)


def cleanup_on_sigterm() -> None:
    """Turn SIGTERM (and SIGINT, which background jobs ignore) into SystemExit, so that the
    context managers stop the app server and the cluster instead of leaving them running."""
    import signal

    def stop(signum, _frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)


def human_table(rows: list[list[str]], headers: list[str]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths)) for r in rows]
    return "\n".join(out)
