"""Subject kind from the unified social credit code.

GB 32100-2015 §4: the first character of a USCC is the registration authority
(1 机构编制 — state organs and public institutions; 5 民政 — social organisations;
9 工商 — enterprises, with second character 2 for 个体工商户; …). A code registered by
the establishment authority (1) belongs to a public body (公共管理机构), whose own breaches are
recorded too (government integrity, QZ art. 26-27); a 92 code is an individual business.
"""
from __future__ import annotations

import polars as pl

# (prefix, kind) — the longest matching prefix wins; kept as a table, not as ifs
USCC_PREFIX_KINDS: tuple[tuple[str, str], ...] = (
    ("11", "public_body"),   # 机构编制: 机关
    ("12", "public_body"),   # 机构编制: 事业单位
    ("13", "public_body"),   # 机构编制: 中央编办直接管理机构编制的群众团体
    ("92", "individual_business"),
)


def kind_from_uscc(uscc: str | None, declared: str) -> str:
    if uscc:
        for prefix, kind in sorted(USCC_PREFIX_KINDS, key=lambda p: -len(p[0])):
            if uscc.startswith(prefix):
                return kind
    return declared


def kind_from_uscc_expr(uscc: pl.Expr, declared: pl.Expr) -> pl.Expr:
    """The same rule as `kind_from_uscc`, vectorised."""
    expr = None
    for prefix, kind in sorted(USCC_PREFIX_KINDS, key=lambda p: -len(p[0])):
        cond = uscc.str.starts_with(prefix).fill_null(False)
        expr = pl.when(cond).then(pl.lit(kind)) if expr is None else expr.when(cond).then(pl.lit(kind))
    return expr.otherwise(declared) if expr is not None else declared
