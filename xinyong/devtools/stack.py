"""The whole replicated set-up on one machine (issue 16, "Done when"): a PostgreSQL primary and
its synchronous standby (xinyong.devtools.replicaset, kept in --dir between runs), migrated
and loaded with the demo city the first time, then nginx in front of N `xinyong serve` nodes
and one `xinyong worker` (xinyong.devtools.cluster), every process on the replica set's
two-host URL (target_session_attrs=read-write: they follow a promoted standby without a
restart) and public reads on XINYONG_READ_DATABASE_URL (the standby).

    scripts/cluster.sh --replicaset        # = python -m xinyong.devtools.stack

Ctrl-C stops nginx, the nodes and the worker; the replica set keeps running (and keeps its
data) until `scripts/replicaset.sh stop` or `destroy`. It prints what to try next.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg

from xinyong.devtools.cluster import running_cluster
from xinyong.devtools.replicaset import STATE_FILE, ReplicaSet

ROOT = Path(__file__).resolve().parents[2]


def open_replica_set(base: Path) -> tuple[ReplicaSet, bool]:
    """The replica set in `base`, started if stopped, made (durable) if there is none yet;
    and whether it was made now."""
    if (base / STATE_FILE).exists():
        rs = ReplicaSet.load(base)
        rs.start_stopped()
        return rs, False
    return ReplicaSet.create(base, durable=True), True


def is_migrated(rs: ReplicaSet) -> bool:
    with contextlib.suppress(psycopg.Error):
        return bool(rs.primary.scalar("SELECT to_regclass('public.alembic_version') IS NOT NULL "
                                      "AND EXISTS (SELECT 1 FROM users)", rs.dbname))
    return False


def cli(env: dict[str, str], *argv: str) -> None:
    subprocess.run([sys.executable, "-m", "xinyong.cli", *argv], env=env, check=True, cwd=os.getcwd())


def data_dir(rs: ReplicaSet) -> Path:
    """The platform's files (report signing key, transparency archive) beside its databases:
    made with them, deleted with them (`destroy`). A transparency archive that outlived its
    database would report the new one as rolled back."""
    return rs.base / "platform-data"


def prepare(rs: ReplicaSet, subjects: int, env: dict[str, str]) -> None:
    """`xinyong init` and `xinyong demo` on the two-host URL, once."""
    if is_migrated(rs):
        return
    env = {**env, "XINYONG_DATABASE_URL": rs.url}
    print("first run: xinyong init, then xinyong demo (the demo city) on the replica set …", flush=True)
    cli(env, "init")
    cli(env, "demo", "--subjects", str(subjects))


def stack_environment(rs: ReplicaSet, base: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    env["XINYONG_READ_DATABASE_URL"] = rs.read_url
    env["XINYONG_DATA_DIR"] = str(data_dir(rs))
    env.pop("XINYONG_TRANSPARENCY_ARCHIVE", None)   # <data dir>/transparency
    if not env.get("XINYONG_SECRET_KEY"):
        env.setdefault("XINYONG_DEV", "1")   # development secrets: a machine of one's own only
    return env


@contextlib.contextmanager
def running_stack(base: Path, nodes: int = 2, port: int = 0, subjects: int = 100,
                  env: dict[str, str] | None = None) -> Iterator[tuple[ReplicaSet, object]]:
    """The replica set (made or started), migrated with the demo city, and the cluster on it."""
    rs, _made = open_replica_set(base)
    environ = stack_environment(rs, env)
    prepare(rs, subjects, environ)
    with running_cluster(rs.url, nodes=nodes, worker=True, port=port, env=environ, data_dir=data_dir(rs)) as cluster:
        yield rs, cluster


def next_steps(rs: ReplicaSet, cluster, base: Path) -> str:
    script = "scripts/replicaset.sh" + ("" if base == (Path.cwd() / "var/replicaset").resolve() else f" --dir {base}")
    return f"""
Xinyong, replicated, on this machine:
  nginx     {cluster.url}   (sign in at {cluster.url}/login, demo accounts in the README)
  nodes     {', '.join(cluster.nodes)} + one worker; logs and nginx files in {cluster.run_dir}
  database  primary on port {rs.primary.port}, synchronous standby on port {rs.standby.port} (public reads), in {base}
  data      {data_dir(rs)} (signing keys, transparency archive)
  every process uses XINYONG_DATABASE_URL={rs.url}

Now, in a second shell in this directory:
  curl -s {cluster.url}/api/v1/health
      200, status ok
  {script} status
  {script} kill-primary
      kill -9 of every process of the primary
  curl -si {cluster.url}/api/v1/health | grep -iE '^(HTTP|Retry-After)'
      503 and Retry-After while no server accepts writes
  {script} promote
      the standby accepts writes in under a second
  curl -s {cluster.url}/api/v1/health
      200 again: the nodes and the worker follow by themselves, nothing restarted
  {script} rebuild-standby
      a synchronous standby again, on the old primary's port
Load meanwhile (start this with XINYONG_RATE_ANON_PER_MINUTE=0 for it: all its readers are one address):
  .venv/bin/python -m xinyong.devtools.loadgen --url {cluster.url} --seconds 60
Ctrl-C here stops nginx, the nodes and the worker; the database stays: {script} stop | destroy
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/cluster.sh --replicaset", description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", default="var/replicaset", help="the replica set's directory (scripts/replicaset.sh's)")
    parser.add_argument("--nodes", type=int, default=2)
    parser.add_argument("--port", type=int, default=8080, help="nginx listens on 127.0.0.1:PORT")
    parser.add_argument("--subjects", type=int, default=100, help="enterprises of the demo city (first run)")
    args = parser.parse_args(argv)
    base = Path(args.dir).resolve()
    signal.signal(signal.SIGTERM, _interrupt)
    with running_stack(base, args.nodes, args.port, args.subjects) as (rs, cluster):
        print(next_steps(rs, cluster, base), flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            while all(p.poll() is None for p in cluster.processes.values()):
                time.sleep(1)
        for name, proc in cluster.processes.items():
            if proc.poll() is not None:
                print(f"{name} exited ({proc.returncode}); its log:\n{cluster.log(name)[-2000:]}", file=sys.stderr)
    print(f"stopped nginx, the nodes and the worker; the replica set in {base} still runs "
          f"(scripts/replicaset.sh stop | destroy)")
    return 0


def _interrupt(*_) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
