"""The navigation bar as data: every domain lists its links in web/nav/<domain>.yaml."""
from __future__ import annotations

import functools
from pathlib import Path

import yaml

NAV_DIR = Path(__file__).resolve().parent / "nav"


@functools.lru_cache(maxsize=1)
def entries() -> tuple[dict, ...]:
    found = []
    for path in sorted(NAV_DIR.glob("*.yaml")):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            if not {"href", "label", "roles"} <= set(entry):
                raise ValueError(f"{path.name}: a nav entry needs href, label and roles: {entry!r}")
            found.append(entry)
    return tuple(sorted(found, key=lambda e: (e.get("order", 100), e["href"])))


def links_for(role: str | None) -> list[dict]:
    role = role or "anonymous"
    return [e for e in entries() if e["roles"] == "all" or role in e["roles"]]
