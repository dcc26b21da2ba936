"""Canonical JSON (sorted keys, no spaces, UTF-8, xinyong.audit.rules.canonical_json) built as
polars text: the characters Python's ``json.dumps(ensure_ascii=False)`` escapes, and how."""
from __future__ import annotations

PY_JSON_ESCAPES = {"\\": "\\\\", '"': '\\"', "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t",
                   **{chr(c): f"\\u{c:04x}" for c in range(32) if chr(c) not in "\b\f\n\r\t"}}
