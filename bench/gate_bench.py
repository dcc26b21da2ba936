"""Cost of the query gate on a profile read (issue 3): the gate's decision plus its
access-log row, against the same read without the gate, on PostgreSQL with the kept city
of bench/api_bench.py (1,000,000 subjects, 10,000,000 records).

    .venv/bin/python bench/api_bench.py --keep --build-only     # once: build or reuse the city
    .venv/bin/python bench/gate_bench.py --samples 3000

In one process, per sampled subject and interleaved, alternating which goes first (so the
machine's noise and the cold cache hit both alike):
  raw   — load the subject and its records of the asked items (repository.records_for), commit;
  gated — xinyong.access.views.read_profile: the same reads behind gate.check with a written
          authorisation as basis, which also writes the access-log row, commit.
Target: gated − raw < 2 ms at p50.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import common  # noqa: E402

ITEMS = ["penalty", "licence"]
PURPOSE = "流动资金贷款贷前审查"
TARGET_MS = 2.0


def _bank_uscc() -> str:
    from stdnum.cn import uscc
    body = "91350500MA0BANK01"  # 17 characters; stdnum adds the check character
    return body + uscc.calc_check_digit(body)


def setup(session, samples: list[int]):
    """A bank, one of its users, and an authorisation for every sampled subject (set-based)."""
    from sqlalchemy import text

    from xinyong.agencies.service import by_uscc, register
    from xinyong.kit.access import Principal
    bank = by_uscc(session, _bank_uscc()) or register(session, uscc=_bank_uscc(), name="泉州基准银行", kind="financial")
    session.execute(text("DELETE FROM authorisations WHERE grantee_org_id = :b"), {"b": bank.id})
    session.execute(text(
        "INSERT INTO authorisations (subject_id, grantee_org_id, items, purpose, valid_from, valid_to, document_ref, "
        "restricted_consent, granted_at, version) SELECT s, :b, CAST(:items AS jsonb), :p, DATE '2026-01-01', "
        "DATE '2030-12-31', 'bench', false, now(), 1 FROM unnest(CAST(:ids AS bigint[])) AS s"),
        {"b": bank.id, "items": json.dumps(ITEMS), "p": PURPOSE, "ids": samples})
    rows = session.execute(text("SELECT subject_id, id FROM authorisations WHERE grantee_org_id = :b"),
                           {"b": bank.id}).all()
    session.commit()
    principal = Principal(user_id=None, username="bench-bank", role="financial", agency_id=bank.id, via="token")
    return principal, dict(rows)


def _raw(factory, principal, auth_ids, sid) -> tuple[float, bool]:
    from xinyong.access import repository
    from xinyong.models import Subject
    t0 = time.perf_counter()
    with factory() as s:
        s.get(Subject, sid)
        repository.records_for(s, sid, ITEMS)
        s.commit()
    return (time.perf_counter() - t0) * 1000, True


def _gated(factory, principal, auth_ids, sid) -> tuple[float, bool]:
    from xinyong.access import views
    from xinyong.access.gate import BasisRequest
    t0 = time.perf_counter()
    with factory() as s:
        read = views.read_profile(s, principal, sid, ITEMS, PURPOSE, BasisRequest("authorisation", id=str(auth_ids[sid])))
        s.commit()
    return (time.perf_counter() - t0) * 1000, bool(read.decision.allowed)


def measure(factory, principal, auth_ids: dict[int, int], samples: list[int]) -> dict:
    raw_ms, gated_ms, allowed = [], [], 0
    for n, sid in enumerate(samples):
        # alternate which read goes first: the first one pays the cold cache for both
        first, second = (_raw, _gated) if n % 2 == 0 else (_gated, _raw)
        a = first(factory, principal, auth_ids, sid)
        b = second(factory, principal, auth_ids, sid)
        (raw, gated) = (a, b) if n % 2 == 0 else (b, a)
        allowed += gated[1]
        raw_ms.append(raw[0])
        gated_ms.append(gated[0])
    diffs = sorted(g - r for g, r in zip(gated_ms, raw_ms))
    raw_ms.sort()
    gated_ms.sort()
    pct = common.percentile
    return {"samples": len(samples), "allowed": allowed,
            "raw_ms": {"p50": round(pct(raw_ms, 50), 3), "p99": round(pct(raw_ms, 99), 3)},
            "gated_ms": {"p50": round(pct(gated_ms, 50), 3), "p99": round(pct(gated_ms, 99), 3)},
            "gate_cost_ms": {"p50": round(pct(diffs, 50), 3), "p90": round(pct(diffs, 90), 3)},
            "ratio_p50_gated_over_raw": round(pct(gated_ms, 50) / pct(raw_ms, 50), 2)}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--samples", type=int, default=3000)
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--seed", type=int, default=20261123)
    args = ap.parse_args(argv)
    os.environ["XINYONG_SECRET_KEY"] = common.BENCH_SECRET
    os.environ["XINYONG_TODAY"] = "2026-11-23"
    keep = common.DATA_DIR / "pg"
    if not (keep / "data" / "PG_VERSION").exists():
        sys.exit("no kept city: run  .venv/bin/python bench/api_bench.py --keep --build-only  first")
    with common.pg_cluster(keep=keep, dbname="city") as (url, _):
        os.environ["XINYONG_DATABASE_URL"] = url
        from sqlalchemy import text

        from xinyong.db import make_engine, session_factory
        from xinyong.migrate import upgrade
        upgrade(url)
        engine = make_engine(url)
        factory = session_factory(engine)
        with factory() as s:
            n = s.execute(text("SELECT max(id) FROM subjects")).scalar()
            records = s.execute(text("SELECT reltuples::bigint FROM pg_class WHERE relname = 'records'")).scalar()
        rng = random.Random(args.seed)
        samples = rng.sample(range(1, n + 1), args.samples + args.warmup)
        with factory() as s:
            principal, auth_ids = setup(s, samples)
        measure(factory, principal, auth_ids, samples[:args.warmup])
        result = measure(factory, principal, auth_ids, samples[args.warmup:])
        out = {"bench": "gate", "machine": common.machine_info(common.pg_server_version(url)),
               "city": {"subjects": n, "records_estimate": records}, **result,
               "target": {"gate_cost_p50_ms": f"< {TARGET_MS}", "met": result["gate_cost_ms"]["p50"] < TARGET_MS}}
    path = common.save_result(f"gate-{n}", out)
    print(json.dumps(out, ensure_ascii=False, indent=1))
    print(f"saved {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
