"""a leaner records row: law citations stored as short codes

Issue 14 point 3: a record's publicity citation and the citation inside its severity basis
are stored as ``⟦code⟧`` (the regulation id and article, e.g. ``⟦QZ art. 22⟧``), resolved
from the law data on read (xinyong.law.citation_codes, xinyong.models.base.CitedText), in
place of the full text repeated on every row. The upgrade converts the stored texts with the
codes of the law data at migration time, set-based (a few citations per UPDATE); the downgrade restores them.

Revision ID: 0023_ingest
Revises: 0022_pdfen
"""
import sqlalchemy as sa
from alembic import op

revision = '0023_ingest'
down_revision = '0023_peers'
branch_labels = None
depends_on = None

COLUMNS = ("publicity_citation", "severity_basis")


def _pairs() -> list[tuple[str, str]]:
    from xinyong.law.citation_codes import CLOSE, OPEN, table
    return [(full, f"{OPEN}{code}{CLOSE}") for full, code in table().items()]


def _rewrite(pairs: list[tuple[str, str]], per_statement: int = 8) -> None:
    """A few citations per UPDATE (SQLite's parser nests no deeper), each statement touching
    only the rows that hold one of them."""
    for start in range(0, len(pairs), per_statement):
        chunk = pairs[start:start + per_statement]
        params, sets, hits = {}, [], []
        for column in COLUMNS:
            expr = column
            for i, (old, new) in enumerate(chunk):
                params[f"o{i}"], params[f"n{i}"], params[f"l{i}"] = old, new, f"%{old}%"
                expr = f"replace({expr}, :o{i}, :n{i})"
                hits.append(f"{column} LIKE :l{i}")
            sets.append(f"{column} = {expr}")
        op.get_bind().execute(sa.text(f"UPDATE records SET {', '.join(sets)} WHERE {' OR '.join(hits)}"), params)


def upgrade() -> None:
    _rewrite(_pairs())


def downgrade() -> None:
    _rewrite([(new, old) for old, new in _pairs()])
