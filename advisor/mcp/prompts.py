"""The prompts: ready-made instructions a user picks in the assistant, chaining the tools."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from advisor.mcp.inputs import MAX_STATEMENT_CHARS

INVESTIGATE_SLOW_QUERY = "investigate_slow_query"


def investigate_slow_query(
    query: Annotated[
        str,
        Field(
            min_length=1,
            max_length=MAX_STATEMENT_CHARS,
            description="The slow statement, with $1, $2 ... parameters or literals.",
        ),
    ],
) -> str:
    """Investigate a slow query: its plan, the indexes that would help (proven with HypoPG),
    and the tables it reads."""
    return f"""Investigate why this PostgreSQL statement is slow, and what would fix it, with the
pg advisor tools. Every tool is read-only: nothing is run or built.

The statement:

{query}

1. Call `explain` with the statement. Read the tree: sequential scans on big tables, filters
   that discard most rows, row estimates far from reality, sorts and hashes of many rows.
2. Call `analyze_queries` with the statement (queries=[the statement]). It proposes indexes and
   proves each with HypoPG hypothetical indexes and EXPLAIN: note each recommendation's
   cost_before and cost_after, and the reason when there is none. If you want to try an index
   of your own, call `explain` again with it in hypothetical_indexes.
3. Call `table_report` for each table the plan reads most (the biggest scans): its size, rows,
   dead rows and vacuum history, existing indexes and their findings, other statements on it,
   and current locks.
4. Answer: why it is slow (quote the plan), the index or change that fixes it with the cost
   before and after, its size and write overhead, and what else on these tables needs care.
   Indexes are never built by these tools: give the user the `advisor analyze ... --save-plan
   advice.json` and `advisor apply advice.json` commands from the tool summaries.
"""
