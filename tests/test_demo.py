"""The demo city is loaded through ingestion, on SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from xinyong.accounts.service import authenticate
from xinyong.db import session_scope
from xinyong.demo import DEMO_PASSWORD, build_city, load_demo, run_demo
from xinyong.demo.complaints import CREDIT_SERVICE_NAME
from xinyong.demo.roles import ASSOCIATION, BANK, COURT
from xinyong.demo.sectors import AGENCIES
from xinyong.disclosure.repository import public_condition
from xinyong.kit import sealed
from xinyong.kit.crypto import decrypt
from xinyong.models import Agency, Batch, BatchRejection, Record, Subject, User

SMALL = 30
TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def loaded(db, today):
    today(TODAY.isoformat())
    return run_demo(subjects=SMALL, seed=7)


def _count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_agencies_and_accounts_are_created_and_usable(loaded):
    with session_scope() as s:
        names = set(s.scalars(select(Agency.name)))
        assert names == {a.name for a in AGENCIES} | {CREDIT_SERVICE_NAME, BANK.name, COURT.name, ASSOCIATION.name}
        roles = dict(s.execute(select(User.username, User.role)).all())
        assert roles["admin"] == "admin" and roles["staff"] == "staff"
        assert {u for u, r in roles.items() if r == "agency"} == {f"agency-{a.key}" for a in AGENCIES}
        assert authenticate(s, "admin", DEMO_PASSWORD).role == "admin"
        scjg = authenticate(s, "agency-scjg", DEMO_PASSWORD)
        assert s.get(Agency, scjg.agency_id).name == "泉州市市场监督管理局"
    assert all(o.status == "completed" for _, o in loaded.outcomes)


def test_records_span_severities_and_both_sides_of_the_publicity_window(loaded):
    with session_scope() as s:
        severities = set(s.scalars(select(Record.severity).where(Record.item_code == "penalty").distinct()))
        assert severities == {"minor", "general", "serious"}
        penalty = Record.item_code == "penalty"
        assert _count(s, Record, penalty, public_condition(TODAY)) > 0
        assert _count(s, Record, penalty, Record.publicity_end <= TODAY) > 0   # publicity ended
        assert _count(s, Record, Record.item_code == "licence", Record.publicity_end.is_(None)) > 0  # long-term
        years = {d.year for d in s.scalars(select(Record.decision_date))}
        assert min(years) <= 2021 and max(years) == 2026
        assert max(s.scalars(select(Record.decision_date))) <= TODAY
        # every record came through a batch of its own source agency
        assert _count(s, Record, Record.batch_id.is_(None)) == 0
        city_batches = Batch.item_code.in_(("penalty", "licence"))
        assert _count(s, Batch, city_batches, Batch.status == "completed") == len(loaded.city.files)
        assert set(s.scalars(select(Batch.file_format).where(city_batches))) == {"csv", "xlsx"}
        # the later demo steps send their breach records through the same ingest path
        others = dict(s.execute(select(Batch.item_code, func.count()).where(~city_batches).group_by(Batch.item_code)).all())
        # and bank-demo its market information (xinyong/demo/market.py)
        assert others == {"government_breach": 1, "commitment_breach": 1, "contract_performance": 1}
        assert _count(s, Batch, Batch.status != "completed") == 0


def test_natural_persons_exist_and_their_ids_are_stored_encrypted(loaded):
    ids = set(loaded.city.resident_ids)
    assert ids
    with session_scope() as s:
        persons = s.scalars(select(Subject).where(Subject.kind == "natural_person")).all()
        direct = {x.name for x in loaded.city.subjects if x.kind == "natural_person"}
        assert direct <= {p.name for p in persons}
        assert all(p.resident_id_enc and decrypt(sealed._ciphertext(p.resident_id_enc)) in ids for p in persons)
        for row in s.execute(select(Subject.__table__)).mappings():
            blob = " ".join(sealed._ciphertext(v).hex() if isinstance(v, sealed.Sealed) else
                            v.hex() if isinstance(v, bytes) else str(v) for v in row.values())
            assert not any(i in blob or i.encode().hex() in blob for i in ids), row["id"]
        stored = " ".join(str(f) for f in s.scalars(select(Record.fields)))
        stored += " ".join(s.scalars(select(BatchRejection.value)))
        assert not any(i in stored for i in ids)


def test_returned_rows_have_reasons(loaded):
    with session_scope() as s:
        rejections = s.scalars(select(BatchRejection)).all()
    assert len({(r.batch_id, r.row_no) for r in rejections}) == loaded.returned_rows
    assert loaded.returned_rows == sum(f.invalid_rows for f in loaded.city.files)
    assert all(r.reason and r.reason_en for r in rejections)
    assert {"bad_uscc", "required", "future_date"} <= {r.reason_code for r in rejections}
    # every file has rows to return, and every other row is accepted
    for f, outcome in loaded.outcomes:
        assert outcome.rejected == f.invalid_rows > 0
        assert outcome.accepted == f.rows - f.invalid_rows


def test_loading_twice_changes_nothing(loaded):
    with session_scope() as s:
        before = (_count(s, Subject), _count(s, Record), _count(s, Agency), _count(s, User))
        names = set(s.scalars(select(Subject.name)))
    again = run_demo(subjects=SMALL, seed=7)
    with session_scope() as s:
        assert (_count(s, Subject), _count(s, Record), _count(s, Agency), _count(s, User)) == before
        assert set(s.scalars(select(Subject.name))) == names
    assert again.agencies_created == 0 and not any(a.created for a in again.accounts)
    assert again.total("created") == again.total("updated") == 0
    assert again.total("unchanged") == loaded.total("created")
    assert again.returned_rows == loaded.returned_rows


def test_the_same_seed_gives_the_same_city(loaded):
    same = build_city(subjects=SMALL, seed=7, today=TODAY)
    assert [x.name for x in same.subjects] == [x.name for x in loaded.city.subjects]
    assert [f.data for f in same.files] == [f.data for f in loaded.city.files]
    other = build_city(subjects=SMALL, seed=8, today=TODAY)
    assert {x.name for x in other.subjects} != {x.name for x in same.subjects}
    with session_scope() as s:
        kinds = ("legal_person", "individual_business")
        stored = set(s.scalars(select(Subject.name).where(Subject.kind.in_(kinds))))
    # the bank and the association the demo registers are legal persons, credit subjects too
    assert stored - {BANK.name, ASSOCIATION.name} == {x.name for x in same.subjects if x.kind in kinds}


def _figure(text: str, label: str) -> int:
    line = next(x for x in text.splitlines() if x.strip().startswith(label))
    return int(line.strip()[len(label):].split()[0])


def test_summary_lists_url_accounts_counts_and_examples(db, today):
    today(TODAY.isoformat())
    text = load_demo(subjects=SMALL, seed=7)
    assert "http://127.0.0.1:8000" in text
    assert DEMO_PASSWORD in text
    assert all(f"agency-{a.key}" in text for a in AGENCIES) and "admin" in text and "staff" in text
    examples = [x.split()[0] for x in text.split("Try searching for", 1)[1].strip().splitlines()]
    with session_scope() as s:
        assert _figure(text, "agencies") == len(AGENCIES)   # the city's data sources
        assert _count(s, Agency) == len(AGENCIES) + 4         # and the credit service agency, bank, court, association
        assert _figure(text, "subjects") == _count(s, Subject)
        assert _figure(text, "records") == _count(s, Record)
        assert _figure(text, "public today") == _count(s, Record, public_condition(TODAY))
        assert _figure(text, "returned rows") == len(
            set(s.execute(select(BatchRejection.batch_id, BatchRejection.row_no)).all())) > 0
        assert len(examples) >= 3
        assert _count(s, Subject, Subject.name.in_(examples)) == len(examples)
    assert "REFUSED" not in text


def test_every_link_the_demo_sends_leads_to_a_page(loaded, today):
    """Notifications (also those of a later sweep) link to pages that exist."""
    import re

    from typer.testing import CliRunner

    from xinyong.app import create_app
    from xinyong.cli import app as cli
    from xinyong.kit.access import iter_routes
    from xinyong.models.procedure import Notification
    today((TODAY + dt.timedelta(days=30)).isoformat())
    assert CliRunner().invoke(cli, ["sweep"]).exit_code == 0
    pages = [re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", r.path) + "$")
             for r in iter_routes(create_app().routes) if "GET" in getattr(r, "methods", ())]
    with session_scope() as s:
        links = set(s.scalars(select(Notification.link).where(Notification.link.is_not(None))))
    assert len(links) > 5
    assert [link for link in links if not any(p.match(link.split("?")[0]) for p in pages)] == []


def test_the_demo_ends_with_a_published_tree_head_over_its_whole_log(loaded):
    """Issue 12: a fresh demo has a signed head a new user can take, covering every entry."""
    from xinyong.models import AuditEntry
    from xinyong.transparency import service
    from xinyong.transparency.archive import archived_heads
    with session_scope() as s:
        head = service.latest_head(s)
        assert head is not None and head.tree_size == _count(s, AuditEntry) > 0
        assert head.signature_ok(service.public_keys())
    assert archived_heads()[-1].root_hash == head.root_hash
    assert "transparency log: signed tree head" in "\n".join(loaded.extra_lines)
