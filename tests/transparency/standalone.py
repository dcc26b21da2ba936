"""Run tools/verify_log.py as an outsider would: its own process, isolated mode (-I: no
PYTHONPATH, no current directory on the path), and a check afterwards that it never
imported the platform."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

TOOL = Path(__file__).resolve().parents[2] / "tools" / "verify_log.py"
_WRAPPER = """
import runpy, sys
sys.argv = [{tool!r}] + {args!r}
code = 0
try:
    runpy.run_path({tool!r}, run_name="__main__")
except SystemExit as exc:
    code = exc.code
imported = sorted(m for m in sys.modules if m == "xinyong" or m.startswith("xinyong."))
if imported:
    print("IMPORTED THE PLATFORM:", imported, file=sys.stderr)
    code = 99
sys.exit(code)
"""


def run(*args: str) -> subprocess.CompletedProcess:
    script = _WRAPPER.format(tool=str(TOOL), args=[str(a) for a in args])
    done = subprocess.run([sys.executable, "-I", "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode != 99, done.stderr
    return done
