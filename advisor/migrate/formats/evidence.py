"""The evidence every migration carries as comments, and reading it back for ``advisor apply``.

The comment says which index, why (each statement it helps, with its generic-plan cost before
and after, the full statement text on one line), its estimated size, the start of the statistics
window the advice came from, and how to run it safely. Only facts that stay the same from one
run to the next go in, so that a review diff shows real changes: no call counts, no time saved
(both grow with the window). The same lines go into SQL (``-- ``) and Python (``# ``) files::

    pg advisor: public.accounts USING btree (owner_id)
    estimated size 1.3 MB (HypoPG); statistics since 2024-05-01
    statements it helps (generic-plan cost before -> after):
      queryid 42, cost 1234.50 -> 8.30
        SELECT id, note FROM accounts WHERE owner_id = $1

Files written before carry ``queryid 42, 39 calls, cost ...``; ``read_statements`` reads both.
"""

from __future__ import annotations

import re

from advisor.model import Recommendation
from advisor.plan_file import PlannedStatement
from advisor.render.text import size

HEADLINE = "pg advisor: "
_STATEMENT = re.compile(
    r"^ {2}queryid (?P<queryid>-?\d+|none), (?:(?P<calls>\d+) calls?, )?"
    r"cost (?P<before>[0-9.]+) -> (?P<after>[0-9.]+|not planned)$"
)
_QUERY_INDENT = "    "

SAFETY = (
    "CREATE INDEX CONCURRENTLY cannot run inside a transaction block: run this migration",
    "outside one, one statement at a time. It does not block reads or writes, but waits for",
    "transactions older than itself; set lock_timeout in its session. A failed or cancelled",
    "build leaves an INVALID index behind: the down migration (DROP INDEX CONCURRENTLY IF",
    "EXISTS) removes it, and re-running the up migration is then safe.",
)
PARTITIONED_SAFETY = (
    "Run the statements one at a time, in order, outside a transaction block (psql -f does):",
    "CREATE INDEX CONCURRENTLY cannot run inside one. Each ON ONLY and ATTACH step is a quick",
    "catalog change that waits for locks, writes queueing behind it: lock_timeout bounds that",
    "wait (a step that times out fails: run it again later). Each partition's build waits for",
    "transactions older than itself (lock_timeout is reset for it) but blocks no writes.",
    "Until the last ATTACH",
    "the parent index is INVALID and plans use the partition indexes built so far. A failed or",
    "cancelled build leaves an INVALID partition index: run the down migration (it drops the",
    "parent index, which drops every index attached to it, then any left unattached), then",
    "the up migration again. PostgreSQL cannot drop a partitioned index CONCURRENTLY: the down",
    "migration locks the table and its partitions (ACCESS EXCLUSIVE) for a moment.",
)


def one_line(text: str) -> str:
    """A statement's text with all whitespace runs (newlines included) made one space."""
    return " ".join(text.split())


def lines(rec: Recommendation, since: str | None = None) -> list[str]:
    """The evidence of one recommendation, as comment lines without the comment marker;
    ``since`` is the start of the statistics window (an ISO date or timestamp)."""
    window = f"; statistics since {since[:10]}" if since else ""
    out = [
        f"{HEADLINE}{rec.spec.describe()}",
        f"estimated size {size(rec.estimated_size_bytes)} ({_size_source(rec)}){window}",
    ]
    if rec.effects:
        out.append("statements it helps (generic-plan cost before -> after):")
    for effect in rec.effects:
        stmt = effect.statement
        queryid = "none" if stmt.queryid is None else str(stmt.queryid)
        after = "not planned" if effect.cost_after is None else f"{effect.cost_after:.2f}"
        out.append(f"  queryid {queryid}, cost {effect.cost_before:.2f} -> {after}")
        out.append(_QUERY_INDENT + one_line(stmt.query))
    out.extend(rec.notes)
    out.extend(PARTITIONED_SAFETY if rec.create_steps else SAFETY)
    return out


def _size_source(rec: Recommendation) -> str:
    if not rec.partitions:
        return "HypoPG"
    count = len(rec.partitions)
    return f"the sum over {count} leaf partition{'s' if count != 1 else ''}"


def inline(text: str) -> str:
    """``text`` fit for the middle of one comment line: line breaks become spaces."""
    return _LINE_BREAK.sub(" ", text)


def comment(text_lines: list[str] | tuple[str, ...], marker: str) -> str:
    """Comment lines joined with newlines: ``marker`` is ``--`` for SQL, ``#`` for Python.

    A line break inside a line (an identifier may hold one) becomes a space: it would end the
    comment and leave the rest of the line as code.
    """
    return "\n".join(f"{marker} {inline(line)}".rstrip() for line in text_lines)


_LINE_BREAK = re.compile(r"[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")  # what splitlines() splits on


def read_statements(text: str, marker: str = "--") -> tuple[PlannedStatement, ...]:
    """The statements an evidence comment (written by ``lines``) lists, with their costs."""
    body = [
        line[len(marker) + 1 :] if line.startswith(marker + " ") else ""
        for line in text.splitlines()
    ]
    found = []
    for i, line in enumerate(body[:-1]):
        match = _STATEMENT.match(line)
        following = body[i + 1]
        if not match or not following.startswith(_QUERY_INDENT):
            continue
        queryid = match.group("queryid")
        after = match.group("after")
        found.append(
            PlannedStatement(
                queryid=None if queryid == "none" else int(queryid),
                query=following[len(_QUERY_INDENT) :].strip(),
                calls=int(match.group("calls") or 0),
                cost_before=float(match.group("before")),
                cost_after=None if after == "not planned" else float(after),
            )
        )
    return tuple(found)
