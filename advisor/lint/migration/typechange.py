"""Does ``ALTER COLUMN ... TYPE`` rewrite the table? Only changes PostgreSQL knows to be
binary-coercible skip the rewrite: widening ``varchar``, ``varchar`` to ``text``, raising a
``numeric``'s precision at the same scale or dropping its limits, ``cidr`` to ``inet``,
widening ``varbit``. And ``timestamp`` to ``timestamptz`` (or back) when the session time zone
is UTC (PostgreSQL 12+). tests/test_lint_typechange.py checks each verdict on a real server.
"""

from __future__ import annotations

from pglast import ast

from advisor.lint.catalog import ColumnInfo

TypeShape = tuple[str, tuple[int, ...]]
_ALIASES = {"character varying": "varchar", "decimal": "numeric", "character": "bpchar"}


def written_type(type_name: ast.TypeName) -> TypeShape:
    """(base name, modifiers) of a type as written in a migration."""
    names = [getattr(n, "sval", "") for n in type_name.names or ()]
    base = names[-1].lower() if names else ""
    mods = tuple(
        m.val.ival or 0
        for m in type_name.typmods or ()
        if isinstance(m, ast.A_Const) and isinstance(m.val, ast.Integer)
    )
    return _ALIASES.get(base, base), mods


def column_type(col: ColumnInfo) -> TypeShape:
    """(base name, modifiers) of a column's current type."""
    if col.char_length is not None:
        return col.type_name, (col.char_length,)
    if col.numeric_precision is not None:
        return col.type_name, col.numeric_precision
    if col.type_name in ("varbit", "bit") and col.typmod >= 0:
        return col.type_name, (col.typmod,)
    return col.type_name, ()


def rewrites(old: TypeShape, new: TypeShape) -> bool | None:
    """True: the change rewrites the table; False: it does not; None: it depends on TimeZone."""
    (old_name, old_mods), (new_name, new_mods) = old, new
    if old == new:
        return False
    if old_name == "varchar" and new_name in ("varchar", "text"):
        return bool(new_mods) and (not old_mods or new_mods[0] < old_mods[0])
    if old_name == "text" and new_name == "varchar":
        return bool(new_mods)
    if old_name == "numeric" and new_name == "numeric":
        if not new_mods:
            return False
        if not old_mods:
            return True
        new_scale = new_mods[1] if len(new_mods) > 1 else 0
        return not (new_mods[0] >= old_mods[0] and new_scale == old_mods[1])
    if old_name == "varbit" and new_name == "varbit":
        return bool(new_mods) and (not old_mods or new_mods[0] < old_mods[0])
    if (old_name, new_name) == ("cidr", "inet"):
        return False
    if {old_name, new_name} == {"timestamp", "timestamptz"}:
        return None
    return True
