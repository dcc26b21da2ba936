"""The worker (issue 16 point 1): time-driven and deferred work from one durable queue."""
