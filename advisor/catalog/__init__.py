"""The one catalog layer: a typed reader per fact, each with one query, for every command.

- ``indexes``: every index (or one table's) with its structure, its roles (constraint, replica
  identity, partitioned parent or attached child, extension, build in progress), its size and
  its scan counters. One query, ``queries/catalog_indexes.sql``; its lock-free variant only for
  a table locked exclusively.
- ``foreign_keys``: the foreign keys, and the one answer to "does this index serve the lookups
  a foreign key makes" (``serves``).
- ``stats``: how long the index statistics have been counting (their age).
- ``names``: the naming authority for new indexes: a name free among every relation of the
  schema.

Tables and columns with their ``pg_stats`` are read by ``advisor.collect.catalog``, which
composes these readers into the ``Catalog`` of an analysis.
"""
