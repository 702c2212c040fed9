"""Workload a user gives: ``--queries FILE`` and ``--query "SQL"``.

The path for "this query is slow, what index?". A file holds SQL statements separated by
semicolons, split by the real parser (semicolons inside strings, dollar quotes and comments do
not split). A ``-- calls: N`` comment before a statement weighs it as N calls (default 1). The
texts are kept as written, with or without ``$n`` parameters; statements with the same fingerprint
add up their calls.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from advisor.errors import UsageError
from advisor.sources import sqltext
from advisor.sources.model import FILE, QUERY, SourcedStatement
from advisor.sources.tally import Tally

_CALLS = re.compile(r"--[ \t]*calls[ \t]*[:=][ \t]*(\d+)", re.IGNORECASE)


def parse_script(text: str, *, source: str = FILE, max_samples: int = 3) -> list[SourcedStatement]:
    """The statements of a script with their ``-- calls: N`` weights, in script order."""
    tally = Tally(source, max_samples=max_samples, normalize=False)
    order: list[str] = []
    previous_end = 0
    for piece in sqltext.split_slices(text):
        between = text[previous_end : piece.start]
        previous_end = piece.stop
        statement = text[piece].strip().rstrip(";").strip()
        if not statement:
            continue
        weights = _CALLS.findall(between)
        calls = int(weights[-1]) if weights else 1
        if calls == 0:
            continue
        tally.add(statement, None, calls=calls)
        order.append(sqltext.fingerprint(statement))
    rank = {fp: i for i, fp in reversed(list(enumerate(order)))}
    return sorted(tally.result(), key=lambda s: rank[s.fingerprint])


def read_query_file(path: Path | str, *, max_samples: int = 3) -> list[SourcedStatement]:
    """``--queries FILE``: the file's statements, weighted by their ``-- calls: N`` comments."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise UsageError(f"cannot read query file {file}: {reason}") from None
    found = parse_script(text, source=FILE, max_samples=max_samples)
    if not found:
        raise UsageError(f"no SQL statement in query file {file}")
    return found


def given_queries(texts: Sequence[str]) -> list[SourcedStatement]:
    """``--query "SQL"`` (repeatable): one call each, no measured time."""
    found: list[SourcedStatement] = []
    for text in texts:
        found += parse_script(text, source=QUERY)
    return found
