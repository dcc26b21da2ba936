"""`xinyong serve --workers N`: the listener is marked TCP so that accepted connections get
TCP_NODELAY (uvicorn#3149), and the workers share their rate-limit buckets."""
from __future__ import annotations

import asyncio
import base64
import os
import socket

import pytest
from typer.testing import CliRunner

from xinyong.config import reset_settings
from xinyong.web import server


def _nodelay_of_accepted(listener: socket.socket) -> int:
    """TCP_NODELAY on the server side of a connection accepted through asyncio from ``listener``."""
    async def main() -> int:
        accepted: asyncio.Future = asyncio.get_running_loop().create_future()

        async def handle(reader, writer):
            sock = writer.get_extra_info("socket")
            accepted.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        srv = await asyncio.start_server(handle, sock=listener)
        async with srv:
            _, writer = await asyncio.open_connection(*listener.getsockname()[:2])
            value = await asyncio.wait_for(accepted, 10)
            writer.close()
            return value

    return asyncio.run(main())


def test_the_listener_is_marked_tcp_and_connections_get_nodelay():
    listener = server.config("127.0.0.1", 0, workers=2).bind_socket()
    assert listener.proto == socket.IPPROTO_TCP and listener.get_inheritable()
    assert _nodelay_of_accepted(listener) != 0


def test_without_the_mark_asyncio_leaves_nagle_on():
    """What uvicorn's own multi-worker listener (protocol 0) gives: the reason for the mark."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    assert listener.proto == 0
    assert _nodelay_of_accepted(listener) == 0
    assert _nodelay_of_accepted(server.mark_tcp(_bound())) != 0


def _bound() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    return sock


def test_several_workers_get_the_tcp_listener_and_one_rate_store(monkeypatch, tmp_path):
    seen = {}

    class FakeSupervisor:
        def __init__(self, config, sockets):
            seen.update(workers=config.workers, proxy_headers=config.proxy_headers, protos=[s.proto for s in sockets])
            for s in sockets:
                s.close()

        def run(self):
            path = os.environ[server.RATE_STORE_ENV]
            seen["store"] = path
            seen["store_dir_mode"] = os.stat(os.path.dirname(path)).st_mode & 0o777

    import uvicorn.supervisors
    monkeypatch.setattr(uvicorn.supervisors, "Multiprocess", FakeSupervisor)
    monkeypatch.delenv(server.RATE_STORE_ENV, raising=False)
    server.serve("127.0.0.1", 0, workers=3)
    assert seen["workers"] == 3 and seen["proxy_headers"] is False
    assert seen["protos"] == [socket.IPPROTO_TCP]
    assert seen["store_dir_mode"] == 0o700
    assert server.RATE_STORE_ENV not in os.environ and not os.path.exists(seen["store"])  # gone afterwards

    own = str(tmp_path / "buckets")
    monkeypatch.setenv(server.RATE_STORE_ENV, own)  # an operator's own file is used and left alone
    server.serve("127.0.0.1", 0, workers=2)
    assert seen["store"] == own and os.environ[server.RATE_STORE_ENV] == own


@pytest.fixture
def cli(monkeypatch):
    calls = []
    monkeypatch.setattr(server, "serve", lambda *args, **kw: calls.append((args, kw)))
    monkeypatch.setenv("XINYONG_BASE_URL", "")   # serve derives it from its address: undone after the test
    from xinyong.cli import app
    yield lambda *argv: CliRunner().invoke(app, ["serve", *argv]), calls
    reset_settings()


def test_serve_takes_a_number_of_workers(cli, monkeypatch):
    invoke, calls = cli
    monkeypatch.setenv("XINYONG_SECRET_KEY", "a-production-secret")
    monkeypatch.setenv("XINYONG_AUDIT_SIGNING_KEY", base64.b64encode(bytes(range(32))).decode())  # explicit, as production must
    reset_settings()
    assert invoke().exit_code == 0
    assert invoke("--workers", "4", "--port", "9000", "--no-access-log").exit_code == 0
    assert calls == [(("127.0.0.1", 8000, 1), {"log_level": "info", "access_log": True}),
                     (("127.0.0.1", 9000, 4), {"log_level": "info", "access_log": False})]
    assert invoke("--workers", "0").exit_code == 2


def test_serve_still_refuses_the_development_secret(cli, monkeypatch):
    invoke, calls = cli
    from xinyong.config import DEV_SECRET
    monkeypatch.setenv("XINYONG_SECRET_KEY", DEV_SECRET)
    monkeypatch.delenv("XINYONG_DEV", raising=False)
    reset_settings()
    result = invoke("--workers", "2")
    assert result.exit_code == 2 and "development secret" in result.output and calls == []


@pytest.mark.parametrize("setting, value, said", [
    ("XINYONG_PEER_REGION_KEY", "c2hvcnQ=", "at least 32 bytes"),
    ("XINYONG_PEERS_FILE", "peers.yaml", "certificate_sha256 must be 64 hex digits")])
def test_serve_refuses_a_peer_setting_that_is_not_well_formed(cli, monkeypatch, tmp_path, setting, value, said):
    invoke, calls = cli
    monkeypatch.setenv("XINYONG_DEV", "1")
    (tmp_path / "peers.yaml").write_text("peers:\n  - {key: fuzhou, name_zh: 福州, name_en: Fuzhou, base_url: "
                                         "'http://127.0.0.1:9', certificate_sha256: 'ab', basis: 'QZ art. 6'}\n")
    monkeypatch.setenv(setting, str(tmp_path / value) if setting == "XINYONG_PEERS_FILE" else value)
    reset_settings()
    result = invoke()
    assert result.exit_code == 2 and said in " ".join(result.output.split()) and calls == []


def test_serve_help_says_how_rate_limits_hold_across_workers(cli):
    invoke, _ = cli
    text = " ".join(invoke("--help").output.split())
    assert "--workers" in text and "Rate limits hold across the workers of this command" in text
    assert "XINYONG_RATE_STORE names the same file" in text and "through the database" in text
