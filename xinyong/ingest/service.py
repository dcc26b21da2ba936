"""Aggregation (归集): a registered agency's batch is read, checked against the catalogue,
and either refused as a whole or split into accepted records and returned rows
(退回复核, QZ art. 10). A batch is one transaction: a crash leaves no partial batch. A
refused batch is recorded (status "refused") with its reason only.

By default the batch is its own unit of work: the ingest hands the caller's session to the
outbox's boundary helper (xinyong/ingest/outbox.py ``commit_and_apply``), which commits the
batch and then applies its change feed and evaluation, before the ingest returns.
``commit=False`` (a batch that is part of a larger change, e.g. a commitment breach) keeps
everything in the caller's transaction, the outbox applied in it too."""
from __future__ import annotations

import concurrent.futures
import contextvars
import dataclasses
import datetime as dt
import hashlib
import logging

import polars as pl
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.agencies import service as agencies
from xinyong.audit import record_event
from xinyong.catalogue import CatalogueError, get_catalogue
from xinyong.config import get_settings
from xinyong.disclosure.rules import item_publicity_frame
from xinyong.ingest import gates, outbox, repository
from xinyong.ingest.readers import IngestFileError, TableLimits, check_columns, read_table
from xinyong.ingest.rules import BatchRefused, validate
from xinyong.kit import bulk
from xinyong.kit.access import Principal
from xinyong.kit.errors import InvalidInput, PayloadTooLarge
from xinyong.kit.text import strip_control_characters
from xinyong.law import active_profile, citation_codes
from xinyong.models import Batch
from xinyong.registry import preload, run_hook
from xinyong.subjects import names
from xinyong.subjects.repository import make_stage, read_key_pages, resolve_subjects, stage_frame
from xinyong.transparency import leaves, merkle, publications
from xinyong.transparency import repository as transparency_repository
from xinyong.transparency import rules as transparency_rules

log = logging.getLogger(__name__)


@dataclasses.dataclass
class BatchOutcome:
    batch_id: int
    status: str
    item: str
    total_rows: int = 0
    accepted: int = 0
    rejected: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    error_code: str | None = None
    error_message: str | None = None
    error_words: tuple[str, str] | None = dataclasses.field(default=None, repr=False, compare=False)  # (zh, en)
    ignored_columns: list[str] = dataclasses.field(default_factory=list)
    refused_columns: list[dict] = dataclasses.field(default_factory=list)
    outbox_upto: int | None = dataclasses.field(default=None, repr=False, compare=False)  # the batch's last outbox row
    outbox_left: bool = dataclasses.field(default=False, repr=False, compare=False)  # rows left to the worker
    # for its leaves: the rows written, or (PostgreSQL) the details of the leaves already stored
    written: pl.DataFrame | dict | None = dataclasses.field(default=None, repr=False, compare=False)
    # the distinct subjects of its records if it re-sent none, for the hooks it applies (kit/batchfacts.py)
    subjects: pl.Series | None = dataclasses.field(default=None, repr=False, compare=False)

    def as_dict(self) -> dict:
        body = {"batch": self.batch_id, **{f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                                           if f.name not in ("outbox_upto", "outbox_left", "written", "subjects")}}
        return body


def ingest_file(session: Session, *, data: bytes, filename: str, source_uscc: str, item_code: str,
                channel: str = "cli", user_id: int | None = None, change_reason: str | None = None,
                progress=None, actor: Principal | None = None, idempotency_key: str | None = None,
                request_sha256: str | None = None, commit: bool = True) -> BatchOutcome:
    """Ingest one file. Raises for a caller error (unknown agency or item, too large);
    returns a refused outcome for a file the agency must fix. An idempotency key is stored on
    the batch row (xinyong.ingest.idempotency)."""
    limit = get_settings().max_upload_bytes
    if len(data) > limit:
        raise PayloadTooLarge(f"文件超过 {limit} 字节上限", field="file",
                              message_en=f"file is {len(data)} bytes; the limit is {limit}")
    agency, item = _source_and_item(session, source_uscc, item_code)
    _step(progress, "read")
    # the file is parsed in a thread while the batch is opened (its digest, its row): polars parses
    # and hashlib hashes without the GIL (a 1M-row file's SHA-256, ~0.4 s, no longer comes before
    # its 0.6-0.9 s parse)
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="read") as pool:
        reading = pool.submit(contextvars.copy_context().run, read_table, data, filename)
        try:
            batch = _open_batch(session, agency, item.code, filename, channel, user_id, change_reason, data,
                                (idempotency_key, request_sha256))
        finally:
            concurrent.futures.wait([reading])   # a failure to open the batch is the one raised
    try:
        source, refusal = [reading.result()], None   # handed over, not kept: freed once split in parts
    except IngestFileError as exc:
        source, refusal = None, exc
    reading = None
    # the bytes are not referenced past the parse: a caller that handed them over (no reference
    # of its own, as `xinyong ingest` does) gets their memory back for the rest of the batch
    data = None
    if refusal is not None:
        outcome = _refuse(session, batch, refusal.code, str(refusal), zh=refusal.message_zh, en=refusal.message_en)
    else:
        outcome = _ingest_frame(session, batch, agency, item, source, progress)
    outcome = _audited(session, actor, batch, outcome)
    _step(progress, "committed")   # what follows: the commit, then the outbox (feed, evaluation)
    return outbox.commit_and_apply(session, outcome, commit)


