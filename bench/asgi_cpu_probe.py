"""CPU per request of the app called as a bare ASGI callable: no HTTP client, no server.

    .venv/bin/python bench/asgi_cpu_probe.py [--requests 1000] [--postgresql]

bench/request_cpu_bench.py drives the app through httpx's ASGITransport, whose own cost
(~0.3 ms a request, varying with the machine's load) is in every figure; here each request
is one call of the application with a hand-made scope, so what is measured is the app's
middleware, routing, dependencies, route, read (in the thread pool) and serialisation.
Same throwaway SQLite city as request_cpu_bench (40 subjects). Prints mean CPU ms a request
(this process, all threads) for the public profile API, the profile page and an unknown
path (404: every route is tried). Used for the A/B runs in docs/PERFORMANCE.md (issue #14).
With --postgresql the city is on a throwaway PostgreSQL cluster and the app runs as it is
configured there by default, as under bench/api_bench.py: the rate-limit buckets in the
database (one UPSERT a request), the reads through psycopg. CPU here is this process's only
(the database server's is not counted, as api_bench counts only the uvicorn tree).
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import request_cpu_bench as rcb  # noqa: E402


def _scope(path: str) -> dict:
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
            "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
            "headers": [(b"host", b"bench"), (b"user-agent", b"probe")], "client": ("127.0.0.1", 5000),
            "server": ("bench", 80)}


async def _call(app, path: str) -> int:
    status = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        if message["type"] == "http.response.start":
            status.append(message["status"])

    await app(_scope(path), receive, send)
    return status[0]


async def _run(ids: list[int], requests: int) -> dict:
    from xinyong.app import create_app
    app, rng, out = create_app(), random.Random(3), {}
    for kind, path, expected in (("api", "/api/v1/subjects/{}", 200), ("page", "/subjects/{}", 200),
                                 ("404", "/nothing/{}", 404)):
        for _ in range(100):
            assert await _call(app, path.format(rng.choice(ids))) == expected
        started = time.process_time()
        for _ in range(requests):
            await _call(app, path.format(rng.choice(ids)))
        out[kind] = round((time.process_time() - started) / requests * 1000, 3)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=1000)
    ap.add_argument("--postgresql", action="store_true", help="the city on a throwaway PostgreSQL cluster")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="xinyong-asgi-probe-") as directory, contextlib.ExitStack() as stack:
        rcb._environment(directory)
        if args.postgresql:
            from xinyong.devtools.pgcluster import throwaway_cluster
            os.environ["XINYONG_DATABASE_URL"] = stack.enter_context(throwaway_cluster())
        ids = rcb._city(40, 11)
        out = asyncio.run(_run(ids, args.requests))
    print(" ".join(f"{kind} {ms:.3f} ms" for kind, ms in out.items()), f"load {open('/proc/loadavg').read().split()[0]}")


if __name__ == "__main__":
    main()
