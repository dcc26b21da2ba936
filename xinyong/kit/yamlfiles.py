"""YAML the platform ships (law profiles, catalogue, models, measures, navigation, messages),
parsed by libyaml's safe loader when PyYAML has it: the pure-Python one took 0.65 s of every new
process for 480 KB of rules, libyaml 0.08 s. Same documents either way (the constructor is
the same SafeConstructor; tests/kit/test_yamlfiles.py loads every shipped file both ways).

A key written twice in one mapping is an error: PyYAML keeps the last silently, so a message,
a rule or a catalogue field defined twice lost its first definition without a word.

So is a key with no value in a flow mapping (``{zh: 检查（抽查比例、频次）, en: Inspections (rate, frequency)}``):
an unquoted comma inside a value ends it there, and the rest became a stray key holding null, so
the English label read "Inspections (rate" with no error. A value that is really null says ``null``."""
from __future__ import annotations

import yaml
from yaml.constructor import ConstructorError

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MERGE_TAG = "tag:yaml.org,2002:merge"
NULL_TAG = "tag:yaml.org,2002:null"


class UniqueKeys:
    """For a yaml loader class: a mapping that names a key twice is refused (a merged ``<<``
    mapping's keys may still be overridden: that is what merging is for), and so is a key
    without a value in a flow mapping ``{...}`` (see the module's note)."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: set = set()
            for key_node, _ in node.value:
                if key_node.tag == MERGE_TAG:
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    duplicate = key in seen
                except TypeError:      # an unhashable key: the constructor below says so
                    continue
                if duplicate:
                    raise ConstructorError("while constructing a mapping", node.start_mark,
                                           f"found duplicate key {key!r}", key_node.start_mark)
                seen.add(key)
            if node.flow_style:
                for key_node, value_node in node.value:
                    if (isinstance(value_node, yaml.ScalarNode) and value_node.tag == NULL_TAG
                            and value_node.value == "" and not value_node.style):
                        raise ConstructorError(
                            "while constructing a flow mapping", node.start_mark,
                            f"found key {key_node.value!r} without a value (an unquoted comma inside "
                            "a value? quote the value; write null for a null)", key_node.start_mark)
        return super().construct_mapping(node, deep=deep)


class SafeLoader(UniqueKeys, _Base):  # type: ignore[misc, valid-type]
    pass


def safe_load(stream):
    return yaml.load(stream, Loader=SafeLoader)  # noqa: S506 - a safe loader
