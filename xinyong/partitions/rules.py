"""Which tables are partitioned, on what, and for how long their months are kept. No I/O.

Retention periods are data of the active profile (rule ``retention.partitions``), each with the
citation it rests on; ``None`` keeps a table's rows for ever."""
from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import re

from xinyong.law.loader import Citation, Profile

# table -> its partition key: the time the row was written (migration 0023_partman keeps a copy)
PARTITIONED = {"access_log": "at", "audit_log": "at", "history": "changed_at", "feed_events": "created_at"}
# unique constraints that partitioning widens by the partition key (PostgreSQL only)
WIDENED_UNIQUES = frozenset({"uq_audit_log_chain_seq"})
# the audit log is the transparency log's leaf source: a dropped month would leave leaves whose
# entries nobody can show, so no profile may give it a period
NEVER_DROPPED = frozenset({"audit_log"})
RETENTION_KEY = "retention.partitions"
_CHILD = re.compile(rf"^({'|'.join(PARTITIONED)})_(p\d{{4}}_\d{{2}}|default)$")


class RetentionError(ValueError):
    """A profile gives a period the platform may not apply."""


@dataclasses.dataclass(frozen=True)
class Retention:
    table: str
    months: int | None     # None: kept for ever
    citation: Citation

    def cutoff(self, now: dt.datetime) -> dt.datetime | None:
        """Partitions ending at or before this instant are wholly past the period."""
        if self.months is None:
            return None
        total = now.year * 12 + now.month - 1 - self.months
        year, month = total // 12, total % 12 + 1
        return now.replace(year=year, month=month, day=min(now.day, calendar.monthrange(year, month)[1]))


def is_partition(name: str) -> bool:
    """A month (or the default) partition of a partitioned table, as pg_partman names it."""
    return bool(_CHILD.match(name))


def retentions(profile: Profile, on: dt.date) -> list[Retention]:
    rule = profile.rule(RETENTION_KEY, on)
    periods = rule.value.get("months", {})
    found = []
    for table in PARTITIONED:
        if table not in periods:
            raise RetentionError(f"{RETENTION_KEY}: no period for {table} (null keeps it for ever)")
        months = periods[table]
        if months is not None and (isinstance(months, bool) or not isinstance(months, int) or months < 1):
            raise RetentionError(f"{RETENTION_KEY}: {table} needs a whole number of months (>= 1) or null")
        if months is not None and table in NEVER_DROPPED:
            raise RetentionError(f"{RETENTION_KEY}: {table} is the transparency log's leaf source and is kept "
                                 f"for ever (null)")
        found.append(Retention(table, months, rule.citation))
    return found
