"""A batch's hook modules are imported while it validates (registry.preload), not after its
records are written: a fresh process's first batch waited ~0.3 s there for the lists' hook
module (PDF documents, schemas)."""
from __future__ import annotations

import json
import subprocess
import sys

from xinyong.registry import AFTER_COMMIT_HOOKS, HOOKS

CHILD = """
import json, sys, threading
from xinyong.registry import preload
before = sorted(m for m in sys.modules if m.startswith("xinyong.") and m.endswith(".hooks"))
preload("on_batch_ingested")
for t in threading.enumerate():
    if t.name == "preload-on_batch_ingested":
        t.join(120)
print(json.dumps({"before": before, "after": sorted(m for m in sys.modules if m.endswith(".hooks"))}))
"""


def test_preload_imports_every_module_of_the_hook_in_the_background():
    out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=180, check=True)
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    wanted = set(HOOKS["on_batch_ingested"]) | set(AFTER_COMMIT_HOOKS["on_batch_ingested"])
    assert not wanted & set(seen["before"])   # a fresh process had none of them
    assert wanted <= set(seen["after"])


def test_the_ingest_preloads_its_hooks_before_validating():
    import inspect

    from xinyong.ingest import service
    source = inspect.getsource(service._ingest_frame)
    assert source.index('preload("on_batch_ingested")') < source.index("_validated(")