def ingest_rows(session: Session, *, rows: list[dict], source_uscc: str, item_code: str,
                user_id: int | None = None, change_reason: str | None = None,
                actor: Principal | None = None, idempotency_key: str | None = None,
                request_sha256: str | None = None, commit: bool = True) -> BatchOutcome:
    """The JSON API: rows keyed by the catalogue's Chinese headers (or field codes)."""
    agency, item = _source_and_item(session, source_uscc, item_code)
    payload = repr(rows).encode()
    batch = _open_batch(session, agency, item.code, "api.json", "api", user_id, change_reason, payload,
                        (idempotency_key, request_sha256))
    if not rows:
        outcome = _refuse(session, batch, "empty_file", "批次没有数据行 / the batch has no rows",
                          zh="批次没有数据行", en="the batch has no rows")
    else:
        try:
            source = [_rows_frame(rows, item, TableLimits.from_settings())]
        except IngestFileError as exc:
            outcome = _refuse(session, batch, exc.code, str(exc), zh=exc.message_zh, en=exc.message_en)
        else:
            outcome = _ingest_frame(session, batch, agency, item, source, None)
    return outbox.commit_and_apply(session, _audited(session, actor, batch, outcome), commit)


def _audited(session: Session, actor: Principal | None, batch: Batch, outcome: BatchOutcome) -> BatchOutcome:
    """One audit event per batch, with its counts and outcome (never one per row)."""
    if actor is None and batch.submitted_by is not None:
        actor = Principal(user_id=batch.submitted_by, username="", role="")
    counts = {k: getattr(outcome, k) for k in ("total_rows", "accepted", "rejected", "created", "updated",
                                               "unchanged")}
    # every record the batch published is a leaf under this entry (issue 12): records, records_root
    if isinstance(outcome.written, dict):
        published = outcome.written
    else:
        published = publications.record_batch(session, batch.id, outcome.written) if outcome.written is not None else (
            {"records": 0, "records_root": merkle.EMPTY_ROOT.hex()} if outcome.status == "completed" else {})
    outcome.written = None   # the frame is not kept past the batch
    record_event(session, actor, "batch.ingest", target_type="batch", target_id=batch.id,
                 details={"status": outcome.status, "item": batch.item_code, "source": batch.source_uscc,
                          "channel": batch.channel, "error_code": outcome.error_code,
                          "content_mac": transparency_rules.file_mac(publications.blind_key(), batch.content_sha256),
                          **counts, **published})
    return outcome


def _rows_frame(rows: list[dict], item, limits: TableLimits) -> pl.DataFrame:
    """Rows keyed by header or field code as a table; more distinct keys than the column
    limit are refused as soon as they are counted (a dict keeps first-seen order)."""
    by_code = {f.code: f.header_zh for f in item.fields}
    seen: dict[str, None] = {}
    for row in rows:
        check_columns(len(row), limits)
        for key in row:
            seen.setdefault(by_code.get(key, key))
        check_columns(len(seen), limits)
    headers = list(seen)
    data = {h: [] for h in headers}
    for row in rows:
        named = {by_code.get(k, k): v for k, v in row.items()}
        for h in headers:
            v = named.get(h)
            data[h].append(None if v is None else str(v))
    frame = pl.DataFrame(data, schema={h: pl.Utf8 for h in headers})
    return frame.with_columns(pl.int_range(2, frame.height + 2, dtype=pl.Int64).alias("__row"))


