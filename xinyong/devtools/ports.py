"""Loopback ports for the servers the tests, trials and dev scripts start.

A port the kernel hands out with bind(("127.0.0.1", 0)) comes from the ephemeral range
(net.ipv4.ip_local_port_range), the same range every outgoing connection takes its local port
from. A server that is killed and restarted on such a port (a replica set after a failover)
can find it held by some client connection in the meantime — under a parallel test run the
client connections number thousands — and refuses to start ("Address already in use").
Ports here come from below the ephemeral range, where no client connection ever lands, and
each is checked free by binding it; a port this process has handed out is not handed out again.
"""
from __future__ import annotations

import random
import socket
import threading
from pathlib import Path

_given: set[int] = set()
_lock = threading.Lock()
_LOW = 20000


def _ephemeral_range() -> tuple[int, int]:
    try:
        lo, hi = (int(x) for x in Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
        return lo, hi
    except (OSError, ValueError):
        return 32768, 60999


def _bindable(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A free loopback TCP port outside the ephemeral range (falls back to the kernel's pick)."""
    lo, hi = _ephemeral_range()
    candidates = [p for p in (range(_LOW, lo) if lo > _LOW + 1000 else range(hi + 1, 65536))]
    with _lock:
        for port in random.sample(candidates, min(200, len(candidates))):
            if port not in _given and _bindable(port):
                _given.add(port)
                return port
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
