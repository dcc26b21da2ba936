"""Masking of natural persons on public views. The parameters come from the law profile
(rule `masking.natural_person`); these functions only apply them."""
from __future__ import annotations


def mask_name(name: str | None, keep_first: int = 1, mask_char: str = "*") -> str:
    if not name:
        return ""
    name = name.strip()
    if len(name) <= keep_first:
        return name[:1] + mask_char
    return name[:keep_first] + mask_char * (len(name) - keep_first)


def mask_identifier(value: str | None, keep_first: int = 6, keep_last: int = 4, mask_char: str = "*") -> str:
    if not value:
        return ""
    value = value.strip()
    if len(value) <= keep_first + keep_last:
        # too short to keep anything meaningful without revealing it whole
        return mask_char * len(value)
    hidden = len(value) - keep_first - keep_last
    return value[:keep_first] + mask_char * hidden + (value[-keep_last:] if keep_last else "")
