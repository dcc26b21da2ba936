"""Where the shared entry points find each domain's contribution, by module name: CLI command
groups, sweep steps, demo steps and hooks. Every listed module must exist and expose the named
attribute (tests/test_architecture.py checks them all), so a missing one fails loudly."""
from __future__ import annotations

import importlib
import threading
from types import ModuleType

# (sub-command name, module exposing `app`: a typer.Typer)
COMMAND_GROUPS = (
    ("calendar", "xinyong.calendar.commands"),
    ("deadlines", "xinyong.deadlines.commands"),
    ("repair", "xinyong.repair.commands"),
    ("lists", "xinyong.lists.commands"),
    ("feed", "xinyong.feed.commands"),
    ("measures", "xinyong.measures.commands"),
    ("evaluation", "xinyong.evaluation.commands"),
    ("reports", "xinyong.reports.commands"),
    ("peers", "xinyong.peers.commands"),
    ("worker", "xinyong.worker.commands"),
    ("upstream", "xinyong.upstream.commands"),
)

# modules exposing `run_sweep(session, today) -> dict[str, int | str]`, run in this order by
# `xinyong sweep` inside one unit of work
SWEEPS = (
    "xinyong.disclosure.sweep",
    "xinyong.lists.sweep",
    "xinyong.feed.sweep",
    "xinyong.deadlines.sweep",
    "xinyong.commitments.sweep",
    "xinyong.evaluation.sweep",
    "xinyong.accounts.sweep",
)

# modules exposing `load(session, ctx: DemoContext) -> list[str]` (summary lines), run by
# `xinyong demo` after the city is ingested, each in its own unit of work
DEMO_STEPS = (
    "xinyong.demo.objections",
    "xinyong.demo.repair",
    "xinyong.demo.lists",
    "xinyong.demo.complaints",
    "xinyong.demo.measures",
    "xinyong.demo.evaluation",
    "xinyong.demo.reports",
    "xinyong.demo.roles",
    "xinyong.demo.market",      # after roles: bank-demo provides market information (QZ art. 12)
    "xinyong.demo.examples",
    "xinyong.demo.bulletins",
    "xinyong.demo.credit_services",   # the register of credit service agencies (issue 15 point 3)
)


# the worker's job kinds (issue 16 point 1): kind -> "module:function(payload: dict) -> dict | None".
# A schedule of the settings (XINYONG_WORKER_SCHEDULES) queues the job of its own name; any code
# may queue any kind with xinyong.worker.service.enqueue in its own transaction.
JOBS = {
    "sweep": "xinyong.worker.tasks:daily_sweep",
    "transparency": "xinyong.worker.tasks:tree_head",
    "feed.deadlines": "xinyong.worker.tasks:feed_deadlines",
    "evaluation.recompute": "xinyong.worker.tasks:evaluation_recompute",
    "ingest.outbox": "xinyong.ingest.outbox:drain_job",
    "partitions": "xinyong.worker.tasks:partition_maintenance",
    "peers.sync": "xinyong.peers.service:sync_job",   # QZ art. 6, FZ art. 7: peers' punitive lists
    "upstream": "xinyong.upstream.worker:run_job",
}


# modules exposing refusal(...) and screen(...), applied to every batch in this order
# (xinyong/ingest/gates.py): market information only from approved providers, under authorisation
BATCH_GATES = ("xinyong.market.gate",)


def load(name: str) -> ModuleType:
    return importlib.import_module(name)


# In-process reactions of one domain to another's committed-to-be change, called inside the
# same unit of work (so they commit or roll back together). Each listed module exposes a
# function of the hook's name:
#   on_batch_ingested(session, batch_id: int) -> None        after a batch's records are written
#   on_records_repaired(session, subject_id: int, record_ids: list[int], today) -> None
#   on_repair_revoked(session, subject_id: int, record_ids: list[int], today) -> None
#   on_records_corrected(session, subject_id: int, record_ids: list[int], today) -> None
#   on_objection_opened / on_objection_closed(session, subject_id: int, record_ids: list[int], today) -> None
#   on_tree_head_signed(session, head: dict) -> None                the published document of a new signed tree head
HOOKS = {
    "on_batch_ingested": ("xinyong.lists.hooks", "xinyong.objections.hooks"),
    "on_records_repaired": ("xinyong.lists.hooks", "xinyong.measures.hooks", "xinyong.feed.hooks",
                            "xinyong.evaluation.hooks"),
    "on_repair_revoked": ("xinyong.lists.hooks", "xinyong.feed.hooks", "xinyong.evaluation.hooks"),
    "on_records_corrected": ("xinyong.lists.hooks", "xinyong.measures.hooks", "xinyong.feed.hooks",
                             "xinyong.evaluation.hooks"),
    "on_objection_opened": ("xinyong.feed.hooks",),
    "on_objection_closed": ("xinyong.feed.hooks",),
    "on_tree_head_signed": ("xinyong.feed.hooks",),
}


# Hooks of a batch applied after its commit from the ingest outbox (xinyong/ingest/outbox.py,
# issue 14 point 1), in this order, each as on_batch_ingested(session, batch_id, today=<the
# day of the batch's commit>) in a transaction that also marks it applied. The in-transaction
# ones above are those a reader must never see out of step with the records (docs/WORKER.md).
AFTER_COMMIT_HOOKS = {
    "on_batch_ingested": ("xinyong.feed.hooks", "xinyong.evaluation.hooks", "xinyong.subjects.hooks"),
}
# Of those, the ones the ingest leaves to the worker (its job queued with the batch) instead of
# applying them before it answers: nothing a reader sees waits for them. The names of the
# subjects a batch created (the name-search table, issue 14 point 2: found meanwhile by the
# batch's id range, xinyong/subjects/names.py). A batch owes their rows only when it says so
# (xinyong.ingest.outbox.record's ``also``).
LEFT_TO_WORKER = {
    "on_batch_ingested": ("xinyong.subjects.hooks",),
}


def preload(hook: str) -> None:
    """Import the modules of `hook` (in-transaction and after-commit) in a thread, so that a
    process's first call of it does not wait for them: a cold ``xinyong ingest`` of 1M rows
    imported the lists' hook module (PDF documents, schemas) for ~0.3 s after its records were
    written. A failed import is left to the hook's own call to raise."""
    def imports() -> None:
        for name in (*HOOKS.get(hook, ()), *AFTER_COMMIT_HOOKS.get(hook, ())):
            try:
                load(name)
            except Exception:   # noqa: BLE001 - raised again, with its traceback, where the hook runs
                return

    threading.Thread(target=imports, name=f"preload-{hook}", daemon=True).start()


def run_hook(hook: str, *args, **kwargs) -> None:
    for name in HOOKS[hook]:
        getattr(load(name), hook)(*args, **kwargs)
