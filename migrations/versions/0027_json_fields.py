"""records.fields as ``json`` (its text, checked as JSON) instead of ``jsonb`` on PostgreSQL

Issue 14 point 3 (a leaner stored record). A record's catalogue fields are written once, in
bulk, as the canonical JSON text the ingest builds (the text its publication leaf hashes), and
read whole: no statement searches inside them or compares them but the re-send check, which
compares them as ``jsonb``. ``jsonb`` parsed every value into its binary form on the way in:
loading a 10,000-row batch's records cost the server 174 ms with ``jsonb`` against 152 ms
with ``json`` (docs/performance-history.md). ``json`` still refuses text that is not JSON.
SQLite keeps JSON as text already: nothing to do there.

The conversion rewrites the table (``jsonb`` values come back as their ``jsonb`` text: same
keys and values, ``jsonb``'s spacing and key order). Vacuum records after it (the rewrite
leaves no visibility map). The converted rows are a little shorter, so more pages keep room for
one more row at their end: in the benchmark city (10M records) 18,853 pages against 7,842, and
until the loads after the conversion have filled those ends, each new record lands on an old
page of its own instead of beside the batch's other records (a daily batch's write 0.28-0.35 s
instead of 0.18-0.21 s, in a copy of a converted city that every run started from again).

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
