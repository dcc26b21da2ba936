"""The navigation bar as data: every domain lists its links in web/nav/<domain>.yaml. A link
names its roles, and the organisation roles by a capability of xinyong.models.org_roles
(``org_roles: receive_feed``, or ``all``), never one by one: a new organisation role then
gets the links of what it may do."""
from __future__ import annotations

import functools
from pathlib import Path


from xinyong.kit import yamlfiles
from xinyong.models.org_roles import CAPABILITIES, ORG_ROLES, roles_with

NAV_DIR = Path(__file__).resolve().parent / "nav"


@functools.lru_cache(maxsize=1)
def entries() -> tuple[dict, ...]:
    found = []
    for path in sorted(p for p in NAV_DIR.glob("*.yaml") if not p.name.startswith("_")):
        for entry in yamlfiles.safe_load(path.read_text(encoding="utf-8")) or []:
            if not {"href", "label", "roles"} <= set(entry):
                raise ValueError(f"{path.name}: a nav entry needs href, label and roles: {entry!r}")
            found.append(_with_org_roles(entry, path.name))
    return tuple(sorted(found, key=lambda e: (e.get("order", 100), e["href"])))


def _with_org_roles(entry: dict, where: str) -> dict:
    """The entry with its ``org_roles`` capability spelled out as roles."""
    capability = entry.get("org_roles")
    if capability is None:
        return entry
    if capability != "all" and capability not in CAPABILITIES:
        raise ValueError(f"{where}: org_roles must be all or a capability of xinyong.models.org_roles: {entry!r}")
    orgs = ORG_ROLES if capability == "all" else roles_with(capability)
    return {**entry, "roles": [*entry["roles"], *(r for r in orgs if r not in entry["roles"])]}


def links_for(role: str | None) -> list[dict]:
    role = role or "anonymous"
    return [e for e in entries() if e["roles"] == "all" or role in e["roles"]]


@functools.lru_cache(maxsize=1)
def _grouping() -> dict:
    return yamlfiles.safe_load((NAV_DIR / "_groups.yaml").read_text(encoding="utf-8"))


def groups_for(role: str | None) -> list[tuple[str | None, list[dict]]]:
    """The role's links as (group label, links); one unlabelled group when they are few. With
    many, the main links (order below ``main_below``: home, workbench) come first unlabelled and
    the rest under the group labels (menus in the header)."""
    links, grouping = links_for(role), _grouping()
    if len(links) <= int(grouping["flat_up_to"]):
        return [(None, links)]
    main_below = int(grouping.get("main_below", 0))
    main = [link for link in links if link.get("order", 100) < main_below]
    bounds = sorted(grouping["groups"], key=lambda g: g["from"])
    out: dict[str, list[dict]] = {}
    for link in links:
        if link.get("order", 100) < main_below:
            continue
        label = [g["label"] for g in bounds if g["from"] <= link.get("order", 100)][-1]
        out.setdefault(label, []).append(link)
    return ([(None, main)] if main else []) + list(out.items())
