"""Cost of the transparency log at city scale (issue 12): a log of N audit entries built in
bulk (entries, leaves and every complete subtree node), then, in the same run:

- append: `record_event` + commit (hash chain + outbox row) per request, against an insert of
  the same entry into a plain table (no chain, no outbox) + commit: p50/p99 and the ratio;
- sequencing: the sequencer's cost per appended entry (leaves, nodes, a signed head);
- proofs: inclusion (random leaf, the whole tree) and consistency (random first size to the
  whole tree) as the API computes them: p50/p99, and as a ratio to the plain insert's p50.

    python bench/transparency_bench.py --entries 100000,1000000,10000000 --backend sqlite
    python bench/transparency_bench.py --entries 100000 --backend postgres --samples 300   # smoke check
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import BENCH_SECRET, machine_info, percentile, pg_cluster, save_result  # noqa: E402

CHUNK = 1 << 16   # leaves built per step


def build(url: str, n: int) -> float:
    """Extend the log to N leaves in bulk (not through the request path): entries in bench
    chains of their own (1000 + step, so record_event's chains are untouched), their leaves,
    every complete subtree node (left siblings read back from the table), the state row and
    one signed head. Called again with a larger N it extends the same tree."""
    from sqlalchemy import func, insert, select, text

    from xinyong.db import make_engine, session_scope
    from xinyong.models import AuditEntry
    from xinyong.models.transparency import TransparencyLeaf, TransparencyNode, TransparencyState
    from xinyong.transparency import merkle, repository, service
    started = time.perf_counter()
    engine = make_engine(url)
    at = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    with session_scope(engine) as session:
        size = repository.lock_state(session)
        first_id = int(session.scalar(select(func.coalesce(func.max(AuditEntry.id), 0)))) + 1
        chain = 1000 + int(session.scalar(select(func.count(func.distinct(AuditEntry.chain)))))
        upper: dict = {}
        for start in range(size, n, CHUNK):
            stop = min(start + CHUNK, n)
            ids = range(first_id + start - size, first_id + stop - size)
            rows = [{"id": i, "chain": chain, "seq": i - first_id + 1, "at": at, "actor": "bench",
                     "action": "bench.event", "target_type": "thing", "target_id": str(i), "subject_id": i,
                     "details": {"n": i}, "prev_hash": "0" * 64, "hash": hashlib.sha256(str(i).encode()).hexdigest()}
                    for i in ids]
            session.execute(insert(AuditEntry.__table__), rows)
            session.execute(insert(TransparencyLeaf.__table__),
                            [{"leaf_index": start + k, "entry_id": i} for k, i in enumerate(ids)])
            leaves = [merkle.leaf_hash(r["hash"].encode()) for r in rows]

            def known(keys, upper=upper):
                missing = [k for k in keys if k not in upper]
                return {**{k: upper[k] for k in keys if k in upper}, **repository.nodes(session, missing)}
            made = merkle.new_nodes(start, leaves, known)
            session.execute(insert(TransparencyNode.__table__),
                            [{"level": lv, "idx": ix, "hash": h.hex()} for (lv, ix), h in made.items()
                             if ix >= (start >> lv)])
            upper.update({k: v for k, v in made.items() if k[0] >= 16})
        repository.set_size(session, max(n, size))
        if engine.dialect.name == "postgresql":
            session.execute(text("SELECT setval(pg_get_serial_sequence('audit_log', 'id'), "
                                 "(SELECT max(id) FROM audit_log))"))
        service.sign_head(session, max(n, size))
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    return time.perf_counter() - started


def plain_table(engine) -> None:
    from sqlalchemy import text
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS plain_audit AS SELECT * FROM audit_log WHERE 1 = 0"))


def appends(engine, samples: int) -> tuple[list[float], list[float]]:
    from sqlalchemy import text

    from xinyong.audit import record_event
    from xinyong.db import session_factory
    from xinyong.kit.access import Principal
    actor = Principal(user_id=None, username="bench", role="staff")
    factory = session_factory(engine)
    platform, plain = [], []
    for i in range(samples):
        subject = random.randrange(1, 10**6)
        with factory() as session:
            t0 = time.perf_counter()
            record_event(session, actor, "bench.append", target_type="thing", target_id=i, subject_id=subject,
                         details={"n": i})
            session.commit()
            platform.append(time.perf_counter() - t0)
        with factory() as session:
            t0 = time.perf_counter()
            session.execute(text("INSERT INTO plain_audit (chain, seq, at, actor, action, target_type, target_id, "
                                 "subject_id, details, prev_hash, hash) VALUES (:c, :s, :at, 'bench', 'bench.append', "
                                 "'thing', :t, :sub, :d, :h, :h)"),
                            {"c": subject % 4, "s": i, "at": dt.datetime.now(dt.timezone.utc), "t": str(i),
                             "sub": subject, "d": json.dumps({"n": i}), "h": "0" * 64})
            session.commit()
            plain.append(time.perf_counter() - t0)
    return platform, plain


def proofs(engine, samples: int) -> tuple[dict, int]:
    """Inclusion and consistency proofs over the whole tree, as the API computes them:
    wall time and this thread's CPU time (the difference is waiting: disk, other processes)."""
    from xinyong.db import session_factory
    from xinyong.transparency import service
    out: dict[str, list[float]] = {k: [] for k in ("inclusion", "inclusion_cpu", "consistency", "consistency_cpu")}
    with session_factory(engine)() as session:
        size = service.tree_size(session)
        for _ in range(samples):
            for kind, call in (("inclusion", lambda: service.inclusion(session, random.randrange(size), size)),
                               ("consistency", lambda: service.consistency(session, random.randrange(1, size), size))):
                c0, t0 = time.thread_time(), time.perf_counter()
                call()
                out[kind].append(time.perf_counter() - t0)
                out[kind + "_cpu"].append(time.thread_time() - c0)
    return out, size


def sequencing(engine) -> tuple[float, int]:
    from xinyong.db import session_scope
    from xinyong.transparency import repository, service
    with session_scope(engine) as session:
        waiting = len(repository.pending_ids(session, 10**9))
    t0 = time.perf_counter()
    with session_scope(engine) as session:
        service.sequence(session)
    return time.perf_counter() - t0, waiting


def ms(values: list[float]) -> dict:
    s = sorted(values)
    return {"p50_ms": round(percentile(s, 50) * 1000, 3), "p99_ms": round(percentile(s, 99) * 1000, 3)}


def measure(engine, entries: int, samples: int, build_s: float) -> dict:
    platform, plain = appends(engine, samples)
    seq_s, seq_n = sequencing(engine)
    got, size = proofs(engine, samples)
    base = sorted(plain)[len(plain) // 2]
    return {"entries": entries, "tree_size": size, "build_s": round(build_s, 1), "load_avg": list(os.getloadavg()),
            "append": ms(platform), "plain_insert": ms(plain),
            "append_ratio_p50": round(sorted(platform)[len(platform) // 2] / base, 2),
            "append_ratio_p99": round(percentile(sorted(platform), 99) / percentile(sorted(plain), 99), 2),
            "sequencing_per_entry_ms": round(seq_s / max(seq_n, 1) * 1000, 3), "sequenced": seq_n,
            **{k: ms(v) for k, v in got.items()},
            "inclusion_p99_over_plain_p50": round(percentile(sorted(got["inclusion"]), 99) / base, 2),
            "consistency_p99_over_plain_p50": round(percentile(sorted(got["consistency"]), 99) / base, 2)}


def run(url: str, args) -> list[dict]:
    """Grow one tree through each size of --entries (e.g. 100000,1000000,10000000) and measure
    at each: the scaling in same-run numbers."""
    os.environ["XINYONG_DATABASE_URL"] = url
    from xinyong.config import reset_settings
    from xinyong.db import make_engine
    from xinyong.migrate import upgrade
    reset_settings()
    upgrade(url)
    results = []
    for entries in args.entries:
        build_s = build(url, entries)
        engine = make_engine(url)
        plain_table(engine)
        results.append(measure(engine, entries, args.samples, build_s))
        print(json.dumps(results[-1]), flush=True)
        engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=lambda v: [int(x) for x in v.split(",")], default=[10_000_000],
                        help="tree sizes to grow through and measure at, comma-separated")
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="postgres")
    args = parser.parse_args()
    os.environ.setdefault("XINYONG_SECRET_KEY", BENCH_SECRET)
    os.environ["XINYONG_DEV"] = "1"
    archive = tempfile.mkdtemp(prefix="xinyong-bench-transparency-")
    os.environ["XINYONG_TRANSPARENCY_ARCHIVE"] = archive
    random.seed(12)
    if args.backend == "sqlite":
        folder = tempfile.mkdtemp(prefix="xinyong-bench-")
        result = run(f"sqlite:///{folder}/bench.db", args)
        shutil.rmtree(folder, ignore_errors=True)
    else:
        with pg_cluster(settings={"shared_buffers": "1GB"}) as (url, _):
            result = run(url, args)
    payload = {"backend": args.backend, "machine": machine_info(), "runs": result}
    print(json.dumps(payload, indent=1))
    print("saved", save_result("transparency", payload))


if __name__ == "__main__":
    main()