def _source_and_item(session: Session, source_uscc: str, item_code: str):
    agency = agencies.by_uscc(session, source_uscc or "")
    if agency is None or not agency.active:
        raise InvalidInput(f"数据来源单位 {source_uscc} 未登记，批次不予接收（泉州条例第十条）",
                           code="unknown_agency", field="source",
                           message_en=f"source agency {source_uscc!r} is not registered; batch refused")
    try:
        item = get_catalogue().get(item_code)
    except CatalogueError:
        raise InvalidInput(f"目录中没有信息项 {item_code}", code="unknown_item", field="item",
                           message_en=f"unknown catalogue item {item_code!r}") from None
    if not item.ingestible:
        raise InvalidInput(f"信息项 {item_code} 不接受批量归集", code="item_not_ingestible", field="item",
                           message_en=f"catalogue item {item_code!r} does not take batch files")
    return agency, item


def _open_batch(session, agency, item_code, filename, channel, user_id, change_reason, data,
                idempotency: tuple[str | None, str | None] = (None, None)) -> Batch:
    fmt = "xlsx" if filename.lower().endswith(".xlsx") else ("json" if channel == "api" else "csv")
    batch = Batch(agency_id=agency.id, source_uscc=agency.uscc, item_code=item_code,
                  filename=strip_control_characters(filename)[:255],
                  file_format=fmt, channel=channel, content_sha256=hashlib.sha256(data).hexdigest(),
                  status="processing", submitted_by=user_id, change_reason=change_reason,
                  received_at=clock.now(), notes={}, idempotency_key=idempotency[0] or None,
                  request_sha256=idempotency[1] if idempotency[0] else None)
    session.add(batch)
    session.flush()
    return batch


def _refuse(session: Session, batch: Batch, code: str, message: str, details: dict | None = None, *,
            zh: str | None = None, en: str | None = None) -> BatchOutcome:
    """``message`` is the API's one text ("zh / en"); a page shows ``zh`` or ``en`` alone
    (kept in the batch's notes as ``refusal``, which views.batch_out leaves out of the API)."""
    batch.status = "refused"
    batch.error_code = code
    batch.error_message = message
    batch.notes = {"details": details or {}, **({"refusal": {"zh": zh, "en": en}} if zh and en else {})}
    batch.completed_at = clock.now()
    session.flush()
    return BatchOutcome(batch_id=batch.id, status="refused", item=batch.item_code,
                        error_code=code, error_message=message, error_words=(zh, en) if zh and en else None)


VALIDATE_CHUNK_ROWS = 50_000  # rows validated and written at a time: bounds a batch's memory


