"""records.fields as ``json`` (its text, checked as JSON) instead of ``jsonb`` on PostgreSQL

Issue 14 point 3 (a leaner stored record). A record's catalogue fields are written once, in
bulk, as the canonical JSON text the ingest builds (the text its publication leaf hashes), and
read whole: no statement searches inside them or compares them but the re-send check, which
compares them as ``jsonb``. ``jsonb`` parsed every value into its binary form on the way in:
loading a 10,000-row batch's records cost the server 174 ms with ``jsonb`` against 152 ms
with ``json`` (docs/performance-history.md). ``json`` still refuses text that is not JSON.
SQLite keeps JSON as text already: nothing to do there.

The conversion rewrites the table (``jsonb`` values come back as their ``jsonb`` text: same
keys and values, ``jsonb``'s spacing and key order).

Revision ID: 0027_json_fields
Revises: 0026_lean
"""
from alembic import op

revision = '0027_json_fields'
down_revision = '0026_lean'
branch_labels = None
depends_on = None


def _pg() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if _pg():
        op.execute("ALTER TABLE records ALTER COLUMN fields TYPE json USING fields::json")


def downgrade() -> None:
    if _pg():
        op.execute("ALTER TABLE records ALTER COLUMN fields TYPE jsonb USING fields::jsonb")
