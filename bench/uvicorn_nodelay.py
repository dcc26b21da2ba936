"""`uvicorn` with one change, for `api_bench.py --nodelay-fix`: the listening socket that
the multi-worker supervisor binds is marked IPPROTO_TCP, so that asyncio turns on
TCP_NODELAY on the accepted connections (Kludex/uvicorn#3149, open for 0.54; `--workers 1`
is not affected). The fix itself is xinyong.web.server.TcpConfig, which `xinyong serve
--workers N` uses; this wrapper puts it under uvicorn's own command line.

    .venv/bin/python bench/uvicorn_nodelay.py --factory xinyong.app:create_app --workers 2 ...
"""
from __future__ import annotations

import importlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from xinyong.web.server import TcpConfig  # noqa: E402

# the module, not `uvicorn.main` (the package exports the function main under that name)
uvicorn_main = importlib.import_module("uvicorn.main")
uvicorn_main.Config = TcpConfig  # uvicorn.run builds its Config from this name

if __name__ == "__main__":
    sys.exit(uvicorn_main.main())