def _ingest_frame(session, batch, agency, item, source: list[pl.DataFrame], progress) -> BatchOutcome:
    """Validate every part, resolve the batch's subjects once (one staging table, one merge),
    then write each part's records; the written rows go on to the publication leaves.
    `source` holds the file's frame; it is taken out, so that once split in parts and
    validated it is freed (only the parts' records are kept for the writes)."""
    frame = source.pop()
    total_rows = frame.height
    profile = active_profile()
    refused = gates.refusal(session, agency, item, clock.today())   # e.g. market items: providers only
    if refused is not None:   # (code, message) or (code, message, zh, en): a page shows one language
        code, message, *words = refused
        return _refuse(session, batch, code, message, zh=(words or [None])[0], en=(words[1:] or [None])[0])
    totals = {"accepted": 0, "rejected": 0, "created": 0, "updated": 0, "unchanged": 0}
    names.forget_created(session)   # what the merge notes is this batch's alone
    preload("on_batch_ingested")   # the hooks' modules imported while the batch validates
    reading = _read_subject_key_pages(session, frame, item)   # meanwhile, on a connection of its own
    cut = _partitions(frame, item)
    frame = None   # held by the parts alone once cut: each part's rows freed once validated
    # the final part's accepted rows (last: its validation's result) wait unbuilt: their records are
    # built while the subjects resolve (of a batch of one part, with the columns only they store:
    # made in a thread of their own beside the merge, they slowed its stage's COPY, 17-21 ms ->
    # 25-32, and the records' COPY began 5-15 ms later)
    first, parts, last, stage_made = None, [], None, False
    for n, (validated, final) in enumerate(_validated(cut, item, profile, clock.today(), agency.uscc)):
        _step(progress, "validate")
        try:
            if n == 0:   # the session's connection waits for the validation: the subjects' stage made meanwhile
                stage_made = make_stage(session)
            result = validated.result()
        except BatchRefused as exc:
            if n:  # header-level refusals are the same for every part: only the first can refuse
                raise RuntimeError("a later part of a batch was refused after an earlier one passed") from exc
            _settled(reading)
            return _refuse(session, batch, exc.code, exc.message, getattr(exc, "details", None),
                           zh=exc.message_zh, en=exc.message_en)
        result.accepted, result.rejections = gates.screen(session, agency, item, result.accepted,
                                                          result.rejections, clock.today())
        first = first or result
        repository.insert_rejections(session, result.rejections, batch.id)
        totals["accepted"] += result.accepted.height
        totals["rejected"] += result.rejections["row_no"].n_unique() if result.rejections.height else 0
        if result.accepted.height and final:
            last = result
        elif result.accepted.height:
            parts.append((_record_frame(result.accepted, item, profile, batch, agency, clock.now()),
                          result.accepted.select(SUBJECT_INPUT)))
    cut = validated = result = None   # the file's rows are no longer needed: only each part's records
    records, inputs = [p[0] for p in parts], [p[1] for p in parts]
    parts = None                   # each part now held once: _write_parts frees them one by one
    if last is not None:
        inputs.append(last.accepted.select(SUBJECT_INPUT))
    _step(progress, "subjects")
    _settled(reading)
    subject_ids, looked = _subjects_and_last_records(
        session, pl.concat(inputs) if inputs else None, records, stage_made,
        last is not None and (lambda: _record_frame(last.with_stored(last.accepted), item, profile, batch, agency,
                                                    clock.now())),
        last is not None and (lambda: _lookups(session, agency, item, last.accepted["decision_no"],
                                               single=not records)), registers=item.registers_subjects)
    inputs = last = None
    _step(progress, "write")
    written, subjects = _write_parts(session, batch, agency, item, records, subject_ids, totals, looked)
    refused = [{"column": h, "class": c, "citation": cit} for h, c, cit in first.refused_columns]
    named = _new_subjects(session, batch)
    _complete(session, batch, total_rows, totals, {"ignored_columns": first.ignored_columns,
                                                     "refused_columns": refused})
    run_hook("on_batch_ingested", session, batch.id)   # red-list ends, rights notices: in this transaction
    upto = outbox.record(session, batch.id, also=named)  # change feed, evaluation (names: the worker) after the commit
    _step(progress, "done")
    return BatchOutcome(batch_id=batch.id, status="completed", item=item.code, total_rows=total_rows,
                        ignored_columns=first.ignored_columns, refused_columns=refused, outbox_upto=upto,
                        outbox_left=bool(named),
                        written=written, subjects=subjects, **totals)


VALIDATE_AHEAD = 2   # parts validated in threads while the caller takes in an earlier part's result


def _validated(parts, item, profile, today: dt.date, sender: str | None = None):
    """(the validation of each part as a future, is the last part), in order. Up to
    VALIDATE_AHEAD later parts are validated in threads meanwhile: polars runs without the GIL,
    and one validation alone keeps the two cores about 1.5 busy (its single-column steps), while
    the caller's work on a result (rejections stored, records built) is mostly
    serial. Validation is pure, so the results are those of one part after the other; when the
    caller stops (a refused batch, an error), the parts not yet started are cancelled and the
    running ones waited for."""
    pool = concurrent.futures.ThreadPoolExecutor(VALIDATE_AHEAD, thread_name_prefix="validate")
    pending: list = []
    try:
        for n, (part, final) in enumerate(parts):
            # a batch of one part: the columns only its records store are made beside the subjects'
            # merge (ValidationResult.with_stored); a larger batch's parts are validated in threads
            # ahead, and its last part's records built while it holds all the others' (peak memory)
            pending.append((pool.submit(contextvars.copy_context().run, validate, part, item, profile, today,
                                        defer_stored=final and n == 0, sender_uscc=sender), final))
            part = None
            if len(pending) > VALIDATE_AHEAD:
                yield pending.pop(0)
        while pending:
            yield pending.pop(0)
    finally:
        pending.clear()
        pool.shutdown(wait=True, cancel_futures=True)


SUBJECT_KEY_ROLES = ("subject_uscc", "subject_id_number", "legal_rep_id_number")
READ_KEY_PAGES_FROM_ROWS = 1_000   # below, the pages a batch's merge reads are few: not read ahead


