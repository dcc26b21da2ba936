"""Citations stored as short codes (issue 14 point 3): a record row holds ``⟦QZ art. 22⟧``
where it would hold "QZ art. 22 (泉州市社会信用条例 第二十二条)", and reads it back in full.
The codes and their texts come from the law data (every profile's rule citations: the
regulation id and article are the code); a code whose text differs between rules is not
used, so every code resolves to exactly one text. Unknown codes read back as the bare code.

``encode``/``decode`` work on any text (a severity basis cites inside a sentence);
``encode_expr`` is the same for a polars column (the bulk path)."""
from __future__ import annotations

import functools
import re

import polars as pl

OPEN, CLOSE = "⟦", "⟧"
_MARKED = re.compile(f"{OPEN}([^{OPEN}{CLOSE}]*){CLOSE}")


@functools.lru_cache(maxsize=1)
def table() -> dict[str, str]:
    """{full citation text: code}, longest text first."""
    from xinyong.law.loader import available_profiles, get_profile
    texts: dict[str, set[str]] = {}
    for name in available_profiles():
        profile = get_profile(name)
        for key in profile.keys():
            for rule in profile.versions(key):
                c = rule.citation
                code = f"{c.regulation_id} {c.article}".strip()
                if str(c) != code and OPEN not in code and CLOSE not in code:
                    texts.setdefault(code, set()).add(str(c))
    unique = {next(iter(full)): code for code, full in texts.items() if len(full) == 1}
    return dict(sorted(unique.items(), key=lambda kv: (-len(kv[0]), kv[0])))


@functools.lru_cache(maxsize=1)
def _texts() -> dict[str, str]:
    return {code: full for full, code in table().items()}


def encode(value: str | None) -> str | None:
    if not value:
        return value
    for full, code in table().items():
        if full in value:
            value = value.replace(full, f"{OPEN}{code}{CLOSE}")
    return value


def decode(value: str | None) -> str | None:
    if not value or OPEN not in value:
        return value
    texts = _texts()
    return _MARKED.sub(lambda m: texts.get(m[1], m[1]), value)


def encode_expr(col: pl.Expr) -> pl.Expr:
    found = table()
    return col.str.replace_many(list(found), [f"{OPEN}{c}{CLOSE}" for c in found.values()])
