"""The shipped list of common and breached passwords (data/common-passwords.txt.gz, see
data/NOTICE.txt), read once per process."""
from __future__ import annotations

import functools
import gzip
from pathlib import Path

LIST_FILE = Path(__file__).resolve().parent / "data" / "common-passwords.txt.gz"


@functools.lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    with gzip.open(LIST_FILE, "rt", encoding="utf-8") as f:
        return frozenset(line.strip().lower() for line in f if line.strip())
