"""A name kept in the law data in both of the platform's languages (Simplified Chinese first)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Name:
    zh: str
    en: str
