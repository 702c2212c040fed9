"""Several statements in one round trip: one simple-query message, its statements joined by
semicolons.

The analysis plans thousands of statements, each with a few statements of its own around it
(HypoPG's drops and creates, PREPARE, EXPLAIN EXECUTE, DEALLOCATE). Sent one by one, each is a
round trip: the advisor sends, the server wakes up, answers, and the advisor wakes up again. On
a busy machine those wake-ups, not the work, were most of the analysis (issue 17's profile). A
script is one message and one answer. (psycopg's pipeline mode was tried: it sends and reads
each statement on its own and cost more CPU than it saved.)

The statements run in one implicit transaction, and the first error skips the rest; its
exception carries no results of the statements before it. Callers that need to know how far a
failed script got find out from the server (``PREPARE`` and HypoPG's indexes are not undone by
the error).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg import sql


def script(
    cur: psycopg.Cursor[Any], statements: Sequence[sql.Composable]
) -> list[list[tuple[Any, ...]]]:
    """Run ``statements`` on ``cur`` in one round trip: the rows of each (empty for commands).
    They carry no parameters: values are composed in as literals."""
    cur.execute(sql.SQL("; ").join(statements))
    results = []
    while True:
        results.append(cur.fetchall() if cur.description else [])
        if not cur.nextset():
            return results
