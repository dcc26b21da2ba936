"""The archive of published tree heads outside the database (XINYONG_TRANSPARENCY_ARCHIVE,
default <XINYONG_DATA_DIR>/transparency), in the layout the standalone verifier reads:

    keys.json                         public keys by key id (old keys kept)
    sth/<tree_size>.json, sth/latest.json
    leaves/<start>-<end>.txt          the leaf hashes (hex, one a line) a head added

Files are written once (a head of a given size is never rewritten: an existing file with
another root is refused) and atomically (write, then rename). Copy the directory anywhere,
sync it to an object store, mirror it: what was published cannot be quietly taken back.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from xinyong.transparency.rules import TreeHead, head_from_document


class ArchiveSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="XINYONG_", extra="ignore")
    data_dir: Path = Field(default=Path("var"))
    transparency_archive: str = Field(default="")


class ArchiveConflict(RuntimeError):
    """The archive already holds another head of this size: the log was forked or rewritten."""


def archive_dir() -> Path:
    settings = ArchiveSettings()
    return Path(settings.transparency_archive) if settings.transparency_archive else settings.data_dir / "transparency"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def publish(head: TreeHead, previous_size: int, leaf_hashes: list[str], keys_doc: dict,
            root: Path | None = None) -> Path:
    """Copy a signed head, the leaf hashes it added since `previous_size`, and the keys."""
    root = root or archive_dir()
    sth = root / "sth" / f"{head.tree_size}.json"
    if sth.exists():
        existing = head_from_document(json.loads(sth.read_text(encoding="utf-8")))
        if existing.root_hash != head.root_hash:
            raise ArchiveConflict(f"the archive already holds a head of size {head.tree_size} with root "
                                  f"{existing.root_hash}; refusing to publish root {head.root_hash}")
    if head.tree_size > previous_size:
        _write(root / "leaves" / f"{previous_size}-{head.tree_size}.txt", "".join(h + "\n" for h in leaf_hashes))
    text = json.dumps(head.document(), indent=1, sort_keys=True) + "\n"
    if not sth.exists():
        _write(sth, text)
    _write(root / "sth" / "latest.json", text)
    _write(root / "keys.json", json.dumps(keys_doc, indent=1, sort_keys=True) + "\n")
    return sth


def archived_heads(root: Path | None = None) -> list[TreeHead]:
    """Every archived head, by size."""
    folder = (root or archive_dir()) / "sth"
    heads = [head_from_document(json.loads(p.read_text(encoding="utf-8")))
             for p in folder.glob("*.json") if p.stem.isdigit()] if folder.is_dir() else []
    return sorted(heads, key=lambda h: h.tree_size)


def archived_leaf_hashes(root: Path | None = None) -> list[str]:
    """The archived leaf hashes, in leaf order, as far as the files run without a gap."""
    folder = (root or archive_dir()) / "leaves"
    spans = {}
    for p in folder.glob("*.txt") if folder.is_dir() else ():
        start, _, end = p.stem.partition("-")
        if start.isdigit() and end.isdigit():
            spans[int(start)] = (int(end), p)
    hashes: list[str] = []
    while len(hashes) in spans:
        end, path = spans[len(hashes)]
        lines = path.read_text(encoding="utf-8").split()
        if len(hashes) + len(lines) != end:
            break
        hashes.extend(lines)
    return hashes
