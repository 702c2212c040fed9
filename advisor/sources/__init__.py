"""Workload sources beyond pg_stat_statements, merged by the parser's fingerprint.

- ``logs.read_logs``: server logs (stderr, csvlog, jsonlog): ``log_min_duration_statement``,
  ``auto_explain`` plans, and statements cancelled by ``statement_timeout`` / ``lock_timeout``.
- ``activity.sample_activity``: long-running statements polled from ``pg_stat_activity``.
- ``files.read_query_file`` / ``files.given_queries``: ``--queries FILE`` and ``--query "SQL"``.
- ``merge.merge``: one statement per fingerprint across sources, saying where it came from.

Each returns ``SourcedStatement`` values (``model.py``): a ``Statement`` plus samples with real
constants, timeouts and the logged plan.
"""
