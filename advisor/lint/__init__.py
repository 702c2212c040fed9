"""``advisor lint``: the schema architect's checklist, run against the live catalog and migrations.

Live linting (``live.py``) reads the catalog and, where a rule needs it, the workload from
pg_stat_statements, then runs the rules of ``rules/`` (one module each, registered in
``rules/__init__.py``). Migration linting (``migration/``) parses migration files with pglast and
runs the checks of ``migration/checks/``; with a DSN each finding carries the size of the table it
touches and the lock it takes. Both produce ``LintFinding`` values (``model.py``), filtered by the
configuration (``config.py``, ``filters.py``) and rendered by ``render.py``.
"""