def _read_subject_key_pages(session, frame: pl.DataFrame, item) -> concurrent.futures.Future | None:
    """PostgreSQL, a batch of one part and READ_KEY_PAGES_FROM_ROWS rows or more: the subjects'
    key index pages its merge will need are read on a connection of its own while this one
    validates (subjects.repository.read_key_pages); returns the reading, None if none. The USCCs
    and ID numbers are taken from the file as it is (validation normalises them later): a value
    read wrong costs a page read for nothing, never a result. Not for a larger batch: in the one
    A/B run of a 100,000-row batch (two parts) it validated ~0.1 s slower beside the reading
    (its ID numbers are hashed in Python) and merged no faster."""
    bind = session.get_bind()
    if (not READ_KEY_PAGES_FROM_ROWS <= frame.height <= VALIDATE_CHUNK_ROWS or bind.dialect.name != "postgresql"
            or not isinstance(bind, Engine)):
        return None
    roles = {}
    for header in frame.columns:
        field = item.field_for_header(header)
        if field is not None and field.role in SUBJECT_KEY_ROLES and frame.schema[header] == pl.Utf8:
            roles.setdefault(field.role, []).append(frame[header])
    if not roles:
        return None
    usccs = pl.concat(roles.get("subject_uscc", [pl.Series([], dtype=pl.Utf8)]))
    ids = pl.concat(roles.get("subject_id_number", []) + roles.get("legal_rep_id_number", [])
                    or [pl.Series([], dtype=pl.Utf8)])
    pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="key-pages")
    try:
        return pool.submit(contextvars.copy_context().run, read_key_pages, bind, usccs, ids)
    finally:
        pool.shutdown(wait=False)


def _settled(reading: concurrent.futures.Future | None) -> None:
    """Wait for the read-ahead (if any) to end; its failure only costs its gain."""
    if reading is not None and reading.exception() is not None:
        log.warning("reading the subjects' key pages ahead failed: %s", reading.exception())


def _subjects_and_last_records(session, inputs: pl.DataFrame | None, records: list, stage_made: bool, build,
                               lookups=None, registers: bool = False) -> tuple[pl.Series | None, dict | None]:
    """The batch's subjects resolved (one merge); the last part's records (``build()``, if any)
    appended to ``records``. On PostgreSQL the subjects are resolved on the session's connection in a
    thread while this one builds the records: the server inserts the new subjects while the
    client works (one after the other, a 10,000-row batch's ~40 ms of record building waited on
    the merge or the merge on it); on SQLite the records are built in a thread beside the
    merge. ``lookups()`` (the look-ups of the writes that need no subject, ``_lookups``) run
    first, beside the merge on a connection of their own when the session has an engine
    (``_beside``), else on the session before the merge starts. ``stage_made``: the merge's stage
    table was made ahead (``make_stage``). Returns the
    subject ids and what ``lookups`` found (None: not run; SQLite, or no records)."""
    if inputs is None:
        return None, None
    if not build:
        return resolve_subjects(session, inputs, stage_made=stage_made, registers=registers), None
    if bulk.dialect(session) != "postgresql":
        # SQLite: the merge runs on this thread (sqlite3 steps without the GIL), the last part's
        # records are built on another meanwhile (polars builds without it)
        with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="records") as pool:
            building = pool.submit(contextvars.copy_context().run, build)
            try:
                subject_ids = resolve_subjects(session, inputs, registers=registers)
            finally:
                concurrent.futures.wait([building])   # a failure of the merge is the one raised
            records.append(building.result())
        return subject_ids, None
    beside = _beside(session)
    looked = lookups() if lookups and not beside else None
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="subjects") as pool:
        # the stage made here, before anything beside it: made beside the look-ups and the records'
        # building it took 14-33 ms instead of ~7, and the merge waited on it
        resolving = pool.submit(contextvars.copy_context().run, resolve_subjects, session,
                                staged=stage_frame(inputs), stage_made=stage_made, registers=registers)
        inputs = None
        try:
            if lookups and beside:
                looked = lookups()
            records.append(build())
        except BaseException:
            # the first failure is the one raised: with the server gone, the look-ups get the
            # OperationalError (answered 503 with Retry-After), the merge's thread an error of its
            # own (on the session's connection, possibly one that would be answered 500)
            concurrent.futures.wait([resolving])
            raise
        subject_ids = resolving.result()
    return subject_ids, looked


def _beside(session) -> Engine | None:
    """The engine a look-up beside the session's own statements runs on (a connection of its
    own): PostgreSQL, a session bound to an engine; else None."""
    bind = session.get_bind()
    return bind if bind.dialect.name == "postgresql" and isinstance(bind, Engine) else None


