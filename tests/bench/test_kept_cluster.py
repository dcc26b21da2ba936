"""The benchmarks' kept cluster (bench/data/pg) is shared by them: each finds its own database
there, created when another benchmark made the cluster (the API and evaluation benchmarks failed
on "database does not exist" after the daily benchmark had made it)."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import psycopg

from bench import common


def test_a_kept_cluster_made_by_one_benchmark_gives_another_its_own_database():
    keep = Path(tempfile.mkdtemp(prefix="xinyong-kept-"))
    try:
        with common.pg_cluster(keep=keep, dbname="first") as (url, reused):
            assert not reused
        with common.pg_cluster(keep=keep, dbname="second") as (url, reused):
            assert not reused   # the cluster was there, its database not: made, and said so
            with psycopg.connect(common.dbapi_url(url), autocommit=True) as conn:
                conn.execute("CREATE TABLE kept (n int)")
        with common.pg_cluster(keep=keep, dbname="second") as (url, reused):
            assert reused
            with psycopg.connect(common.dbapi_url(url), autocommit=True) as conn:
                assert conn.execute("SELECT count(*) FROM kept").fetchone() == (0,)
    finally:
        shutil.rmtree(keep, ignore_errors=True)
