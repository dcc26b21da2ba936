"""UI strings: Simplified Chinese first, English available. Kept as data in messages.yaml."""
from __future__ import annotations

import functools
from pathlib import Path

from xinyong.kit import yamlfiles


MESSAGES_FILE = Path(__file__).resolve().parent / "messages.yaml"
MESSAGES_DIR = Path(__file__).resolve().parent / "messages"   # one file per domain


@functools.lru_cache(maxsize=1)
def messages() -> dict[str, dict[str, str]]:
    data: dict[str, dict[str, str]] = {}
    for path in [MESSAGES_FILE, *sorted(MESSAGES_DIR.glob("*.yaml"))]:
        with open(path, encoding="utf-8") as fh:
            part = yamlfiles.safe_load(fh) or {}
        for key, entry in part.items():
            if not isinstance(entry, dict) or "zh" not in entry or "en" not in entry:
                raise ValueError(f"{path.name}: {key!r} needs both zh and en")
            if key in data:
                raise ValueError(f"{path.name}: {key!r} is already defined in another messages file")
            data[key] = entry
    return data


def translate(key: str, lang: str = "zh", **params) -> str:
    entry = messages().get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry["zh"]
    return text.format(**params) if params else text