def _lookups(session, agency, item, decision_nos: pl.Series, single: bool) -> dict:
    """What the writes look up that does not depend on the subjects, for the last part (its
    decision numbers): whether re-sends are possible, the last part's re-sent decisions, and for
    a batch of one part the ids of its new records. On PostgreSQL with an engine they are read
    on a connection of their own, beside the subjects merge on the session's (a 10,000-row
    batch's ~25-50 ms of look-ups delayed the merge's first statement): reads of committed rows
    (the batch has written no record yet, so its own transaction would see the same) and ids from
    the sequence (taken outside any transaction either way). If an earlier batch's feed events
    are pending (``outbox.earlier_pending``: only after a crash) the writes apply them on the
    session first (``earlier``); on the session, ``_resends_possible`` applies them at once."""
    engine = _beside(session)
    if engine is None:
        possible = _resends_possible(session, agency, item)
        return {"possible": possible, "earlier": False,
                **_existing_and_ids(session, agency, item, decision_nos, single, possible)}
    from xinyong.db import session_factory
    with session_factory(engine)() as other:
        try:
            possible = repository.has_records(other, agency.id, item.code)
            earlier = possible and outbox.earlier_pending(other, agency.id, item.code)
            return {"possible": possible, "earlier": earlier,
                    **_existing_and_ids(other, agency, item, decision_nos, single, possible)}
        finally:
            other.rollback()


def _existing_and_ids(session, agency, item, decision_nos: pl.Series, single: bool, possible: bool) -> dict:
    existing = (repository.existing_records(session, agency.id, item.code, decision_nos) if possible
                else repository.NO_EXISTING)
    ids = repository.reserve_record_ids(session, decision_nos.len() - existing.height) if single else None
    return {"existing": existing, "ids": ids}


def _resends_possible(session, agency, item) -> bool:
    """Whether a row of the batch can re-send an earlier record: only with an earlier record of
    this agency and item (an agency's first batch of an item, e.g. its historical load, has
    none: the re-send look-up is skipped; repeats inside the batch are caught by validation,
    each within its part). If so, an earlier batch's feed events are applied before this one's
    (only a crash leaves them pending)."""
    possible = repository.has_records(session, agency.id, item.code)
    if possible:
        outbox.before_resend(session, agency.id, item.code)
    return possible


SUBJECT_INPUT = ("subject_kind", "subject_name", "subject_uscc", "subject_resident_id", "subject_other_id",
                 "legal_rep_name", "legal_rep_resident_id")


def _write_parts(session, batch, agency, item, records: list[pl.DataFrame], subject_ids: pl.Series | None,
                 totals: dict, looked: dict | None = None) -> tuple[dict | None, pl.Series | None]:
    """Each part's records with their subjects: new ones loaded, re-sent ones updated. Returns
    the details of the publication leaves, already stored (``_publish``), and, if no row
    re-sent a record, the distinct subjects of the records written (those of a re-send that
    changed nothing keep their earlier batch: only the records can say which did). ``looked``:
    what ``_lookups`` found for the last part, if it ran."""
    if not records:
        return None, None
    if looked is not None and looked["earlier"]:   # found pending beside the merge: applied here, first
        outbox.before_resend(session, agency.id, item.code)
    resends_possible = looked["possible"] if looked is not None else _resends_possible(session, agency, item)
    reason = batch.change_reason or f"由来源单位在批次 {batch.id} 中重新报送 / re-sent by the source in batch {batch.id}"
    fresh, resent, offset = [], [], 0
    while records:   # each taken out of the list (peak memory)
        part = records.pop(0)
        part = part.with_columns(subject_ids.slice(offset, part.height).alias("subject_id"))
        offset += part.height
        new, again = _split_resent(session, agency, item, part, resends_possible,
                                   looked["existing"] if looked is not None and not records else None)
        fresh.append(new)
        resent.append(again)
    fresh_all, resent_all = pl.concat(fresh), pl.concat(resent)
    fresh = resent = None
    # re-sends first: they keep their records' ids, all below the new records' ids
    updated = repository.update_records(session, resent_all, batch_id=batch.id, reason=reason, now=clock.now(),
                                        user_id=batch.submitted_by)
    totals["created"] += fresh_all.height
    totals["updated"] += updated
    totals["unchanged"] += resent_all.height - updated
    # one load, in subject order: the per-subject indexes take their new entries in key order
    # (a new subject's at the right edge) rather than one random leaf page per row
    order = fresh_all.select(pl.arg_sort_by("subject_id", "decision_date", maintain_order=True)).to_series()
    written = pl.concat([f.select("row_no", *PUBLISHED_COLUMNS) for f in (resent_all, fresh_all)])
    subjects = None if resent_all.height else fresh_all["subject_id"].unique().sort()
    return _publish(session, batch, fresh_all, order, written, resent_all.height,
                    looked["ids"] if looked is not None else None), subjects


