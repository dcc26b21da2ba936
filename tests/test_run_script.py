"""scripts/run.sh (issue 13 point 7): it serves on PORT, the public address (reports'
verification links and QR codes) follows it unless XINYONG_BASE_URL is set, and it announces
each step. Run for real with the installer and the CLI replaced by stubs that record how they
were called (a real install takes minutes); `xinyong serve` derives the same address itself."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinyong.config import base_url_for, follow_serve_address, get_settings, reset_settings

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
STUB = """#!/usr/bin/env bash
echo "xinyong $* | base=$XINYONG_BASE_URL dev=$XINYONG_DEV" >> "$(dirname "$0")/../../calls.log"
"""


@pytest.fixture
def tree(tmp_path):
    (tmp_path / "scripts").mkdir()
    for name in ("run.sh", "run-env.sh"):
        shutil.copy(SCRIPTS / name, tmp_path / "scripts" / name)
    (tmp_path / "scripts" / "setup.sh").write_text("#!/usr/bin/env bash\necho installer ran\n")
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "xinyong").write_text(STUB)
    for p in (tmp_path / "scripts" / "setup.sh", tmp_path / ".venv" / "bin" / "xinyong"):
        p.chmod(0o755)
    return tmp_path


def _run(tree: Path, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("PORT", "XINYONG_BASE_URL", "XINYONG_DEV")}
    return subprocess.run(["bash", str(tree / "scripts" / "run.sh")], env={**clean, **env}, capture_output=True,
                          text=True, timeout=60)


def test_the_port_sets_where_it_serves_and_the_base_url_follows(tree):
    out = _run(tree, PORT="9123")
    assert out.returncode == 0, out.stderr
    calls = (tree / "calls.log").read_text().splitlines()
    assert calls == ["xinyong init | base=http://127.0.0.1:9123 dev=1",
                     "xinyong demo | base=http://127.0.0.1:9123 dev=1",
                     "xinyong serve --host 127.0.0.1 --port 9123 | base=http://127.0.0.1:9123 dev=1"]
    steps = [line for line in out.stdout.splitlines() if line.startswith("==> ")]
    assert [s[:10] for s in steps] == ["==> [1/4] ", "==> [2/4] ", "==> [3/4] ", "==> [4/4] "]
    assert "installer ran" in out.stdout and "http://127.0.0.1:9123" in steps[-1]


def test_defaults_and_an_explicit_base_url(tree):
    assert _run(tree).returncode == 0
    assert (tree / "calls.log").read_text().splitlines()[-1].endswith("--port 8000 | base=http://127.0.0.1:8000 dev=1")
    assert _run(tree, PORT="9000", XINYONG_BASE_URL="https://credit.example.cn").returncode == 0
    assert (tree / "calls.log").read_text().splitlines()[-1].endswith("--port 9000 | base=https://credit.example.cn dev=1")


@pytest.mark.parametrize("port", ["abc", "0", "70000", "80 80"])
def test_a_bad_port_stops_before_anything_runs(tree, port):
    out = _run(tree, PORT=port)
    assert out.returncode == 2 and "PORT" in out.stderr
    assert not (tree / "calls.log").exists()


@given(port=st.integers(1, 65535), host=st.sampled_from(["127.0.0.1", "0.0.0.0", "localhost", "::", "::1", "10.1.2.3"]))
def test_serve_derives_the_base_url_from_its_address_unless_set(port, host):
    env: dict[str, str] = {}
    url = follow_serve_address(host, port, env)
    assert url == env["XINYONG_BASE_URL"] == base_url_for(host, port)
    assert url.endswith(f":{port}") and url.startswith("http://")
    assert "0.0.0.0" not in url and url != "http://[::]:" + str(port)
    assert follow_serve_address(host, port + 1 if port < 65535 else 1, {"XINYONG_BASE_URL": "https://x.cn"}) == "https://x.cn"


def test_the_settings_see_the_derived_address(monkeypatch):
    monkeypatch.delenv("XINYONG_BASE_URL", raising=False)
    follow_serve_address("127.0.0.1", 8765)
    try:
        assert get_settings().base_url == "http://127.0.0.1:8765"
    finally:
        monkeypatch.delenv("XINYONG_BASE_URL", raising=False)
        reset_settings()


def test_xinyong_serve_points_reports_at_its_own_port(monkeypatch):
    from typer.testing import CliRunner

    from xinyong.cli import app
    from xinyong.web import server
    seen = []
    monkeypatch.setattr(server, "serve", lambda *args, **kw: seen.append(get_settings().base_url))
    monkeypatch.setenv("XINYONG_BASE_URL", "")      # unset for serve; monkeypatch removes what serve sets
    monkeypatch.setenv("XINYONG_DEV", "1")
    reset_settings()
    try:
        assert CliRunner().invoke(app, ["serve", "--port", "9321"]).exit_code == 0
        monkeypatch.setenv("XINYONG_BASE_URL", "https://credit.example.cn")
        reset_settings()
        assert CliRunner().invoke(app, ["serve", "--port", "9322"]).exit_code == 0
    finally:
        reset_settings()
    assert seen == ["http://127.0.0.1:9321", "https://credit.example.cn"]


def test_setup_installs_again_only_when_pyproject_changes(tmp_path):
    """pip (a stub recording its calls) runs on the first set-up and after pyproject.toml changed."""
    (tmp_path / "scripts").mkdir()
    shutil.copy(SCRIPTS / "setup.sh", tmp_path / "scripts" / "setup.sh")
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    pip = tmp_path / ".venv" / "bin" / "python"
    pip.write_text('#!/usr/bin/env bash\necho "$*" >> "$(dirname "$0")/../../pip.log"\n')
    pip.chmod(0o755)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")

    def setup(*args):
        out = subprocess.run(["bash", str(tmp_path / "scripts" / "setup.sh"), *args], capture_output=True, text=True,
                             timeout=60)
        assert out.returncode == 0, out.stderr
        return out.stdout

    assert "installing" in setup()
    assert "up to date" in setup()
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'y'\n")
    assert "installing" in setup()
    calls = (tmp_path / "pip.log").read_text().splitlines()
    assert calls == ["-m pip install --disable-pip-version-check -e ."] * 2
