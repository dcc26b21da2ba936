"""A leaner records row (issue 14 point 3): law citations are stored as short codes resolved
from the law data and read back in full through the model, so no reader sees a change; the
migration converts an existing database and back, on both backends."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from tests.feed.support import ingest, world
from xinyong.law import citation_codes
from xinyong.migrate import alembic_config
from xinyong.models import Record

RAW = text("SELECT id, publicity_citation, severity_basis FROM records ORDER BY id")


def _raw(session) -> dict[int, tuple[str, str | None]]:
    return {r.id: (r.publicity_citation, r.severity_basis) for r in session.execute(RAW)}


def test_citations_are_stored_as_codes_and_read_back_in_full(db, session):
    regulator, _, _ = world(session)
    ingest(session, regulator, 8)
    session.commit()
    raw = _raw(session)
    assert len(raw) == 8
    for record in session.scalars(select(Record)):
        stored_cite, stored_basis = raw[record.id]
        assert stored_cite.startswith(citation_codes.OPEN) and len(stored_cite) < len(record.publicity_citation)
        assert citation_codes.OPEN not in record.publicity_citation
        assert record.publicity_citation in citation_codes.table()       # a citation of the law data, whole
        assert citation_codes.OPEN in stored_basis and citation_codes.OPEN not in record.severity_basis
        assert citation_codes.encode(record.severity_basis) == stored_basis


def test_the_migration_converts_an_existing_database_and_back(db, session):
    from alembic import command
    regulator, _, _ = world(session)
    ingest(session, regulator, 5)
    session.commit()
    coded = _raw(session)
    full = {r.id: (r.publicity_citation, r.severity_basis) for r in session.scalars(select(Record))}
    session.close()
    cfg = alembic_config(db.url.render_as_string(hide_password=False))
    command.downgrade(cfg, "0022_pdfen")
    try:
        with db.connect() as conn:
            assert {r.id: (r.publicity_citation, r.severity_basis) for r in conn.execute(RAW)} == full
    finally:
        command.upgrade(cfg, "head")
    with db.connect() as conn:
        assert {r.id: (r.publicity_citation, r.severity_basis) for r in conn.execute(RAW)} == coded


pieces = st.sampled_from(sorted(citation_codes.table())) | st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters=citation_codes.OPEN + citation_codes.CLOSE),
    max_size=8)


@settings(max_examples=100, deadline=None)
@given(st.lists(pieces, max_size=5))
def test_a_text_with_citations_reads_back_as_written(parts):
    value = "".join(parts)
    stored = citation_codes.encode(value)
    assert citation_codes.decode(stored) == value
    assert len(stored) <= len(value)
