"""The platform's YAML is parsed by libyaml when PyYAML has it (xinyong.kit.yamlfiles): every
file the project ships must read the same as through PyYAML's pure-Python safe loader, and
malformed YAML must still raise yaml.YAMLError (the loaders' callers turn it into their errors)."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from xinyong.kit import yamlfiles

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted(p for d in ("law", "xinyong") for p in (ROOT / d).rglob("*.yaml"))


def test_libyaml_is_the_loader_here():
    assert yamlfiles.SafeLoader is yaml.CSafeLoader   # PyYAML's wheels carry libyaml


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_shipped_file_reads_the_same_both_ways(path):
    text = path.read_text(encoding="utf-8")
    assert yamlfiles.safe_load(text) == yaml.load(text, Loader=yaml.SafeLoader)  # noqa: S506


@pytest.mark.parametrize("bad", ["a: [1, 2", "key: value\n  bad indent: x", "!!python/object:os.system x"])
def test_malformed_or_unsafe_yaml_still_raises(bad):
    with pytest.raises(yaml.YAMLError):
        yamlfiles.safe_load(bad)
