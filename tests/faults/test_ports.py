"""A node restarted after its port was taken by another process comes up on another port, and
the replica set's URL follows it (a CI run once lost its fault group to exactly that: the dead
primary's port, from the kernel's ephemeral range, was held by a client connection when the
standby was rebuilt in its place)."""
from __future__ import annotations

import socket

import pytest
from pathlib import Path

from xinyong.devtools.ports import _ephemeral_range, free_port


def test_ports_come_from_below_the_ephemeral_range_and_are_never_handed_out_twice():
    lo, hi = _ephemeral_range()
    ports = [free_port() for _ in range(50)]
    assert len(set(ports)) == 50
    assert all(p < lo or p > hi for p in ports), (lo, hi, ports)
    for p in ports[:5]:
        with socket.socket() as s:
            s.bind(("127.0.0.1", p))


def test_a_standby_whose_port_was_taken_restarts_on_another_and_streams_again(pair):
    rs = pair
    old = rs.standby.port
    rs.standby.stop()
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", old))
        squatter.listen()
        rs.standby.start()
        assert rs.standby.port != old
        assert f"127.0.0.1:{rs.standby.port}" in rs.url
        rs.wait_sync()
        assert rs.healthy()
    assert "already in use" in Path(rs.standby.log).read_text()


def test_a_stale_postmaster_pid_naming_a_reused_pid_is_not_taken_for_the_server(tmp_path):
    """After a kill -9 the data directory keeps postmaster.pid; its pid may since belong to any
    process (a backend of another cluster, a test runner): that process is never killed."""
    import os
    import subprocess
    import sys

    from xinyong.devtools.replicaset import Node
    data = tmp_path / "primary"
    data.mkdir()
    stranger = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (data / "postmaster.pid").write_text(f"{stranger.pid}\n{data}\n")
        node = Node("primary", data, free_port())
        assert node.server_pids() == []
        with pytest.raises(Exception):
            node.kill9()
        assert stranger.poll() is None and os.path.exists(f"/proc/{stranger.pid}")
    finally:
        stranger.kill()
