"""Serving the application: uvicorn, in one process or in N worker processes sharing one
listening socket (`xinyong serve --workers N`).

With several workers uvicorn 0.54 binds the listening socket itself and leaves its protocol
number at 0; the accepted sockets inherit it and asyncio sets TCP_NODELAY only when it is
IPPROTO_TCP. Responses go out as two writes (headers, body), so under Nagle's algorithm every
keep-alive response then waits ~40 ms for the client's delayed ACK (Kludex/uvicorn#3149;
docs/PERFORMANCE.md section 2). ``TcpConfig`` marks the listener IPPROTO_TCP. One worker is
not affected (asyncio's own create_server gets the protocol from getaddrinfo).

The workers are separate processes: they share their rate-limit buckets through the database
(the default on PostgreSQL) or a file (``XINYONG_RATE_STORE``; on SQLite a private one is made
here when it is not set), so that a client gets each limit once and not once per worker.
"""
from __future__ import annotations

import contextlib
import copy
import os
import socket
import sys
import tempfile
from collections.abc import Iterator

import uvicorn
from uvicorn.config import LOGGING_CONFIG, STARTUP_FAILURE

APP = "xinyong.app:create_app"
RATE_STORE_ENV = "XINYONG_RATE_STORE"


def mark_tcp(sock: socket.socket) -> socket.socket:
    """The same listening socket, marked IPPROTO_TCP so accepted connections get TCP_NODELAY."""
    if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.proto != socket.IPPROTO_TCP:
        sock = socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())
    return sock


class TcpConfig(uvicorn.Config):
    def bind_socket(self) -> socket.socket:
        return mark_tcp(super().bind_socket())  # the descriptor stays inheritable


def config(host: str, port: int, workers: int = 1, access_log: bool = True, **options) -> TcpConfig:
    # forwarded addresses are trusted only per XINYONG_TRUSTED_PROXIES (xinyong.kit.ratelimit);
    # the access log is the platform's own (xinyong.kit.logs: no query values, no ID numbers)
    return TcpConfig(APP, factory=True, host=host, port=port, workers=workers, proxy_headers=False,
                     access_log=False, log_config=log_config(access_log), **options)


def log_config(access_log: bool = True) -> dict:
    """uvicorn's logging, plus the platform's loggers (``xinyong``, ``xinyong.http``) on stderr
    and stdout like uvicorn's own."""
    cfg = copy.deepcopy(LOGGING_CONFIG)
    cfg["handlers"]["platform_access"] = {"formatter": "default", "class": "logging.StreamHandler",
                                          "stream": "ext://sys.stdout"}
    cfg["loggers"]["xinyong"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    cfg["loggers"]["xinyong.http"] = {"handlers": ["platform_access"], "level": "INFO" if access_log else "WARNING",
                                      "propagate": False}
    return cfg


def serve(host: str, port: int, workers: int = 1, **options) -> None:
    """Run until interrupted, as ``uvicorn.run`` does, with the listener of ``TcpConfig``; with
    XINYONG_WORKER_IN_SERVE (by default on SQLite only) a worker thread in this process runs the
    schedules and the job queue (xinyong.worker), so a single-machine set-up needs no cron."""
    with in_process_worker():
        _serve(host, port, workers, **options)


@contextlib.contextmanager
def in_process_worker() -> Iterator[None]:
    from xinyong.config import get_settings
    if not get_settings().worker_in_serve_enabled():
        yield
        return
    from xinyong.worker.runner import start_in_thread
    thread, stop = start_in_thread()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=30)


def _serve(host: str, port: int, workers: int = 1, **options) -> None:
    cfg = config(host, port, workers, **options)
    if workers == 1:
        server = uvicorn.Server(cfg)
        with contextlib.suppress(KeyboardInterrupt):
            server.run()
        if not server.started:
            sys.exit(STARTUP_FAILURE)
        return
    from uvicorn.supervisors import Multiprocess
    with shared_rate_store(), contextlib.suppress(KeyboardInterrupt):
        Multiprocess(cfg, sockets=[cfg.bind_socket()]).run()


@contextlib.contextmanager
def shared_rate_store() -> Iterator[str]:
    """The file through which the workers share rate-limit buckets: the configured one, or a
    private one (in a 0700 directory) for as long as the workers run. The workers inherit the
    environment."""
    given = os.environ.get(RATE_STORE_ENV)
    from xinyong.config import get_settings
    if given or get_settings().rate_store_kind() == "database":
        yield given or "database"   # already shared: by the file named, or by every node (PostgreSQL)
        return
    with tempfile.TemporaryDirectory(prefix="xinyong-rate-") as directory:
        path = os.path.join(directory, "buckets")
        os.environ[RATE_STORE_ENV] = path
        try:
            yield path
        finally:
            os.environ.pop(RATE_STORE_ENV, None)
