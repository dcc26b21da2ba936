"""The process a crash trial kills: ``python -m tests.faults.child ARGS...`` runs the `xinyong`
command ARGS (``ingest ...``, ``worker --once``, ``serve ...``) unchanged, with two additions
read from the environment, both installed by wrapping module attributes before the command
starts (no platform code is changed for the trials):

- XINYONG_FAULT_READY=PATH: a line is appended to PATH when the work under trial begins (the
  ingest enters ``ingest_file``; the worker starts applying the outbox), so the parent times
  its random kill from there and not from the interpreter's start-up.
- XINYONG_FAULT_PHASES=PATH: a line "PHASE TIME" is appended to PATH as the work reaches each
  phase (the ingest's steps, xinyong/ingest/service.py STEPS; the commit; each outbox hook), so a
  trial can say which phase a random kill landed in.
- XINYONG_FAULT_POINT=NAME: the process kills itself with SIGKILL at a targeted point:
    before_commit  the batch and its outbox rows are written, the transaction not committed
    after_commit   the batch is committed, its outbox not applied (the ingest's own application)
    mid_outbox     the first after-commit hook (the change feed) has written its events, not committed
    second_hook    the first hook is committed, the second (the evaluation) not started
"""
from __future__ import annotations

import os
import signal
import sys
import time


def _die() -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def _mark_ready() -> None:
    path = os.environ.get("XINYONG_FAULT_READY")
    if path:
        with open(path, "a") as fh:
            fh.write(f"{time.time()}\n")


def _phase(name: str):
    def mark(*_args, **_kwargs) -> None:
        path = os.environ.get("XINYONG_FAULT_PHASES")
        if path:
            with open(path, "a") as fh:
                fh.write(f"{name} {time.time()}\n")
    return mark


def install(point: str | None) -> None:
    from xinyong.evaluation import hooks as evaluation_hooks
    from xinyong.feed import hooks as feed_hooks
    from xinyong.ingest import outbox, service

    def wrap(module, name, before=None, after=None):
        original = getattr(module, name)

        def wrapped(*args, **kwargs):
            if before:
                before()
            result = original(*args, **kwargs)
            if after:
                after()
            return result
        setattr(module, name, wrapped)

    wrap(service, "ingest_file", before=_mark_ready)
    wrap(outbox, "apply_pending", before=_mark_ready)
    step = service._step
    service._step = lambda progress, name: (_phase(name)(), step(progress, name))
    wrap(outbox, "commit_and_apply", before=_phase("commit"))
    wrap(feed_hooks, "on_batch_ingested", before=_phase("outbox:feed"), after=_phase("outbox:feed-written"))
    wrap(evaluation_hooks, "on_batch_ingested", before=_phase("outbox:evaluation"),
         after=_phase("outbox:evaluation-written"))
    if point == "before_commit":
        wrap(outbox, "commit_and_apply", before=_die)
    elif point == "after_commit":
        wrap(outbox, "apply_after_commit", before=_die)
    elif point == "mid_outbox":
        wrap(feed_hooks, "on_batch_ingested", after=_die)
    elif point == "second_hook":
        wrap(evaluation_hooks, "on_batch_ingested", before=_die)
    elif point:
        raise SystemExit(f"unknown fault point {point!r}")


def main() -> None:
    install(os.environ.get("XINYONG_FAULT_POINT") or None)
    from xinyong.cli import app
    app(sys.argv[1:], prog_name="xinyong")


if __name__ == "__main__":
    main()
