"""A table name as a user types it, resolved the way PostgreSQL would.

``orders``, ``billing.invoices``, ``"Sales"."UserAccounts"``: unquoted parts fold to lower case,
quoted parts keep their case (``""`` is a quote), an unqualified name is looked up along the
search_path. A name that matches nothing raises ``TableNotFound`` with the closest names,
quoted so that they can be pasted back.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence, Set

from advisor.db.ddl import display
from advisor.errors import UsageError
from advisor.model import TableRef


class TableNotFound(UsageError):
    """No table of that name: the message says so, the hint lists close names."""


def split_name(text: str) -> tuple[str | None, str]:
    """``'"Sales".UserAccounts'`` -> ``("Sales", "useraccounts")``."""
    parts: list[str] = []
    text = text.strip()
    i, n = 0, len(text)
    while i < n:
        if text[i] == '"':
            j, buf = i + 1, []
            while True:
                if j >= n:
                    raise UsageError(f"unterminated quoted name in {text!r}")
                if text[j] == '"':
                    if j + 1 < n and text[j + 1] == '"':
                        buf.append('"')
                        j += 2
                        continue
                    break
                buf.append(text[j])
                j += 1
            part, i = "".join(buf), j + 1
        else:
            j = text.find(".", i)
            j = n if j < 0 else j
            part, i = text[i:j].strip().lower(), j
        if not part:
            raise UsageError(
                f"empty name part in {text!r}", 'write schema.table or "Schema"."Table"'
            )
        parts.append(part)
        if i < n:
            if text[i] != ".":
                raise UsageError(f"cannot read table name {text!r}", "quote names with capitals")
            i += 1
            if i >= n:
                raise UsageError(f"cannot read table name {text!r}", "a name cannot end with .")
    if len(parts) == 1:
        return None, parts[0]
    if len(parts) == 2:
        return parts[0], parts[1]
    raise UsageError(f"cannot read table name {text!r}", "give schema.table at most")


def lookup(
    schema: str | None, name: str, known: Set[TableRef], search_path: Sequence[str]
) -> TableRef | None:
    """A raw (already unquoted) name to a known table: qualified, or the first on the path."""
    if schema is not None:
        ref = TableRef(schema, name)
        return ref if ref in known else None
    for candidate in search_path:
        if TableRef(candidate, name) in known:
            return TableRef(candidate, name)
    return None


def resolve(text: str, tables: Sequence[TableRef], search_path: Sequence[str]) -> TableRef:
    """The table ``text`` names, or ``TableNotFound`` with suggestions."""
    schema, name = split_name(text)
    found = lookup(schema, name, set(tables), search_path)
    if found is not None:
        return found
    close = suggestions(schema, name, tables)
    hint = f"did you mean: {', '.join(close)}?" if close else "no table has a similar name"
    where = "" if schema is not None else " on the search_path"
    raise TableNotFound(f"no table {display(*(p for p in (schema, name) if p))}{where}", hint)


def suggestions(
    schema: str | None, name: str, tables: Sequence[TableRef], limit: int = 5
) -> list[str]:
    """Close table names, quoted where needed: same name in other case or schema first."""
    wanted = f"{schema}.{name}".lower() if schema else name.lower()
    exact = [t for t in tables if t.name.lower() == name.lower()]
    by_key: dict[str, list[TableRef]] = {}
    for t in tables:
        by_key.setdefault(t.name.lower(), []).append(t)
        by_key.setdefault(f"{t.schema}.{t.name}".lower(), []).append(t)
    close = difflib.get_close_matches(wanted, list(by_key), n=limit * 2, cutoff=0.6)
    ordered = list(dict.fromkeys([*exact, *(t for key in close for t in by_key[key])]))
    return [display(t.schema, t.name) for t in ordered[:limit]]
