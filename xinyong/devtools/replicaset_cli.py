"""`scripts/replicaset.sh <command>`: a primary and a synchronous standby on this machine, for
trying failover and point-in-time restore by hand (docs/RELIABILITY.md). State lives in
--dir (default var/replicaset); every command prints what to do next."""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from xinyong.devtools.pgcluster import PgClusterError
from xinyong.devtools.replicaset import STATE_FILE, ReplicaSet


def _env(rs: ReplicaSet) -> None:
    print(f"export XINYONG_DATABASE_URL='{rs.url}'")
    print(f"export XINYONG_READ_DATABASE_URL='{rs.read_url}'")


def start(base: Path, _args) -> None:
    if (base / STATE_FILE).exists():
        rs = ReplicaSet.load(base)
        rs.start_stopped()
    else:
        rs = ReplicaSet.create(base)
        print(f"created in {base}: primary on port {rs.primary.port}, synchronous standby on {rs.standby.port}")
    _env(rs)
    print("# then, in a shell with the two exports: .venv/bin/xinyong init && .venv/bin/xinyong demo && "
          "XINYONG_DEV=1 .venv/bin/xinyong serve")
    print("# or all of it, two app nodes behind nginx and a worker included: scripts/cluster.sh --replicaset")


def status(base: Path, _args) -> None:
    rs = ReplicaSet.load(base)
    for role, node in (("primary", rs.primary), ("standby", rs.standby)):
        up = bool(node.server_pids())
        detail = ""
        if up:
            recovering = node.scalar("SELECT pg_is_in_recovery()")
            detail = "in recovery (standby)" if recovering else "accepting writes"
        print(f"{role}: {node.data} port {node.port}: {'up, ' + detail if up else 'DOWN'}")
    print("synchronous standby streaming" if rs.healthy() else "NO synchronous standby: "
          "commits are not copied to a second server (rebuild-standby)")


def kill_primary(base: Path, _args) -> None:
    rs = ReplicaSet.load(base)
    print(f"kill -9 of {rs.kill_primary()} processes of the primary (port {rs.primary.port}); "
          "now: scripts/replicaset.sh promote")


def promote(base: Path, _args) -> None:
    rs = ReplicaSet.load(base)
    print(f"standby promoted in {rs.promote():.2f} s; it is the primary on port {rs.primary.port}. The application "
          "follows by itself (target_session_attrs=read-write). Then: scripts/replicaset.sh rebuild-standby")


def rebuild_standby(base: Path, _args) -> None:
    rs = ReplicaSet.load(base)
    old_port = rs.standby.port
    rs.rebuild_standby()
    print(f"new synchronous standby on port {rs.standby.port}, cloned from the primary on port {rs.primary.port}")
    if rs.standby.port == old_port:
        print("# on the old primary's port: running processes keep their URL and follow the next failover too")
    else:
        print("# the old primary's port was taken, so the URL changed: restart the platform with these")
        _env(rs)


def backup(base: Path, args) -> None:
    rs = ReplicaSet.load(base)
    path = rs.base_backup(args.name)
    print(f"base backup in {path}; WAL is archived to {base / 'archive'} continuously")


def restore(base: Path, args) -> None:
    rs = ReplicaSet.load(base)
    target = dt.datetime.fromisoformat(args.to) if args.to else None
    if target is not None and target.tzinfo is None:
        raise SystemExit("--to needs a time zone, e.g. 2026-12-04T15:00:00+08:00")
    rs.archive_now()
    node = rs.restore(Path(args.backup), target)
    rs.save()
    print(f"restored to {args.to or 'the end of the archive'} on port {node.port} ({node.data})")
    print(f"export XINYONG_DATABASE_URL='{rs.node_url(node)}'")
    print("# check it: .venv/bin/xinyong audit verify   (with XINYONG_TRANSPARENCY_ARCHIVE = the heads published "
          "before that time)")


def stop(base: Path, _args) -> None:
    ReplicaSet.load(base).stop()
    print("stopped (scripts/replicaset.sh start starts it again)")


def destroy(base: Path, _args) -> None:
    ReplicaSet.load(base).destroy()
    print(f"removed {base}")


COMMANDS = {"start": start, "status": status, "kill-primary": kill_primary, "promote": promote,
            "rebuild-standby": rebuild_standby, "backup": backup, "restore": restore, "stop": stop,
            "destroy": destroy}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/replicaset.sh", description=__doc__)
    parser.add_argument("--dir", default="var/replicaset", help="where the clusters, archive and backups live")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        p = sub.add_parser(name)
        if name == "backup":
            p.add_argument("name", nargs="?", default=None)
        if name == "restore":
            p.add_argument("backup", help="a directory under <dir>/backups")
            p.add_argument("--to", default=None, help="recovery_target_time, ISO 8601 with a zone")
    args = parser.parse_args(argv)
    base = Path(args.dir).resolve()
    try:
        COMMANDS[args.command](base, args)
    except (PgClusterError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
