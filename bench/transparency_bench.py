"""Cost of the transparency log at city scale (issue 12): a log of N audit entries built in
bulk (entries, leaves and every complete subtree node), then, in the same run:

- append: `record_event` + commit (hash chain + outbox row) per request, against an insert of
  the same entry into a plain table (no chain, no outbox) + commit: p50/p99 and the ratio;
- sequencing: the sequencer's cost per appended entry (leaves, nodes, a signed head);
- proofs: inclusion (random leaf, the whole tree) and consistency (random first size to the
  whole tree) as the API computes them: p50/p99, and as a ratio to the plain insert's p50.

    python bench/transparency_bench.py --entries 10000000 --backend postgres
    python bench/transparency_bench.py --entries 100000 --backend sqlite     # smoke check
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import BENCH_SECRET, machine_info, percentile, pg_cluster, save_result  # noqa: E402

CHUNK = 1 << 16   # leaves built per step: aligned, so only nodes above level 16 are kept in memory


def build(url: str, n: int) -> float:
    """N entries over 4 chains, their leaves and nodes, the state row and one signed head."""
    from sqlalchemy import insert, text

    from xinyong.db import make_engine, session_scope
    from xinyong.models import AuditEntry, AuditHead
    from xinyong.models.transparency import TransparencyLeaf, TransparencyNode, TransparencyState
    from xinyong.transparency import merkle, service
    started = time.perf_counter()
    engine = make_engine(url)
    at = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    upper: dict = {}
    with engine.begin() as conn:
        for start in range(0, n, CHUNK):
            ids = range(start + 1, min(start + CHUNK, n) + 1)
            rows = [{"id": i, "chain": i % 4, "seq": (i + 3) // 4, "at": at, "actor": "bench", "action": "bench.event",
                     "target_type": "thing", "target_id": str(i), "subject_id": i, "details": {"n": i},
                     "prev_hash": "0" * 64, "hash": hashlib.sha256(str(i).encode()).hexdigest()} for i in ids]
            conn.execute(insert(AuditEntry.__table__), rows)
            conn.execute(insert(TransparencyLeaf.__table__), [{"leaf_index": i - 1, "entry_id": i} for i in ids])
            leaves = [merkle.leaf_hash(r["hash"].encode()) for r in rows]
            made = merkle.new_nodes(start, leaves, lambda keys: {k: upper[k] for k in keys})
            conn.execute(insert(TransparencyNode.__table__),
                         [{"level": lv, "idx": ix, "hash": h.hex()} for (lv, ix), h in made.items()
                          if ix >= (start >> lv)])
            upper.update({k: v for k, v in made.items() if k[0] >= 16})
        conn.execute(insert(AuditHead.__table__), [{"chain": c, "seq": (n - c + 4) // 4 if c else n // 4,
                                                    "hash": "0" * 64} for c in range(4)])
        conn.execute(insert(TransparencyState.__table__).values(id=1, tree_size=n))
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT setval(pg_get_serial_sequence('audit_log', 'id'), :n)"), {"n": n})
            conn.execute(text("ANALYZE"))
    with session_scope(engine) as session:
        service.sign_head(session, n)
    return time.perf_counter() - started


def plain_table(engine) -> None:
    from sqlalchemy import text
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE plain_audit AS SELECT * FROM audit_log WHERE 1 = 0"))


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


def proofs(engine, samples: int) -> tuple[list[float], list[float], int]:
    from xinyong.db import session_factory
    from xinyong.transparency import service
    inclusion, consistency = [], []
    with session_factory(engine)() as session:
        size = service.tree_size(session)
        for _ in range(samples):
            t0 = time.perf_counter()
            service.inclusion(session, random.randrange(size), size)
            inclusion.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            service.consistency(session, random.randrange(1, size), size)
            consistency.append(time.perf_counter() - t0)
    return inclusion, consistency, size


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


def run(url: str, args) -> dict:
    os.environ["XINYONG_DATABASE_URL"] = url
    from xinyong.config import reset_settings
    from xinyong.db import make_engine
    from xinyong.migrate import upgrade
    reset_settings()
    upgrade(url)
    build_s = build(url, args.entries)
    engine = make_engine(url)
    plain_table(engine)
    platform, plain = appends(engine, args.samples)
    seq_s, seq_n = sequencing(engine)
    inclusion, consistency, size = proofs(engine, args.samples)
    base = sorted(plain)[len(plain) // 2]
    return {"entries": args.entries, "tree_size": size, "build_s": round(build_s, 1),
            "append": ms(platform), "plain_insert": ms(plain),
            "append_ratio_p50": round(sorted(platform)[len(platform) // 2] / base, 2),
            "sequencing_per_entry_ms": round(seq_s / max(seq_n, 1) * 1000, 3), "sequenced": seq_n,
            "inclusion": ms(inclusion), "consistency": ms(consistency),
            "inclusion_p99_over_plain_p50": round(percentile(sorted(inclusion), 99) / base, 2),
            "consistency_p99_over_plain_p50": round(percentile(sorted(consistency), 99) / base, 2)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=10_000_000)
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
    else:
        with pg_cluster(settings={"shared_buffers": "1GB"}) as (url, _):
            result = run(url, args)
    payload = {"backend": args.backend, "machine": machine_info(), **result}
    print(json.dumps(payload, indent=1))
    print("saved", save_result("transparency", payload))


if __name__ == "__main__":
    main()
