"""Time partitioning of what only grows (issue 16 point 6): on PostgreSQL the access log, the audit
log, the history and the feed events are partitioned by month (pg_partman); the worker keeps
partitions made ahead and drops those wholly past their retention period (law/profile data)."""
