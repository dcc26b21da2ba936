"""`uvicorn` with one change, for `api_bench.py --nodelay-fix`: the listening socket that
the multi-worker supervisor binds is marked IPPROTO_TCP, so that asyncio turns on
TCP_NODELAY on the accepted connections.

Why: uvicorn's Config.bind_socket() leaves the socket's proto at 0; accepted sockets
inherit it, and asyncio only sets TCP_NODELAY when proto == IPPROTO_TCP. With
`--workers N` (N > 1) every keep-alive response is then written as two segments (headers,
body) under Nagle's algorithm and waits ~40 ms for the client's delayed ACK
(Kludex/uvicorn#3149, open for 0.54). `--workers 1` is not affected.

    .venv/bin/python bench/uvicorn_nodelay.py --factory xinyong.app:create_app --workers 2 ...
"""
from __future__ import annotations

import socket
import sys

import uvicorn.config

_bind_socket = uvicorn.config.Config.bind_socket


def _bind_socket_tcp(self: uvicorn.config.Config) -> socket.socket:
    sock = _bind_socket(self)
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        sock = socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())
    return sock


uvicorn.config.Config.bind_socket = _bind_socket_tcp

if __name__ == "__main__":
    from uvicorn.main import main
    sys.exit(main())
