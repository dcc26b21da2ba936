"""A worker process for the tests: `python -m tests.worker.worker_process LOG SECONDS`.

It runs the platform's own Worker loop (xinyong.worker.runner) with two test job kinds and the
transparency schedule's job replaced by a recorder, and appends one line per job execution to
LOG ("start|done <job kind> <job id or slot> <worker name>"), with O_APPEND so that lines of
several processes do not mix. With WORKER_TEST_BLOCK=1 the "test.block" job blocks (until the
process is killed)."""
from __future__ import annotations

import os
import sys
import threading
import time


def _line(path: str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (text + "\n").encode())
    finally:
        os.close(fd)


def main(log: str, seconds: float) -> None:
    from xinyong.worker import runner
    worker = runner.Worker()

    def recorder(kind: str, block: bool = False):
        def handle(payload: dict) -> dict:
            key = payload.get("n", payload.get("slot"))
            _line(log, f"start {kind} {key} {worker.name}")
            if block and os.environ.get("WORKER_TEST_BLOCK") == "1":
                time.sleep(3600)
            time.sleep(float(payload.get("sleep", 0.02)))
            _line(log, f"done {kind} {key} {worker.name}")
            return {"n": key}
        return handle

    runner.register("test.record", recorder("test.record"))
    runner.register("test.block", recorder("test.block", block=True))
    runner.register("transparency", recorder("transparency"))
    threading.Timer(seconds, worker.stop.set).start()
    _line(log, f"up - - {worker.name}")
    worker.run_forever()


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]))
