"""What an ``ADD COLUMN`` definition says: NOT NULL, a default, how values get filled."""

from __future__ import annotations

from pglast import ast
from pglast.enums import ConstrType

SERIAL_TYPES = {"serial", "serial4", "bigserial", "serial8", "smallserial", "serial2"}


def constraints(col: ast.ColumnDef, *kinds: ConstrType) -> list[ast.Constraint]:
    return [
        c for c in col.constraints or () if isinstance(c, ast.Constraint) and c.contype in kinds
    ]


def type_base(col: ast.ColumnDef) -> str:
    names = [getattr(n, "sval", "") for n in (col.typeName.names if col.typeName else ()) or ()]
    return names[-1].lower() if names else ""


def is_not_null(col: ast.ColumnDef) -> bool:
    return bool(col.is_not_null) or bool(
        constraints(col, ConstrType.CONSTR_NOTNULL, ConstrType.CONSTR_PRIMARY)
    )


def default_expr(col: ast.ColumnDef) -> ast.Node | None:
    found = constraints(col, ConstrType.CONSTR_DEFAULT)
    return found[0].raw_expr if found else None


def fills_values(col: ast.ColumnDef) -> bool:
    """Does every existing row get a value: a default, identity, generated or serial column?"""
    return (
        default_expr(col) is not None
        or bool(constraints(col, ConstrType.CONSTR_IDENTITY, ConstrType.CONSTR_GENERATED))
        or type_base(col) in SERIAL_TYPES
    )