def _publish(session, batch, fresh: pl.DataFrame, order: pl.Series, written: pl.DataFrame, resent: int,
             ids: pl.Series | None = None) -> dict:
    """The new records' ids are taken before the load, in load order (the ids the load would
    have given them: from the sequence on PostgreSQL, past max(id) under the batch's write lock
    on SQLite), so their publication leaves are built and hashed in a thread while the records
    load (the server, or sqlite3 stepping without the GIL); then the leaves are stored. The
    result is the same as ``record_batch`` reading the ids back after the load. ``ids``: the
    new records' ids if already taken (``_lookups``)."""
    first = written.height - fresh.height   # the re-sent rows come first in `written`
    changed = (written.slice(0, first).select("row_no").with_row_index("__i")
               .join(transparency_repository.batch_record_ids(session, batch.id), on="row_no", how="inner")
               .sort("id").select("__i", "id", "version")) if resent else None
    if ids is None or ids.len() != fresh.height:
        ids = repository.reserve_record_ids(session, fresh.height)
    fresh = fresh.with_columns(pl.zeros(fresh.height, pl.Int64, eager=True).scatter(order, ids).alias("id"))
    new = pl.DataFrame({"__i": (order + first).cast(pl.UInt32), "id": ids,
                        "version": pl.repeat(1, fresh.height, dtype=pl.Int64, eager=True)})
    positions = new if changed is None else pl.concat([changed.cast({"__i": pl.UInt32}), new])
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="leaves") as pool:
        built = pool.submit(publications.build, batch.id, written, positions)
        repository.insert_records(session, fresh, order, with_ids=True)
        fresh = None
        built = built.result()
    return publications.store(session, batch.id, built)


def _split_resent(session, agency, item, records: pl.DataFrame, resends_possible: bool,
                  existing: pl.DataFrame | None = None):
    """(new records, re-sent ones with the id of the record they re-send); ``existing``: the
    stored decisions of these records if already looked up."""
    if existing is None:
        existing = (repository.existing_records(session, agency.id, item.code, records["decision_no"])
                    if resends_possible else repository.NO_EXISTING)
    records = records.join(existing, on="decision_no", how="left", maintain_order="left")
    return (records.filter(pl.col("record_id").is_null()).drop("record_id"),
            records.filter(pl.col("record_id").is_not_null()).rename({"record_id": "id"}))


PUBLISHED_COLUMNS = [c for c in leaves.LEAF_COLUMNS if c not in ("id", "version")]


