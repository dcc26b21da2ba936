"""Data key rotation: re-encrypt every sealed value (every column of the type
xinyong.kit.sealed.SealedBytes: resident ID numbers of subjects, identity of complainants) that
is not under the ring's current key, chunk by chunk, while the platform serves. ``SEALED``
lists them, found in the models' metadata so a new sealed column cannot be forgotten. The run
first replaces any complainant account still named in clear on a complaint's result document
or notification (rows written before those links were sealed) by its keyed pseudonym.

Why it is safe to run live: readers accept every key of the ring (old and new) throughout,
so a row reads the same before and after its chunk commits; each chunk is its own short
transaction (read by id range, re-encrypt in Python, one executemany UPDATE, read back and
verify, commit); the UPDATE only replaces a ciphertext that is still the one read
(compare-and-set), so nothing written meanwhile is overwritten; and a row is verified by
decrypting what was actually stored before its chunk commits, so a failure rolls back the
chunk and loses nothing. The run is resumable: it only ever selects rows not yet under the
current key, so an interrupted run is finished by running it again.

Rows no key of the ring opens are left untouched and reported. The keyed hash that finds
identifiers has its own key and is not touched. The commits here are this batch job's own
unit of work (one per chunk), as a CLI command's would be.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine, LargeBinary, bindparam, case, func, select, type_coerce, update
from sqlalchemy.orm import Session

from xinyong.db import session_scope
from xinyong.kit.crypto import LEGACY, V1, UndecryptableError, decrypt, encrypt_many, header
from xinyong.kit.errors import XinyongError
from xinyong.kit.keyring import KeyRing, current_ring
from xinyong.kit.sealed import SealedBytes, party_ref
from xinyong.models import Base, Document, Notification, Subject

CHUNK_ROWS = 5_000
MAX_LISTED = 100  # unreadable row ids kept in the report


@dataclass(frozen=True)
class Sealed:
    """A column holding ciphertexts under the data key ring."""
    label: str
    table: object
    column: str

    @property
    def enc(self):
        # the ciphertext as bytes: rotation re-seals without handing a Sealed to anyone
        return type_coerce(self.table.c[self.column], LargeBinary)

    @property
    def id(self):
        return self.table.c.id


def _sealed_columns() -> tuple[Sealed, ...]:
    """Every SealedBytes column of the models, the subjects' (resident ID numbers) first: their
    row ids are reported bare, others as "<table>#<id>"."""
    found = [Sealed(t.name, t, c.name) for t in Base.metadata.sorted_tables for c in t.columns
             if isinstance(c.type, SealedBytes)]
    return tuple(sorted(found, key=lambda s: s.table is not SUBJECTS))


SUBJECTS = Subject.__table__
SEALED = _sealed_columns()
# the kinds of document/notification whose addressee is a sealed party (a complainant)
SEALED_PARTY_KINDS = ("complaint_result",)


def seal_party_links(session: Session) -> int:
    """Replace the account id on complainants' documents and notifications by its keyed
    pseudonym; one UPDATE per account concerned. Returns the rows changed."""
    changed = 0
    for model, user_col, ref_col in ((Document, "addressee_user_id", "addressee_ref"),
                                     (Notification, "recipient_user_id", "recipient_ref")):
        user = getattr(model, user_col)
        kinds = model.kind.in_(SEALED_PARTY_KINDS)
        for user_id in session.scalars(select(user).where(kinds, user.is_not(None)).distinct()).all():
            result = session.execute(update(model).where(kinds, user == user_id)
                                     .values({user_col: None, ref_col: party_ref(user_id)})
                                     .execution_options(synchronize_session=False))
            changed += result.rowcount or 0
    return changed


class RotationFailed(XinyongError):
    status = 500
    code = "rotation_failed"


@dataclass
class RotationReport:
    current: str
    pending_at_start: int = 0
    rotated: int = 0
    changed_meanwhile: int = 0  # rewritten by someone else between read and write; left as found
    links_sealed: int = 0       # complainants' documents/notifications that named the account in clear
    unreadable: int = 0
    unreadable_ids: list[int | str] = field(default_factory=list)  # subject ids; "<table>#<id>" for others
    chunks: int = 0

    def as_dict(self) -> dict:
        return {"current_key": self.current, "pending_at_start": self.pending_at_start, "rotated": self.rotated,
                "changed_meanwhile": self.changed_meanwhile, "unreadable": self.unreadable, "chunks": self.chunks,
                "links_sealed": self.links_sealed}


@dataclass(frozen=True)
class KeyCount:
    key: str
    rows: int
    current: bool = False
    in_ring: bool = True


def _not_current(ring: KeyRing, sealed: Sealed):
    prefix = header(ring.current_id)
    return sealed.enc.is_not(None) & (func.substr(sealed.enc, 1, len(prefix)) != prefix)


def pending(session: Session, ring: KeyRing | None = None) -> int:
    """Sealed values, in every sealed column, not under the current key."""
    ring = ring or current_ring()
    return sum(session.scalar(select(func.count()).select_from(s.table).where(_not_current(ring, s))) or 0
               for s in SEALED)


def status(session: Session, ring: KeyRing | None = None) -> list[KeyCount]:
    """How many sealed values are under each key, in one scan per sealed column: every key of
    the ring (current first), legacy version-1 ciphertexts, and any other key (not in the ring)."""
    ring = ring or current_ring()
    names = [*ring.ids, LEGACY]
    total, counts = 0, [0] * len(names)
    for sealed in SEALED:
        enc = sealed.enc
        conds = [func.substr(enc, 1, len(header(kid))) == header(kid) for kid in ring.ids]
        conds.append(func.substr(enc, 1, 1) == bytes((V1,)))
        columns = [func.count().label("total")]
        columns += [func.coalesce(func.sum(case((cond, 1), else_=0)), 0) for cond in conds]
        row = session.execute(select(*columns).select_from(sealed.table).where(enc.is_not(None))).one()
        total += row[0]
        counts = [a + b for a, b in zip(counts, row[1:])]
    out = [KeyCount(label, n, current=label == ring.current_id, in_ring=label in ring.ids)
           for label, n in zip(names, counts)]
    out.append(KeyCount("other (not in the ring)", total - sum(counts), in_ring=False))
    return out


def rotate(engine: Engine | None = None, ring: KeyRing | None = None, chunk_rows: int = CHUNK_ROWS,
           on_start: Callable[[int], None] | None = None,
           after_chunk: Callable[[RotationReport, int], None] | None = None) -> RotationReport:
    """Re-encrypt, chunk by chunk, every row not under the ring's current key.
    ``on_start(pending)`` and ``after_chunk(report, rows_in_chunk)`` drive a progress display
    (an exception from ``after_chunk`` stops the run after a committed chunk)."""
    ring = ring or current_ring()
    report = RotationReport(current=ring.current_id)
    with session_scope(engine) as session:
        report.links_sealed = seal_party_links(session)
    with session_scope(engine) as session:
        report.pending_at_start = pending(session, ring)
    if on_start:
        on_start(report.pending_at_start)
    for sealed in SEALED:
        after: int | None = None
        while True:
            with session_scope(engine) as session:
                rows = _read_chunk(session, ring, sealed, after, chunk_rows)
                if rows:
                    _rotate_chunk(session, ring, sealed, rows, report)
            if not rows:
                break
            after = rows[-1][0]
            report.chunks += 1
            if after_chunk:
                after_chunk(report, len(rows))
    return report


def _read_chunk(session: Session, ring: KeyRing, sealed: Sealed, after: int | None,
                size: int) -> list[tuple[int, bytes]]:
    query = select(sealed.id, sealed.enc).where(_not_current(ring, sealed)).order_by(sealed.id).limit(size)
    if after is not None:
        query = query.where(sealed.id > after)
    return [(i, bytes(blob)) for i, blob in session.execute(query).all()]


def _rotate_chunk(session: Session, ring: KeyRing, sealed: Sealed, rows: list[tuple[int, bytes]],
                  report: RotationReport) -> None:
    plain: dict[int, str] = {}
    for row_id, blob in rows:
        try:
            plain[row_id] = decrypt(blob, ring)
        except UndecryptableError:
            report.unreadable += 1
            if len(report.unreadable_ids) < MAX_LISTED:
                report.unreadable_ids.append(row_id if sealed.table is SUBJECTS else f"{sealed.label}#{row_id}")
    if not plain:
        return
    old = dict(rows)
    ids = list(plain)
    new = dict(zip(ids, encrypt_many([plain[i] for i in ids], ring)))
    stmt = (update(sealed.table).where(sealed.id == bindparam("b_id"), sealed.enc == bindparam("b_old"))
            .values({sealed.column: bindparam("b_new")}))
    session.connection().execute(stmt, [{"b_id": i, "b_old": old[i], "b_new": new[i]} for i in ids])
    _verify(session, ring, sealed, plain, new, report)


def _verify(session: Session, ring: KeyRing, sealed: Sealed, plain: dict[int, str], new: dict[int, bytes],
            report: RotationReport) -> None:
    """Read the chunk back and decrypt what is stored; any mismatch rolls the chunk back."""
    lo, hi = min(plain), max(plain)
    stored = {i: bytes(b) for i, b in session.execute(
        select(sealed.id, sealed.enc).where(sealed.id.between(lo, hi))).all() if i in plain}
    for row_id, value in plain.items():
        blob = stored.get(row_id)
        if blob != new[row_id]:
            report.changed_meanwhile += 1  # the compare-and-set found another ciphertext: left as it is
            continue
        try:
            ok = decrypt(blob, ring) == value
        except UndecryptableError:
            ok = False
        if not ok:
            raise RotationFailed(f"{sealed.label} {row_id} 重新加密后校验失败，本批已回滚",
                                 message_en=f"{sealed.label} {row_id}: the re-encrypted value failed verification; "
                                            "chunk rolled back")
        report.rotated += 1
