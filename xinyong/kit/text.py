"""Checks on free text that is stored and shown (declarations, measures, commitments)."""
from __future__ import annotations


def has_control_characters(*values: str | None) -> bool:
    """C0 controls (but tab and newlines), DEL and C1 controls never enter stored text: NUL breaks
    PostgreSQL, the others corrupt what pages and PDFs show."""
    return any(v and any((ord(ch) < 32 and ch not in "\t\r\n") or 0x7F <= ord(ch) <= 0x9F for ch in v)
               for v in values)
