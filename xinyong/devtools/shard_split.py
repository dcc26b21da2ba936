"""Rebalancing by splitting one shard's hash partition in two (docs/SCALING.md, "Rebalancing").

Hash partition ``(m, r)`` holds exactly the rows of ``(2m, r)`` and ``(2m, r + m)``, and PostgreSQL
accepts partitions of different moduli side by side when each modulus divides the next. Adding a
shard therefore moves half of one shard's rows and nothing else, in this order, under an ACCESS
EXCLUSIVE lock on the coordinator's distributed parents (no reader or writer through the
coordinator sees the move):
1. copy the rows of ``(2m, r + m)`` from the old shard to the new one (shard to shard, COPY);
2. delete them from the old shard;
3. on the coordinator, re-attach the old shard as ``(2m, r)`` and attach the new one as
   ``(2m, r + m)``, and commit.
A crash after step 2 leaves the rows already where the new layout wants them: re-running step 3
finishes the move. The old shard computes the new hash itself (``satisfies_hash_partition`` over
its hash-partitioned helper table ``shard_route``), so no row travels through the coordinator;
each shard's placement CHECK is narrowed to its new bound."""
from __future__ import annotations

import psycopg
from sqlalchemy import text

from xinyong.db import make_engine
from xinyong.devtools.shards import (
    DISTRIBUTED,
    ROUTE,
    Province,
    _create_server,
    _prepare_shard,
    place_check,
    replicate_reference,
)

# coordinator parent -> (distribution column, table on the shards, partition name prefix)
PARENTS = {**{t: (c, t, t) for t, c in DISTRIBUTED.items()}, "subjects_on_shards": ("id", "subjects", "subjects")}


def _dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def split_shard(province: Province, k: int, new_url: str) -> dict[str, int]:
    """Split shard ``k``'s partition, moving half of its rows to the (empty) database at
    ``new_url``, which is migrated here. Returns the rows moved per table; updates ``province``."""
    from xinyong.migrate import upgrade

    upgrade(new_url)
    _prepare_shard(new_url)
    m, r = province.bounds[k]
    j, old = province.n, province.shards[k]
    moved_where = {p: f"satisfies_hash_partition('{ROUTE}'::regclass, {2 * m}, {r + m}, {col})"
                   for p, (col, _remote, _prefix) in PARENTS.items()}
    place_check(new_url, (2 * m, r + m))
    coord = make_engine(province.coordinator)
    moved: dict[str, int] = {}
    try:
        with coord.begin() as conn:
            for parent in PARENTS:
                conn.execute(text(f"LOCK TABLE {parent} IN ACCESS EXCLUSIVE MODE"))
            _create_server(conn, j, new_url)
            for parent, (_col, remote, _prefix) in PARENTS.items():
                moved[remote] = _copy(old, new_url, remote, moved_where[parent])
            with psycopg.connect(_dsn(old)) as c:   # one transaction on the old shard
                for parent, (_col, remote, _prefix) in PARENTS.items():
                    c.execute(f"DELETE FROM {remote} WHERE {moved_where[parent]}")
            for parent, (_col, remote, prefix) in PARENTS.items():
                conn.execute(text(f"ALTER TABLE {parent} DETACH PARTITION {prefix}_shard{k}"))
                conn.execute(text(f"ALTER TABLE {parent} ATTACH PARTITION {prefix}_shard{k} "
                                  f"FOR VALUES WITH (MODULUS {2 * m}, REMAINDER {r})"))
                conn.execute(text(f"CREATE FOREIGN TABLE {prefix}_shard{j} PARTITION OF {parent} "
                                  f"FOR VALUES WITH (MODULUS {2 * m}, REMAINDER {r + m}) SERVER shard{j} "
                                  f"OPTIONS (table_name '{remote}')"))
    finally:
        coord.dispose()
    place_check(old, (2 * m, r))
    province.shards.append(new_url)
    province.bounds[k] = (2 * m, r)
    province.bounds.append((2 * m, r + m))
    replicate_reference(province)
    return moved


def _copy(src: str, dst: str, table: str, where: str) -> int:
    with psycopg.connect(_dsn(src)) as s, psycopg.connect(_dsn(dst)) as d:
        with s.cursor() as sc, d.cursor() as dc:
            with sc.copy(f"COPY (SELECT * FROM {table} WHERE {where}) TO STDOUT") as out, \
                    dc.copy(f"COPY {table} FROM STDIN") as into:
                for chunk in out:
                    into.write(chunk)
            return dc.rowcount
