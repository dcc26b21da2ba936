"""Several web nodes behind a real nginx, on loopback (issue 16 point 2): N `xinyong serve`
processes on N ports, one `xinyong worker`, and nginx balancing per request over them, all on
one database, every file (nginx's config, pid, logs and temp paths; the nodes' logs; the
platform's data directory, shared by the nodes) under one temporary directory. nginx runs as
an ordinary process (no root paths, no system service).

    python -m xinyong.devtools.cluster --database-url postgresql://… [--nodes 2] [--port 8080]

or `scripts/cluster.sh`, which also starts a throwaway PostgreSQL when no database is given.
The test tests/faults/test_cluster.py starts one the same way (``running_cluster``).
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from xinyong.devtools.ports import free_port

TEMPLATE = Path(__file__).resolve().parents[2] / "deploy" / "nginx" / "xinyong.conf.template"
STATIC_DIR = Path(__file__).resolve().parents[1] / "web" / "static"
HEALTH = "/api/v1/health"
NODE_HEADER = "X-Xinyong-Upstream"   # which node answered (the cluster tool's nginx only)
# nginx reaches the nodes from an address of its own, the only one they trust: clients on this
# machine (127.0.0.1) are then clients like any other, whose X-Forwarded-For is not believed
PROXY_ADDRESS = "127.0.0.2"


class ClusterError(RuntimeError):
    pass


def nginx_binary() -> str:
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.path.exists(p)), None)
    if not found:
        raise ClusterError("nginx not found: install Debian's nginx (scripts/setup.sh test does)")
    return found


def render_nginx(listen: str, upstreams: list[str], run_dir: Path, *, max_body: str = "600m",
                 node_header: bool = False, worker_processes: int = 1, user: str | None = None,
                 proxy_bind: str | None = None,
                 static_dir: Path = STATIC_DIR, mime_types: str = "/etc/nginx/mime.types") -> str:
    """deploy/nginx/xinyong.conf.template with its {{…}} fields filled."""
    fields = {
        "USER": f"user {user};" if user else "",
        "WORKER_PROCESSES": str(worker_processes),
        "RUN_DIR": str(run_dir),
        "MIME_TYPES": mime_types,
        "MAX_BODY": max_body,
        "UPSTREAM_SERVERS": "\n".join(f"        server {u} max_fails=1 fail_timeout=5s;" for u in upstreams),
        "LISTEN": listen,
        "STATIC_DIR": str(static_dir),
        "PROXY_BIND": f"            proxy_bind {proxy_bind};" if proxy_bind else "",
        "EXTRA_PROXY": f"            add_header {NODE_HEADER} $upstream_addr always;" if node_header else "",
    }
    text = TEMPLATE.read_text(encoding="utf-8")
    for name, value in fields.items():
        text = text.replace("{{" + name + "}}", value)
    left = re.search(r"\{\{[A-Z_]+\}\}", text)
    if left:
        raise ClusterError(f"unfilled field {left.group()} in {TEMPLATE}")
    return text


@dataclass
class Cluster:
    url: str                                   # nginx, the address clients use
    nodes: list[str]                           # each node's own address (host:port)
    run_dir: Path
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def log(self, name: str) -> str:
        """What a process (node1, worker, nginx …) wrote."""
        return self.log_file(f"{name}.log")

    def log_file(self, name: str) -> str:
        """A file of the run directory (nginx's access.log, error.log …); "" when missing."""
        path = self.run_dir / name
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


def node_environment(database_url: str, base_url: str, data_dir: Path, base: dict | None = None) -> dict[str, str]:
    """What every node and the worker share: the database, the public address, the data
    directory (report signing key, transparency archive) and the proxy they believe."""
    env = dict(os.environ if base is None else base)
    env.update(XINYONG_DATABASE_URL=database_url, XINYONG_BASE_URL=base_url, XINYONG_DATA_DIR=str(data_dir),
               XINYONG_TRUSTED_PROXIES=PROXY_ADDRESS, XINYONG_WORKER_IN_SERVE="off")
    if not env.get("XINYONG_SECRET_KEY"):
        env["XINYONG_DEV"] = "1"   # development secrets: a local cluster only
    return env


@contextlib.contextmanager
def running_cluster(database_url: str, nodes: int = 2, worker: bool = True, port: int = 0,
                    env: dict[str, str] | None = None, node_header: bool = True, keep: bool = False,
                    timeout: float = 90, data_dir: Path | None = None) -> Iterator[Cluster]:
    """Start nginx, ``nodes`` web nodes and (optionally) a worker on one migrated database;
    yield the cluster; stop everything and remove the temporary directory (unless ``keep``).
    The platform's data directory (signing key, transparency archive) is ``data_dir``, the one
    the database was prepared with, else a new one in the temporary directory."""
    run_dir = Path(tempfile.mkdtemp(prefix="xinyong-cluster-"))
    port = port or free_port()
    node_ports = [free_port() for _ in range(nodes)]
    cluster = Cluster(f"http://127.0.0.1:{port}", [f"127.0.0.1:{p}" for p in node_ports], run_dir)
    shared = node_environment(database_url, cluster.url, data_dir or run_dir / "data", env)
    try:
        for n, node_port in enumerate(node_ports, start=1):
            _spawn(cluster, f"node{n}", ["serve", "--host", "127.0.0.1", "--port", str(node_port)], shared)
        if worker:
            _spawn(cluster, "worker", ["worker"], shared)
        for n, address in enumerate(cluster.nodes, start=1):
            _wait_healthy(cluster, f"node{n}", f"http://{address}", timeout)
        _start_nginx(cluster, port, node_header)
        _wait_healthy(cluster, "nginx", cluster.url, timeout)
        yield cluster
    finally:
        _stop_all(cluster)
        if not keep:
            shutil.rmtree(run_dir, ignore_errors=True)


def _spawn(cluster: Cluster, name: str, argv: list[str], env: dict[str, str]) -> None:
    log = open(cluster.run_dir / f"{name}.log", "wb")
    with log:
        cluster.processes[name] = subprocess.Popen([sys.executable, "-m", "xinyong.cli", *argv], env=env,
                                                   stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)


def _start_nginx(cluster: Cluster, port: int, node_header: bool) -> None:
    run_dir = cluster.run_dir
    user = None
    if os.geteuid() == 0:   # root's nginx hands requests to unprivileged workers: let them in
        os.chmod(run_dir, 0o755)
        user = "nobody nogroup"
    conf = run_dir / "nginx.conf"
    conf.write_text(render_nginx(f"127.0.0.1:{port}", cluster.nodes, run_dir, node_header=node_header, user=user,
                                 proxy_bind=PROXY_ADDRESS), encoding="utf-8")
    base = [nginx_binary(), "-p", str(run_dir), "-e", str(run_dir / "error.log"), "-c", str(conf)]
    check = subprocess.run([*base, "-t"], capture_output=True, text=True)
    if check.returncode != 0:
        raise ClusterError(f"nginx refused its configuration: {check.stderr.strip()}")
    log = open(run_dir / "nginx.log", "wb")
    with log:
        cluster.processes["nginx"] = subprocess.Popen([*base, "-g", "daemon off;"], stdout=log,
                                                      stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)


def _wait_healthy(cluster: Cluster, name: str, url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        proc = cluster.processes.get(name)
        if proc is not None and proc.poll() is not None:
            raise ClusterError(f"{name} exited ({proc.returncode}):\n{cluster.log(name)[-3000:]}")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(url + HEALTH, timeout=5) as answer:
                if answer.status == 200:
                    return
        time.sleep(0.3)
    raise ClusterError(f"{name} not healthy at {url} within {timeout:.0f} s:\n{cluster.log(name)[-3000:]}")


def _stop_all(cluster: Cluster) -> None:
    """nginx first (no new requests), then the nodes and the worker: SIGTERM, then SIGKILL."""
    order = sorted(cluster.processes, key=lambda name: name != "nginx")
    for name in order:
        proc = cluster.processes[name]
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 20
    for name in order:
        proc = cluster.processes[name]
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def main(argv: list[str] | None = None) -> int:
    import argparse
    parser = argparse.ArgumentParser(prog="python -m xinyong.devtools.cluster", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("XINYONG_DATABASE_URL", ""),
                        help="a migrated database (`xinyong init`); default $XINYONG_DATABASE_URL")
    parser.add_argument("--nodes", type=int, default=2)
    parser.add_argument("--port", type=int, default=8080, help="nginx listens on 127.0.0.1:PORT")
    parser.add_argument("--no-worker", action="store_true")
    parser.add_argument("--throwaway-postgres", action="store_true",
                        help="start a private PostgreSQL (xinyong.devtools.pgcluster), migrate it, load the "
                             "demo city; deleted at exit")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)   # stopped as by Ctrl-C: everything started is stopped
    with contextlib.ExitStack() as stack:
        if args.throwaway_postgres:
            args.database_url = stack.enter_context(_demo_database())
        if not args.database_url:
            parser.error("give --database-url, set XINYONG_DATABASE_URL, or --throwaway-postgres")
        _serve_until_interrupted(args)
    return 0


def _interrupt(*_) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def _demo_database() -> Iterator[str]:
    from xinyong.devtools.pgcluster import throwaway_cluster
    with throwaway_cluster() as url:
        env = {**os.environ, "XINYONG_DATABASE_URL": url, "XINYONG_DEV": os.environ.get("XINYONG_DEV", "1")}
        for step in (["init"], ["demo", "--subjects", "100"]):
            subprocess.run([sys.executable, "-m", "xinyong.cli", *step], env=env, check=True)
        yield url


def _serve_until_interrupted(args) -> None:
    with running_cluster(args.database_url, args.nodes, not args.no_worker, args.port) as cluster:
        print(f"nginx {cluster.url} -> nodes {', '.join(cluster.nodes)}"
              f"{' + worker' if 'worker' in cluster.processes else ''}; files in {cluster.run_dir}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            while all(p.poll() is None for p in cluster.processes.values()):
                time.sleep(1)
        for name, proc in cluster.processes.items():
            if proc.poll() is not None:
                print(f"{name} exited ({proc.returncode}); its log:\n{cluster.log(name)[-2000:]}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
