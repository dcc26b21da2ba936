"""A throwaway PostgreSQL cluster for tests and benchmarks.

Uses the server binaries on the machine (`initdb`, `pg_ctl`). `initdb` refuses to run as
root, so as root the cluster is created and run as the `postgres` OS user.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from xinyong.devtools.ports import free_port


class PgClusterError(RuntimeError):
    pass


def _find_bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for root in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (root / name).exists():
            return str(root / name)
    raise PgClusterError(f"PostgreSQL server binary {name!r} not found; install the postgresql package")


def _free_port() -> int:
    return free_port()


def _as_server_user(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    runuser = shutil.which("runuser")
    if runuser:
        return [runuser, "-u", "postgres", "--", *cmd]
    return ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(cmd)]


def _run(cmd: list[str]) -> None:
    proc = subprocess.run(_as_server_user(cmd), capture_output=True, text=True)
    if proc.returncode != 0:
        raise PgClusterError(f"{' '.join(cmd)} failed: {proc.stderr.strip() or proc.stdout.strip()}")


@contextlib.contextmanager
def throwaway_cluster(dbname: str = "xinyong", settings: dict[str, str] | None = None) -> Iterator[str]:
    """Start a private cluster on a free loopback port; yield its URL; stop and delete it."""
    base = Path(tempfile.mkdtemp(prefix="xinyong-pg-"))
    data = base / "data"
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
        os.chmod(base, 0o700)
    port = _free_port()
    _run([_find_bin("initdb"), "-D", str(data), "-U", "postgres", "-E", "UTF8",
          "--locale=C.UTF-8", "-A", "trust"])
    opts = {"listen_addresses": "'127.0.0.1'", "port": str(port), "unix_socket_directories": f"'{base}'",
            "fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
            "shared_buffers": "256MB", "max_connections": "100"}
    opts.update(settings or {})
    with open(data / "postgresql.auto.conf", "a") as fh:
        for k, v in opts.items():
            fh.write(f"{k} = {v}\n")
    if os.geteuid() == 0:
        shutil.chown(data / "postgresql.auto.conf", "postgres", "postgres")
    _run([_find_bin("pg_ctl"), "-D", str(data), "-l", str(base / "server.log"), "-w", "-t", "60", "start"])
    try:
        _wait(port)
        _run([shutil.which("psql") or "psql",
              "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", "postgres",
              "-c", f"CREATE DATABASE {dbname}"])
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/{dbname}"
    finally:
        subprocess.run(_as_server_user([_find_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
                       capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def _wait(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.2)
    raise PgClusterError(f"PostgreSQL did not accept connections on port {port}")


if __name__ == "__main__":  # manual use: python -m xinyong.devtools.pgcluster
    import signal
    with throwaway_cluster() as url:
        print(url, flush=True)
        signal.pause()