def _partitions(frame: pl.DataFrame, item):
    """The batch in parts of about VALIDATE_CHUNK_ROWS rows, split by a hash of the decision
    number, so that every repeat of a decision number meets its first row in the same part
    and is caught by validation; row order inside a part is kept. Yields (part, is the last).

    The parts are cut all at once and the frame let go (the caller holds no reference of its
    own: ``_ingest_frame``); each part is handed over as it is yielded, so a part's rows are
    freed once it is validated. The validated parts' records are then held as frames: with the
    whole file held until its last part was validated, they had to be held LZ4-packed (a
    1M-row batch peaked at 2.6 GB as frames), and packing and unpacking them cost that batch
    ~1.3 s.

    Each part is rechunked: a part keeps the chunks of the frame it is cut from, and the CSV
    reader cuts a file into many small chunks when polars has one thread (POLARS_MAX_THREADS=1,
    the default on a one-core host), so a part can start with an empty chunk. polars 2.1.0's
    ``pl.format`` over a number or date cast to text panics on such a column
    (binview/mod.rs:413 ``i < self.len()``, in rules._accepted's severity basis)."""
    parts = -(-frame.height // VALIDATE_CHUNK_ROWS)
    column = _decision_column(frame, item)
    if parts <= 1 or column is None:
        yield frame.rechunk(), True
        return
    name = next(n for n in (PART_KEY + "_" * k for k in range(frame.width + 1)) if n not in frame.columns)
    key = (frame[column].fill_null("").hash(seed=0) % parts).alias(name)   # a name no header of the file has
    columns, pieces = frame.columns, []
    for at in range(0, len(columns), PART_COLUMNS):
        # a few columns at a time, each taken out of the frame first: the frame's memory is let go
        # as its parts are made (cut at once, a 1M-row file's parts and the file peaked at 1.9 GB)
        group = pl.DataFrame([frame.drop_in_place(c) for c in columns[at:at + PART_COLUMNS]] + [key])
        pieces.append(group.partition_by(name, maintain_order=True, include_key=False, as_dict=True))
        group = None
    frame = key = None
    buckets = sorted(pieces[0])   # the non-empty ones: the last of them is the last part
    for i in buckets:
        yield pl.concat([p.pop(i) for p in pieces], how="horizontal").rechunk(), i == buckets[-1]


PART_KEY = "__part"
PART_COLUMNS = 4   # the file's columns cut in parts this many at a time


def _decision_column(frame: pl.DataFrame, item) -> str | None:
    wanted = item.field_by_role("decision_no")
    return next((h for h in frame.columns if wanted and item.field_for_header(h) is wanted), None)


def _new_subjects(session, batch) -> tuple[str, ...]:
    """The ids of the subjects the batch created, kept on the batch; the hooks that owes (their
    names copied into the name search after the commit, by the worker: subjects/names.py)."""
    created = names.take_created(session)
    if created is None:
        return ()
    batch.subjects_from, batch.subjects_to = created   # written with the batch's completion
    return (names.HOOK,)


def _complete(session, batch, total_rows: int, totals: dict, notes: dict) -> None:
    batch.status = "completed"
    batch.total_rows = total_rows
    batch.accepted_rows, batch.rejected_rows = totals["accepted"], totals["rejected"]
    batch.created_records, batch.updated_records = totals["created"], totals["updated"]
    batch.unchanged_records = totals["unchanged"]
    batch.notes = notes
    batch.completed_at = clock.now()
    session.flush()


def _record_frame(accepted: pl.DataFrame, item, profile, batch, agency, now: dt.datetime) -> pl.DataFrame:
    frame = accepted.select("row_no", "decision_no", "decision_date", "valid_to", "severity",
                            "severity_basis", "fields_json")
    frame = _publicity(frame, item, profile).rename({"fields_json": "fields"})
    published = pl.col("publicity_published") & pl.lit(item.disclosure == "public")
    return frame.with_columns(
        published.alias("publicity_published"),   # citations as short codes, as the model stores them
        _encoded(frame, "publicity_citation"), _encoded(frame, "severity_basis"),
        pl.lit(item.code).alias("item_code"), pl.lit(agency.id, pl.Int64).alias("source_agency_id"),
        pl.lit(item.disclosure).alias("disclosure"), pl.lit("active").alias("status"),
        pl.lit(1, pl.Int32).alias("version"), pl.lit(batch.id, pl.Int64).alias("batch_id"),
        pl.lit(now).dt.replace_time_zone(None).alias("received_at"),
        pl.lit(now).dt.replace_time_zone(None).alias("updated_at"),
    )


def _encoded(frame: pl.DataFrame, column: str) -> pl.Expr:
    """``citation_codes.encode_expr`` of a column, once per distinct value (a part's publicity
    citations are a few, its severity bases a third of its rows), mapped back to the rows."""
    distinct = frame.select(pl.col(column).unique().drop_nulls()).to_series()
    coded = pl.select(citation_codes.encode_expr(pl.lit(distinct))).to_series()
    return pl.col(column).replace_strict(distinct, coded, default=None, return_dtype=pl.String)


def _publicity(frame: pl.DataFrame, item, profile) -> pl.DataFrame:
    if item.publicity_rule:   # by the rule's shape, the same for every item (disclosure.rules)
        out = item_publicity_frame(frame, profile, item.publicity_rule, clock.today()).drop("sector", strict=False)
    else:
        out = frame.with_columns(
            pl.lit(False).alias("publicity_published"), pl.col("decision_date").alias("publicity_start"),
            pl.col("decision_date").alias("publicity_end"), pl.lit(None, pl.Date).alias("publicity_min_end"),
            pl.lit(f"catalogue item {item.code}: disclosure {item.disclosure}, not published").alias(
                "publicity_citation"))
    return out


# the steps an ingest reports to its `progress` callback, in order ("validate" once per part)
STEPS = ("read", "validate", "subjects", "write", "done", "committed")


def _step(progress, name: str) -> None:
    if progress is not None:
        progress(name)
