"""Everything that brings workload statements in, merged by the parser's fingerprint.

- ``pgss.read``: pg_stat_statements, the connected database's entries, queryids merged.
- ``logs.read_logs``: server logs (stderr, csvlog, jsonlog): ``log_min_duration_statement``,
  ``auto_explain`` plans, and statements cancelled by ``statement_timeout`` / ``lock_timeout``.
- ``activity.sample_activity``: long-running statements polled from ``pg_stat_activity``.
- ``files.read_query_file`` / ``files.given_queries``: ``--queries FILE`` and ``--query "SQL"``.
- ``merge.merge``: one statement per fingerprint across sources, saying where it came from.
- ``own.is_advisor_statement``: the advisor's own statements, kept out of every workload.
- ``workload.collect``: the sources ``SourceOptions`` asks for, merged and limited.

Each returns ``SourcedStatement`` values (``model.py``): a ``Statement`` plus samples with real
constants, timeouts and the logged plan. ``sqltext`` holds the one fingerprint, used by
snapshots too; the parser itself is reached through ``advisor.parse.syntax``.
"""
