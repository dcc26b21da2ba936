"""UI strings: Simplified Chinese first, English available. Kept as data in messages.yaml."""
from __future__ import annotations

import functools
from pathlib import Path

import yaml

MESSAGES_FILE = Path(__file__).resolve().parent / "messages.yaml"


@functools.lru_cache(maxsize=1)
def messages() -> dict[str, dict[str, str]]:
    with open(MESSAGES_FILE, encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    for key, entry in data.items():
        if not isinstance(entry, dict) or "zh" not in entry or "en" not in entry:
            raise ValueError(f"{MESSAGES_FILE.name}: {key!r} needs both zh and en")
    return data


def translate(key: str, lang: str = "zh", **params) -> str:
    entry = messages().get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry["zh"]
    return text.format(**params) if params else text
