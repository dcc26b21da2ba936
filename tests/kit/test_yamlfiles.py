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
    assert issubclass(yamlfiles.SafeLoader, yaml.CSafeLoader)   # PyYAML's wheels carry libyaml


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_shipped_file_reads_the_same_both_ways(path):
    text = path.read_text(encoding="utf-8")
    assert yamlfiles.safe_load(text) == yaml.load(text, Loader=yaml.SafeLoader)  # noqa: S506


@pytest.mark.parametrize("bad", ["a: [1, 2", "key: value\n  bad indent: x", "!!python/object:os.system x"])
def test_malformed_or_unsafe_yaml_still_raises(bad):
    with pytest.raises(yaml.YAMLError):
        yamlfiles.safe_load(bad)


@pytest.mark.parametrize("twice", ["a: 1\nb: 2\na: 3\n", "outer:\n  k: 1\n  k: 1\n", "- {x: 1, x: 2}\n",
                                   "'1': a\n\"1\": b\n"])
def test_a_key_written_twice_in_one_mapping_is_refused(twice):
    # PyYAML keeps the last silently (the first definition of a message or a rule was lost)
    assert isinstance(yaml.load(twice, Loader=yaml.SafeLoader), (dict, list))  # noqa: S506
    with pytest.raises(yaml.YAMLError, match="duplicate key"):
        yamlfiles.safe_load(twice)


def test_a_merged_mapping_may_still_be_overridden():
    assert yamlfiles.safe_load("base: &b {p: 1, q: 2}\nmine:\n  <<: *b\n  p: 3\n")["mine"] == {"p": 3, "q": 2}
    assert yamlfiles.safe_load("a: 1\nb: 1\n") == {"a": 1, "b": 1}     # the same value under two keys is fine


@pytest.mark.parametrize("comma", ["label: {zh: 检查（抽查比例、频次）, en: Inspections (sampling rate, frequency)}\n",
                                   "- {zh: 教育、就业, en: Education, employment, social security}\n",
                                   "a: {x: 1, y: }\n"])
def test_a_key_without_a_value_in_a_flow_mapping_is_refused(comma):
    # an unquoted comma cut the English label short and left a stray key holding null
    with pytest.raises(yaml.YAMLError, match="without a value"):
        yamlfiles.safe_load(comma)


def test_an_explicit_null_and_a_block_key_without_a_value_still_read():
    assert yamlfiles.safe_load("- {grade: D, min: null, b: ~}\n") == [{"grade": "D", "min": None, "b": None}]
    assert yamlfiles.safe_load("a:\n  b:\n  c: 1\n") == {"a": {"b": None, "c": 1}}
    assert yamlfiles.safe_load('{en: "Inspections (sampling rate, frequency)"}') == {
        "en": "Inspections (sampling rate, frequency)"}
