"""``advisor apply``: the only code that writes to the analysed database.

It builds the indexes of a saved plan (``advisor analyze --save-plan``) or of a migrations
folder, one at a time, with ``CREATE INDEX CONCURRENTLY`` outside any transaction; waits for
locks only up to ``lock_timeout`` and retries with exponential backoff; never leaves an INVALID
index behind (a failed, cancelled or interrupted build is dropped with ``DROP INDEX
CONCURRENTLY``); builds an index on a partitioned table partition by partition (``ON ONLY``
the parent, each partition concurrently, ``ATTACH``: an interruption leaves only the parent's
index, INVALID and without storage, which the next apply finishes); skips indexes that already
exist and are valid, so applying a plan twice changes nothing the second time; refuses to run
on a hot standby; and afterwards re-plans the statements each index was meant for to say
whether the planner uses it.

Modules: ``source`` (plan or folder -> indexes), ``catalog`` (server and index state),
``build`` (one index: retries, cleanup), ``partitioned`` (an index on a partitioned table,
partition by partition), ``monitor`` (progress from a second connection),
``verify`` (re-planning), ``validate`` (``--validate``: the statements an index changes, timed
before and after; an index that slows one is dropped again), ``record`` (the apply log, which
``analyze`` also reads: what ``--validate`` took back is not advised again), ``run`` (the whole
apply); the command is ``advisor.cli.apply``.
"""
