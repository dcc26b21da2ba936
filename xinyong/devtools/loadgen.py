"""Load through the front door while a server fails (issue 16, "load held"): several concurrent
clients, over HTTP to nginx, do what the platform's public and its agencies do — anonymous
reads of subject profiles (`GET /api/v1/subjects/{id}`), and an agency's small JSON batch
uploads (`POST /api/v1/batches`, a few penalty rows each, one Idempotency-Key per batch) — and
every request is timed and kept with its answer. A writer resends a batch that got no answer
or a 5xx with the same key until it is acknowledged (201), as a real agency's client does;
afterwards `check_writes` looks in the database for every acknowledged batch: present exactly
once, whole, nothing of it twice.

    python -m xinyong.devtools.loadgen --url http://127.0.0.1:8080 --seconds 60

(on the database of `scripts/cluster.sh --replicaset`: it issues a token for the demo's
`agency-scjg` and picks demo subjects; `--database-url` or XINYONG_DATABASE_URL for another).
bench/failover_bench.py runs it while it kills the primary; tests/faults/test_failover_load.py
a short version.
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import random
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

CONNECTION_FAILED = 0          # the status kept for a request that got no HTTP answer
RESEND_FOR_SECONDS = 120       # a writer gives up on one batch after this long


@dataclasses.dataclass(frozen=True)
class Sample:
    kind: str                  # "read" | "write"
    started: float             # time.monotonic()
    ended: float
    status: int                # CONNECTION_FAILED when no answer came
    retry_after: bool          # the answer said when to come back


@dataclasses.dataclass(frozen=True)
class Ack:
    key: str
    batch: int
    rows: int
    attempts: int
    replayed: bool


@dataclasses.dataclass
class Agency:
    uscc: str
    name: str
    token: str


def penalty_rows(agency: Agency, key: str, rows: int, rng: random.Random) -> list[dict[str, str]]:
    from xinyong.synthetic import make_uscc, penalty_row
    day = dt.date(2026, 1, 5) + dt.timedelta(days=rng.randrange(300))
    return [penalty_row(rng, name=f"泉州市负载测试商行{key}-{i}", subject_uscc=make_uscc(rng),
                        decision_no=f"{key}-{i}", decision_date=day, agency_name=agency.name,
                        agency_uscc=agency.uscc) for i in range(rows)]


class Load:
    """Readers and writers on threads of their own until `stop()`; `samples`, `acks`,
    `unacknowledged` and the `marks` the caller sets (kill, promoted …) say what happened."""

    def __init__(self, url: str, agency: Agency, subject_ids: list[int], readers: int = 4, writers: int = 2,
                 rows: int = 5, prefix: str = "load", timeout: float = 30, seed: int = 16):
        self.url, self.agency, self.subject_ids = url, agency, list(subject_ids)
        self.readers, self.writers, self.rows, self.prefix, self.timeout = readers, writers, rows, prefix, timeout
        self.seed = seed
        self.samples: list[Sample] = []
        self.acks: list[Ack] = []
        self.unacknowledged: list[str] = []
        self.refused: list[tuple[str, int, str]] = []
        self.marks: dict[str, float] = {}
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def mark(self, name: str) -> None:
        self.marks[name] = time.monotonic()

    def start(self) -> "Load":
        self.mark("start")
        for n in range(self.readers):
            self._threads.append(threading.Thread(target=self._reader, args=(n,), daemon=True))
        for n in range(self.writers):
            self._threads.append(threading.Thread(target=self._writer, args=(n,), daemon=True))
        for thread in self._threads:
            thread.start()
        return self

    def stop(self, timeout: float = RESEND_FOR_SECONDS + 30) -> None:
        """No new requests; a writer finishes the batch it is sending (acknowledged or given up)."""
        self.mark("stop")
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)
        self.mark("end")

    def _client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=self.timeout,
                            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1))

    def _send(self, client: httpx.Client, kind: str, method: str, path: str, **kw) -> httpx.Response | None:
        started = time.monotonic()
        try:
            answer = client.request(method, path, **kw)
        except httpx.HTTPError:
            answer = None
        sample = Sample(kind, started, time.monotonic(), answer.status_code if answer is not None else CONNECTION_FAILED,
                        answer is not None and "retry-after" in answer.headers)
        with self._lock:
            self.samples.append(sample)
        return answer

    def _reader(self, n: int) -> None:
        rng = random.Random(self.seed * 1000 + n)
        with self._client() as client:
            while not self._stop.is_set():
                answer = self._send(client, "read", "GET", f"/api/v1/subjects/{rng.choice(self.subject_ids)}")
                if answer is None or answer.status_code >= 500:
                    time.sleep(0.2)

    def _writer(self, n: int) -> None:
        rng = random.Random(self.seed * 1000 + 500 + n)
        headers = {"Authorization": f"Bearer {self.agency.token}"}
        with self._client() as client:
            count = 0
            while not self._stop.is_set():
                key = f"{self.prefix}-{n}-{count}"
                count += 1
                body = {"item": "penalty", "rows": penalty_rows(self.agency, key, self.rows, rng)}
                self._send_until_acknowledged(client, key, body, {**headers, "Idempotency-Key": key})

    def _send_until_acknowledged(self, client: httpx.Client, key: str, body: dict, headers: dict) -> None:
        deadline = time.monotonic() + RESEND_FOR_SECONDS
        attempts = 0
        while time.monotonic() < deadline:
            attempts += 1
            answer = self._send(client, "write", "POST", "/api/v1/batches", json=body, headers=headers)
            if answer is not None and answer.status_code == 201:
                with self._lock:
                    self.acks.append(Ack(key, int(answer.json()["batch"]), len(body["rows"]), attempts,
                                         answer.headers.get("Idempotent-Replayed") == "true"))
                return
            if answer is not None and answer.status_code < 500 and answer.status_code != 429:
                with self._lock:       # refused for good: a bug of this client or of the platform
                    self.refused.append((key, answer.status_code, answer.text[:300]))
                return
            time.sleep(0.2)            # no answer, 5xx or 429: the same batch again, same key
        with self._lock:
            self.unacknowledged.append(key)


# ---- figures ------------------------------------------------------------------------------
def _rate(samples: list[Sample], kind: str, start: float, end: float, ok_only: bool = True) -> float:
    if end <= start:
        return 0.0
    hits = [s for s in samples if s.kind == kind and start <= s.ended < end and (not ok_only or s.status < 400)]
    return round(len(hits) / (end - start), 1)


def first_ok_after(samples: list[Sample], kind: str, moment: float) -> float | None:
    ends = [s.ended for s in samples if s.kind == kind and s.started >= moment and 200 <= s.status < 300]
    return min(ends) if ends else None


def served_again(samples: list[Sample], kind: str, failed: float, end: float) -> float:
    """When requests of a kind were answered again for good: the first success that started
    after the last failure (5xx or no answer) that ended after `failed`."""
    fails = [s.started for s in samples if s.kind == kind and s.ended >= failed
             and (s.status >= 500 or s.status == CONNECTION_FAILED)]
    return (first_ok_after(samples, kind, max(fails)) or end) if fails else failed


def summary(load: Load, failed_at: str = "kill") -> dict:
    """Requests/s before the failure, during the outage (until writes are served again) and
    after; answers by status; the outage each kind of request saw (from the failure until it
    was served again for good)."""
    s, m = load.samples, load.marks
    start, end = m["start"], m.get("stop", time.monotonic())
    kill = m.get(failed_at)
    out: dict = {"seconds": round(end - start, 1), "readers": load.readers, "writers": load.writers,
                 "rows_per_batch": load.rows}
    for kind in ("read", "write"):
        statuses = Counter(x.status for x in s if x.kind == kind)
        out[f"{kind}_statuses"] = {str(k): v for k, v in sorted(statuses.items())}
        out[f"{kind}_5xx_without_retry_after"] = sum(1 for x in s if x.kind == kind and x.status == 503
                                                     and not x.retry_after)
    if kill is None:
        out["ok_per_second"] = {k: _rate(s, k, start, end) for k in ("read", "write")}
        return out
    back = served_again(s, "write", kill, end)
    phases = {"before": (start, kill), "during": (kill, back), "after": (back, end)}
    out["phases"] = {name: {"seconds": round(b - a, 2), **{f"{k}_ok_per_s": _rate(s, k, a, b) for k in ("read", "write")},
                            "errors": dict(Counter(str(x.status) for x in s if a <= x.ended < b and x.status >= 500
                                                   or a <= x.ended < b and x.status == CONNECTION_FAILED))}
                     for name, (a, b) in phases.items()}
    out["outage_seconds"] = {k: round(served_again(s, k, kill, end) - kill, 2) for k in ("read", "write")}
    if "promoted" in m:
        out["kill_to_promoted_seconds"] = round(m["promoted"] - kill, 2)
        out["promoted_to_first_write_seconds"] = round((first_ok_after(s, "write", m["promoted"]) or end)
                                                        - m["promoted"], 2)
    out["acknowledged_batches"] = len(load.acks)
    out["resent_batches"] = sum(1 for a in load.acks if a.attempts > 1)
    out["replayed_answers"] = sum(1 for a in load.acks if a.replayed)
    out["unacknowledged_batches"] = len(load.unacknowledged)
    out["refused_batches"] = len(load.refused)
    return out


def timeline(load: Load) -> list[tuple[int, int, int, int]]:
    """(second, reads answered below 500, writes acknowledged, 5xx or no answer) per second."""
    start = load.marks["start"]
    rows: dict[int, list[int]] = {}
    for x in load.samples:
        row = rows.setdefault(int(x.ended - start), [0, 0, 0])
        if x.status >= 500 or x.status == CONNECTION_FAILED:
            row[2] += 1
        elif x.kind == "read":
            row[0] += 1
        elif x.status == 201:
            row[1] += 1
    return [(sec, *rows[sec]) for sec in sorted(rows)]


# ---- the data afterwards ------------------------------------------------------------------
def check_writes(database_url: str, load: Load) -> dict:
    """Every acknowledged batch in the database exactly once (its key, its id), completed, with
    all its rows; no decision number of this load twice; batches of this load that were never
    acknowledged listed (a client that gave up: present or absent, but whole)."""
    from sqlalchemy import text
    from xinyong.db import make_engine
    engine = make_engine(database_url)
    prefix = load.prefix + "-"
    try:
        with engine.connect() as conn:
            batches = conn.execute(text(
                "SELECT b.idempotency_key, b.id, b.status, b.accepted_rows, "
                "(SELECT count(*) FROM records r WHERE r.batch_id = b.id) FROM batches b "
                "WHERE b.idempotency_key LIKE :p"), {"p": prefix + "%"}).all()
            doubled = conn.execute(text(
                "SELECT decision_no, count(*) FROM records WHERE decision_no LIKE :p "
                "GROUP BY decision_no HAVING count(*) > 1"), {"p": prefix + "%"}).all()
    finally:
        engine.dispose()
    by_key: dict[str, list] = {}
    for row in batches:
        by_key.setdefault(row[0], []).append(row)
    missing = [a.key for a in load.acks if a.key not in by_key]
    twice = [k for k, rows in by_key.items() if len(rows) > 1]
    wrong = [a.key for a in load.acks if a.key in by_key and
             (by_key[a.key][0][1] != a.batch or by_key[a.key][0][2] != "completed"
              or by_key[a.key][0][3] != a.rows or by_key[a.key][0][4] != a.rows)]
    acked = {a.key for a in load.acks}
    return {"acknowledged": len(load.acks), "found": len(acked & set(by_key)), "missing": missing,
            "stored_twice": twice, "not_whole": wrong, "decision_numbers_twice": [r[0] for r in doubled],
            "stored_but_never_acknowledged": sorted(set(by_key) - acked),
            "records_of_acknowledged": sum(by_key[k][0][4] for k in acked if k in by_key)}


def data_lost(check: dict) -> bool:
    return bool(check["missing"] or check["stored_twice"] or check["not_whole"] or check["decision_numbers_twice"])


# ---- set-up from a database: a token, an agency, subjects to read --------------------------
def prepare(database_url: str, username: str = "agency-scjg", subjects: int = 200) -> tuple[Agency, list[int]]:
    """An API token (batches:write, one day) for the agency account, and subject ids whose
    public profile exists (subjects with a published record)."""
    from sqlalchemy import select
    from xinyong.accounts.tokens import issue_token
    from xinyong.db import make_engine, session_scope
    from xinyong.models import Agency as AgencyRow, Record, User
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            token = issue_token(session, username, "loadgen", scopes=["batches:write"], days=1)
            user = session.scalar(select(User).where(User.username == username))
            row = session.get(AgencyRow, user.agency_id)
            ids = list(session.scalars(select(Record.subject_id).where(Record.publicity_published.is_(True))
                                       .distinct().limit(subjects)))
            agency = Agency(row.uscc, row.name, token)
    finally:
        engine.dispose()
    return agency, ids


def _database_url(given: str) -> str:
    if given:
        return given
    if os.environ.get("XINYONG_DATABASE_URL"):
        return os.environ["XINYONG_DATABASE_URL"]
    from xinyong.devtools.replicaset import STATE_FILE, ReplicaSet
    base = Path("var/replicaset")
    if (base / STATE_FILE).exists():
        return ReplicaSet.load(base.resolve()).url
    raise SystemExit("give --database-url (or set XINYONG_DATABASE_URL, or run scripts/cluster.sh --replicaset)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m xinyong.devtools.loadgen", description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8080", help="nginx (or one node)")
    parser.add_argument("--database-url", default="", help="to issue the token, pick subjects and check the writes")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--writers", type=int, default=2)
    parser.add_argument("--rows", type=int, default=5, help="rows per batch")
    parser.add_argument("--agency-user", default="agency-scjg")
    args = parser.parse_args(argv)
    url = _database_url(args.database_url)
    agency, ids = prepare(url, args.agency_user)
    if not ids:
        raise SystemExit("no subject with a published record to read: load the demo city first (xinyong demo)")
    load = Load(args.url, agency, ids, args.readers, args.writers, args.rows,
                prefix=f"load{int(time.time())}").start()
    print(f"load on {args.url} for {args.seconds:.0f} s: {args.readers} readers, {args.writers} writers "
          "(kill the primary and promote meanwhile)", flush=True)
    try:
        for sec in range(int(args.seconds)):
            time.sleep(1)
            done = [x for x in load.samples if x.ended >= time.monotonic() - 1]
            bad = sum(1 for x in done if x.status >= 500 or x.status == CONNECTION_FAILED)
            print(f"{sec + 1:4d} s  {len(done):4d} answers/s  {bad:4d} 5xx or none", flush=True)
    except KeyboardInterrupt:
        pass
    load.stop()
    failures = [x.started for x in load.samples if x.status >= 500 or x.status == CONNECTION_FAILED]
    if failures:
        load.marks["kill"] = min(failures)     # the outage as the clients saw it: from its first failure
    report = {"summary": summary(load), "writes": check_writes(url, load)}
    limited = report["summary"]["read_statuses"].get("429", 0)
    if limited:
        print(f"{limited} reads refused by the rate limit: every reader comes through nginx from one address; "
              "start the set-up with XINYONG_RATE_ANON_PER_MINUTE=0 (no limit) for a load test", file=sys.stderr)
    print(json.dumps(report, indent=1, ensure_ascii=False))
    return 1 if data_lost(report["writes"]) or report["summary"]["read_statuses"].get("500") \
        or report["summary"]["write_statuses"].get("500") else 0


if __name__ == "__main__":
    sys.exit(main())
