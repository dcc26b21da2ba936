"""A primary and a synchronous streaming standby on loopback ports, with a WAL archive, for
fault tests, trials and operators learning the procedure (issue 16 points 3 and 7).

Only PostgreSQL's own tools: `initdb`, `pg_basebackup`, `primary_conninfo` + `standby.signal`,
`synchronous_standby_names`, `pg_ctl promote`, `archive_command` / `restore_command` and
`recovery_target_time`. As root the clusters run as the `postgres` OS user (as in
xinyong.devtools.pgcluster). Layout under `base`:

    primary/  standby/     the two data directories (after a failover, standby/ is the primary)
    archive/               archived WAL (archive_command: cp), read back by restore_command
    backups/<name>/        base backups (pg_basebackup, plain format, WAL streamed in)
    restored-<n>/          clusters restored from a backup to a point in time
    *.log                  server logs
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

from xinyong.devtools.pgcluster import PgClusterError, _as_server_user, _find_bin, _free_port, _run, _wait

STANDBY_NAME = "standby1"
STATE_FILE = "replicaset.json"


def _conf_lines(opts: dict[str, str]) -> str:
    return "".join(f"{k} = {v}\n" for k, v in opts.items())


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _own(path: Path) -> None:
    if os.geteuid() == 0:
        subprocess.run(["chown", "-R", "postgres:postgres", str(path)], check=True)


@dataclasses.dataclass
class Node:
    name: str
    data: Path
    port: int

    @property
    def log(self) -> Path:
        return self.data.parent / f"{self.name}.log"

    def connect(self, dbname: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=dbname,
                               autocommit=True, connect_timeout=5)

    def scalar(self, sql: str, dbname: str = "postgres"):
        with self.connect(dbname) as conn:
            row = conn.execute(sql).fetchone()
        return None if row is None else row[0]

    def append_conf(self, opts: dict[str, str]) -> None:
        with open(self.data / "postgresql.auto.conf", "a") as fh:   # later lines win
            fh.write(_conf_lines(opts))

    def start(self, attempts: int = 3) -> None:
        """pg_ctl start; a port taken meanwhile by another process moves the node to a free one
        (the replica set's URL follows the nodes' ports); any other failure carries the log."""
        for attempt in range(attempts):
            try:
                _run([_find_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "120", "start"])
                break
            except PgClusterError as exc:
                tail = _log_tail(self, 12)
                if attempt + 1 == attempts or "already in use" not in tail:
                    raise PgClusterError(f"{exc} — {self.log}: {tail}") from None
                self.port = _free_port()
                self.append_conf({"port": str(self.port)})
        _wait(self.port, timeout=60)

    def stop(self, mode: str = "fast") -> None:
        if (self.data / "postmaster.pid").exists():
            subprocess.run(_as_server_user([_find_bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w",
                                            "-t", "60", "stop"]), capture_output=True)

    def server_pids(self) -> list[int]:
        """The postmaster and every process under it (backends, walsender, checkpointer …)."""
        with contextlib.suppress(OSError, ValueError, IndexError):
            top = int((self.data / "postmaster.pid").read_text().split()[0])
            if not _alive(top) or not _postmaster_of(top, self.data):
                # a stale postmaster.pid, left by a kill — and its pid possibly reused since by any
                # other process (pid_max may be 32768): a CI run lost its main group's PostgreSQL
                # to a kill -9 of a reused pid; only this data directory's postmaster is ours
                return []
            children: dict[int, list[int]] = {}
            for stat in Path("/proc").glob("[0-9]*/stat"):
                with contextlib.suppress(OSError, ValueError, IndexError):
                    fields = stat.read_text().rsplit(")", 1)[1].split()
                    children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
            found, todo = [], [top]
            while todo:
                pid = todo.pop()
                found.append(pid)
                todo.extend(children.get(pid, []))
            return found
        return []

    def kill9(self) -> int:
        """kill -9 the whole server at once, as a machine failure would stop it: the postmaster
        and all its processes (a postmaster killed alone leaves backends serving a while)."""
        pids = self.server_pids()
        if not pids:
            raise PgClusterError(f"{self.name} is not running")
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while any(Path(f"/proc/{pid}").exists() and _alive(pid) for pid in pids):
            if time.monotonic() > deadline:
                raise PgClusterError(f"{self.name}: processes survived SIGKILL")
            time.sleep(0.02)
        return len(pids)


def _log_tail(node: Node, lines: int = 6) -> str:
    with contextlib.suppress(OSError):
        return " | ".join(node.log.read_text(errors="replace").strip().splitlines()[-lines:])
    return f"see {node.log}"


def _bindable(port: int) -> bool:
    """The port is free: the rebuilt standby keeps the dead primary's, so the application's
    two-host URL still names both servers and a second failover needs no restart."""
    import socket
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)   # as PostgreSQL binds: the dead
        try:                                                      # server's TIME_WAIT sockets do not count
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _postmaster_of(pid: int, data: Path) -> bool:
    """The process is a PostgreSQL postmaster started on this data directory (`postgres -D data`)."""
    with contextlib.suppress(OSError):
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        if not args or not args[0].endswith(b"postgres"):
            return False
        given = [args[i + 1] for i, a in enumerate(args[:-1]) if a == b"-D"]
        return any(Path(g.decode()).resolve() == data.resolve() for g in given)
    return False


def _alive(pid: int) -> bool:
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    return False


@dataclasses.dataclass
class ReplicaSet:
    base: Path
    primary: Node
    standby: Node
    dbname: str = "xinyong"
    restored: int = 0

    # ---- addresses -----------------------------------------------------------------------
    @property
    def url(self) -> str:
        """The application's URL: both hosts; libpq takes the first that accepts writes."""
        hosts = "&".join(f"host=127.0.0.1:{n.port}" for n in (self.primary, self.standby))
        return (f"postgresql+psycopg://postgres@/{self.dbname}?{hosts}"
                "&target_session_attrs=read-write&connect_timeout=5")

    @property
    def read_url(self) -> str:
        """XINYONG_READ_DATABASE_URL: the standby (a hot standby serves reads), and the primary
        after it: libpq's prefer-standby takes a server in recovery when one answers, so reads
        stay on the standby while the primary is down, and go to whichever is the standby
        after a promotion and a rebuild (then on the dead primary's port)."""
        hosts = "&".join(f"host=127.0.0.1:{n.port}" for n in (self.standby, self.primary))
        return (f"postgresql+psycopg://postgres@/{self.dbname}?{hosts}"
                "&target_session_attrs=prefer-standby&connect_timeout=5")

    def node_url(self, node: Node) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{node.port}/{self.dbname}"

    # ---- life cycle ----------------------------------------------------------------------
    @classmethod
    def create(cls, base: Path | None = None, dbname: str = "xinyong", durable: bool = True) -> "ReplicaSet":
        """initdb a primary, pg_basebackup a standby from it, start both; the standby is the
        primary's synchronous standby (a commit returns once the standby has its WAL)."""
        base = Path(base or tempfile.mkdtemp(prefix="xinyong-replicaset-"))
        (base / "archive").mkdir(parents=True, exist_ok=True)
        (base / "backups").mkdir(exist_ok=True)
        _own(base)
        os.chmod(base, 0o700)
        rs = cls(base, Node("primary", base / "primary", _free_port()), Node("standby", base / "standby", _free_port()),
                 dbname)
        rs._init_primary(durable)
        rs._clone_standby()
        rs.require_sync()
        rs.save()
        return rs

    def _init_primary(self, durable: bool) -> None:
        p = self.primary
        _run([_find_bin("initdb"), "-D", str(p.data), "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8", "-A", "trust"])
        p.append_conf({
            "listen_addresses": "'127.0.0.1'", "port": str(p.port), "unix_socket_directories": _quote(str(self.base)),
            "wal_level": "replica", "max_wal_senders": "10", "max_replication_slots": "10", "hot_standby": "on",
            "synchronous_commit": "on",
            "archive_mode": "on", "archive_command": _quote(f"test ! -f {self.base}/archive/%f && cp %p "
                                                             f"{self.base}/archive/%f"),
            "wal_keep_size": "'256MB'", "shared_buffers": "'64MB'", "max_connections": "60",
            "fsync": "on" if durable else "off", "full_page_writes": "on"})
        p.start()
        with p.connect() as conn:
            conn.execute(f'CREATE DATABASE "{self.dbname}"')

    def _conninfo(self) -> str:
        return _quote(f"host=127.0.0.1 port={self.primary.port} user=postgres application_name={STANDBY_NAME}")

    def _clone_standby(self) -> None:
        s = self.standby
        _run([_find_bin("pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.primary.port), "-U", "postgres",
              "-D", str(s.data), "-X", "stream", "-c", "fast", "-C", "-S", STANDBY_NAME])
        s.append_conf({"port": str(s.port), "primary_conninfo": self._conninfo(),
                       "primary_slot_name": _quote(STANDBY_NAME),
                       # promoted, it must not wait for a standby it does not have
                       "synchronous_standby_names": "''"})
        (s.data / "standby.signal").touch()
        _own(s.data)
        s.start()

    def require_sync(self) -> None:
        """From now on a commit on the primary returns only once the standby has its WAL
        (set after the clone: a primary waiting for a standby it lacks would block)."""
        with self.primary.connect() as conn:
            conn.execute(f"ALTER SYSTEM SET synchronous_standby_names = 'FIRST 1 ({STANDBY_NAME})'")
            conn.execute("SELECT pg_reload_conf()")
        self.wait_sync()

    def wait_sync(self, timeout: float = 60) -> None:
        """Until the primary streams to the standby as its synchronous standby."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(psycopg.Error):
                state = self.primary.scalar(f"SELECT sync_state FROM pg_stat_replication "
                                            f"WHERE application_name = '{STANDBY_NAME}'")
                if state == "sync":
                    return
            time.sleep(0.1)
        raise PgClusterError("the standby did not become the primary's synchronous standby")

    def wait_replayed(self, timeout: float = 60) -> None:
        """Until the standby has applied everything the primary has written so far."""
        target = self.primary.scalar("SELECT pg_current_wal_lsn()")
        deadline = time.monotonic() + timeout
        while not self.standby.scalar(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn"):
            if time.monotonic() > deadline:
                raise PgClusterError("the standby did not catch up")
            time.sleep(0.02)

    def kill_primary(self) -> int:
        return self.primary.kill9()

    def promote(self) -> float:
        """pg_ctl promote the standby; the seconds until it accepts writes. The nodes swap
        roles: `primary` is the promoted standby, `standby` the dead former primary."""
        started = time.monotonic()
        _run([_find_bin("pg_ctl"), "-D", str(self.standby.data), "-w", "-t", "60", "promote"])
        while self.standby.scalar("SELECT pg_is_in_recovery()"):
            time.sleep(0.05)
        self.primary, self.standby = self.standby, self.primary
        self.save()
        return time.monotonic() - started

    def rebuild_standby(self) -> None:
        """After a failover: a new standby in the dead primary's place, cloned from the
        promoted one, which waits for it again (synchronous) once it streams."""
        dead = self.standby
        with contextlib.suppress(PgClusterError):
            dead.kill9()
        shutil.rmtree(dead.data, ignore_errors=True)
        if not _bindable(dead.port):    # its old port was taken since it died: another one
            dead.port = _free_port()    # (then the application's two-host URL must be given anew)
        with self.primary.connect() as conn:
            conn.execute(f"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                         f"WHERE slot_name = '{STANDBY_NAME}'")
        self._clone_standby()
        self.require_sync()
        self.save()

    def start_stopped(self) -> None:
        """Start whichever node is down (the operator's `start` on an existing set); a primary
        that had to move port is followed by the standby (primary_conninfo reloads)."""
        primary_port = self.primary.port
        for node in (self.primary, self.standby):
            if not node.server_pids():
                node.start()
        if self.primary.port != primary_port:
            self.standby.append_conf({"primary_conninfo": self._conninfo()})
            _run([_find_bin("pg_ctl"), "-D", str(self.standby.data), "reload"])
        self.save()

    def healthy(self) -> bool:
        """Both nodes up, the standby streaming synchronously."""
        with contextlib.suppress(psycopg.Error, PgClusterError):
            return self.primary.scalar(f"SELECT sync_state FROM pg_stat_replication "
                                       f"WHERE application_name = '{STANDBY_NAME}'") == "sync"
        return False

    def stop(self, mode: str = "fast") -> None:
        for node in (self.primary, self.standby, *self.restored_nodes()):
            node.stop(mode)

    def destroy(self) -> None:
        """Throw everything away: no shutdown checkpoint is worth waiting for."""
        for node in (self.primary, self.standby, *self.restored_nodes()):
            if node.server_pids():
                node.kill9()
        shutil.rmtree(self.base, ignore_errors=True)

    def restored_nodes(self) -> list[Node]:
        found = []
        for path in sorted(self.base.glob("restored-*")):
            with contextlib.suppress(OSError, ValueError, json.JSONDecodeError):
                found.append(Node(path.name, path, int(json.loads((path / "xinyong-port.json").read_text())["port"])))
        return found

    # ---- backup and point-in-time restore ------------------------------------------------
    def base_backup(self, name: str | None = None) -> Path:
        """pg_basebackup of the primary into backups/<name> (plain format, its WAL included)."""
        name = name or dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        dest = self.base / "backups" / name
        _run([_find_bin("pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.primary.port), "-U", "postgres",
              "-D", str(dest), "-X", "stream", "-c", "fast"])
        return dest

    def archive_now(self, timeout: float = 60) -> str:
        """Switch to a new WAL segment and wait until the finished one is archived: every
        commit so far can then be replayed from the archive."""
        with self.primary.connect() as conn:
            segment = conn.execute("SELECT pg_walfile_name(pg_switch_wal())").fetchone()[0]
        deadline = time.monotonic() + timeout
        while not (self.base / "archive" / segment).exists():
            if time.monotonic() > deadline:
                raise PgClusterError(f"WAL segment {segment} was not archived")
            time.sleep(0.05)
        return segment

    def restore(self, backup: Path, target_time: dt.datetime | None = None) -> Node:
        """A new cluster from a base backup, replaying archived WAL up to `target_time` (all of
        it when None), then promoted: the platform as it was at that instant."""
        self.restored += 1
        while (self.base / f"restored-{self.restored}").exists():
            self.restored += 1
        node = Node(f"restored-{self.restored}", self.base / f"restored-{self.restored}", _free_port())
        shutil.copytree(backup, node.data, symlinks=True)
        for leftover in ("standby.signal", "postmaster.pid"):
            (node.data / leftover).unlink(missing_ok=True)
        opts = {"port": str(node.port), "restore_command": _quote(f"cp {self.base}/archive/%f %p"),
                "archive_mode": "off", "synchronous_standby_names": "''", "recovery_target_action": "'promote'"}
        if target_time is not None:
            opts["recovery_target_time"] = _quote(target_time.astimezone(dt.timezone.utc).isoformat())
        node.append_conf(opts)
        (node.data / "recovery.signal").touch()
        (node.data / "xinyong-port.json").write_text(json.dumps({"port": node.port}))
        _own(node.data)
        os.chmod(node.data, 0o700)
        try:
            node.start()
        except PgClusterError:
            raise PgClusterError(f"{node.name} did not start: {_log_tail(node)}") from None
        (node.data / "xinyong-port.json").write_text(json.dumps({"port": node.port}))   # start may move it
        deadline = time.monotonic() + 120
        while True:
            with contextlib.suppress(psycopg.Error):
                if not node.scalar("SELECT pg_is_in_recovery()"):
                    return node
            if not node.server_pids():   # e.g. "recovery ended before configured recovery target was reached"
                raise PgClusterError(f"{node.name} stopped during recovery: {_log_tail(node)}")
            if time.monotonic() > deadline:
                raise PgClusterError(f"{node.name} did not finish recovery; see {node.log}")
            time.sleep(0.1)

    # ---- state, for the operator's script ------------------------------------------------
    def save(self) -> None:
        doc = {"dbname": self.dbname, "restored": self.restored,
               "primary": [str(self.primary.data), self.primary.port], "standby": [str(self.standby.data), self.standby.port]}
        (self.base / STATE_FILE).write_text(json.dumps(doc, indent=1))

    @classmethod
    def load(cls, base: Path) -> "ReplicaSet":
        doc = json.loads((Path(base) / STATE_FILE).read_text())
        p, s = doc["primary"], doc["standby"]
        return cls(Path(base), Node(Path(p[0]).name, Path(p[0]), p[1]), Node(Path(s[0]).name, Path(s[0]), s[1]),
                   doc["dbname"], doc.get("restored", 0))


@contextlib.contextmanager
def replica_set(dbname: str = "xinyong", durable: bool = False):
    """A throwaway replica set for tests (fsync off unless durable: a kill -9 of the server
    processes keeps the operating system's page cache, so committed data survives it)."""
    rs = ReplicaSet.create(dbname=dbname, durable=durable)
    try:
        yield rs
    finally:
        rs.destroy()
