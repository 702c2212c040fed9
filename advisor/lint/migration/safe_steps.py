"""Safe replacements, step by step, for statements that would hold a strong lock on a busy table
while they scan or rewrite it. Every replacement ends with the schema the author wrote: the same
column, type, default, NOT NULL, CHECK, UNIQUE, primary and foreign keys, under the names
PostgreSQL would have chosen.

Each step is a statement of its own, meant to run outside a transaction block (``CREATE INDEX
CONCURRENTLY`` and a backfill that commits batch by batch require it; ``VALIDATE`` only helps in
a transaction of its own).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable

from pglast import ast
from pglast.enums import AlterTableType, ConstrType, DropBehavior
from psycopg import sql

from advisor.db.ddl import Name
from advisor.lint.migration.check import alter, deparse
from advisor.lint.migration.checks._columns import (
    SERIAL_TYPES,
    NewColumn,
    constraints,
    retyped,
    type_base,
    type_name,
)
from advisor.lint.rule import render_sql
from advisor.parse.predicates import walk

NAMEDATALEN = 63
_SERIAL_INT = {
    "serial": "integer",
    "serial4": "integer",
    "bigserial": "bigint",
    "serial8": "bigint",
    "smallserial": "smallint",
    "serial2": "smallint",
}
BATCH_PAGES = 1000


def object_name(*parts: str, label: str) -> str:
    """The name PostgreSQL gives an unnamed constraint or index (``makeObjectName``): the parts
    and the label joined by ``_``, the longest part shortened until it fits in 63 bytes."""
    names = [p for p in parts if p]
    avail = NAMEDATALEN - len(label.encode()) - len(names)
    while sum(len(n.encode()) for n in names) > avail:
        longest = max(range(len(names)), key=lambda i: len(names[i].encode()))
        names[longest] = names[longest].encode()[:-1].decode(errors="ignore")
    return "_".join([*names, label])


def _only_column(expr: ast.Node | None) -> str:
    """The column an expression reads, when it reads exactly one."""
    found = (
        {
            getattr((n.fields or (None,))[-1], "sval", None)
            for n in walk(expr)
            if isinstance(n, ast.ColumnRef)
        }
        if expr is not None
        else set()
    )
    found.discard(None)
    return str(next(iter(found))) if len(found) == 1 else ""


def check_name(table: str, expr: ast.Node | None) -> str:
    """PostgreSQL's name for an unnamed CHECK: ``<table>_<column>_check`` when the expression
    reads one column, else ``<table>_check`` (a number is appended when the name is taken)."""
    return object_name(table, _only_column(expr), label="check")


def table_name(relation: ast.RangeVar) -> Name:
    return Name(*[p for p in (relation.schemaname, relation.relname) if p])


def _cmd(
    subtype: AlterTableType, name: str | None = None, def_: ast.Node | None = None
) -> ast.AlterTableCmd:
    return ast.AlterTableCmd(
        subtype=subtype, name=name, def_=def_, behavior=DropBehavior.DROP_RESTRICT
    )


def validate_later(relation: ast.RangeVar, constraint: ast.Constraint, name: str) -> list[str]:
    """The constraint added NOT VALID (instant), then validated under a lock that lets reads
    and writes go on."""
    fixed = copy.deepcopy(constraint)
    fixed.conname = name
    fixed.skip_validation = True
    fixed.initially_valid = False
    return [
        deparse(alter(relation, _cmd(AlterTableType.AT_AddConstraint, def_=fixed))),
        deparse(alter(relation, _cmd(AlterTableType.AT_ValidateConstraint, name=name))),
    ]


def not_null_via_check(relation: ast.RangeVar, column: str) -> list[str]:
    """SET NOT NULL without a scan under ACCESS EXCLUSIVE: a validated CHECK proves it first
    (PostgreSQL 12+), and is dropped once the column is NOT NULL."""
    table, col = table_name(relation), Name(column)
    check = Name(object_name(relation.relname or "", column, label="not_null"))
    return render_sql(
        [
            sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} CHECK ({} IS NOT NULL) NOT VALID").format(
                table, check, col
            ),
            sql.SQL("ALTER TABLE {} VALIDATE CONSTRAINT {}").format(table, check),
            sql.SQL("ALTER TABLE {} ALTER COLUMN {} SET NOT NULL").format(table, col),
            sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(table, check),
        ]
    ).splitlines()


def unique_using_index(
    relation: ast.RangeVar, name: str, columns: Iterable[str], primary: bool
) -> list[str]:
    """The unique index built concurrently, then attached as the constraint (instant)."""
    table = table_name(relation)
    return render_sql(
        [
            sql.SQL("CREATE UNIQUE INDEX CONCURRENTLY {} ON {} ({})").format(
                Name(name), table, sql.SQL(", ").join(map(Name, columns))
            ),
            sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {} USING INDEX {}").format(
                table,
                Name(name),
                sql.SQL("PRIMARY KEY") if primary else sql.SQL("UNIQUE"),
                Name(name),
            ),
        ]
    ).splitlines()


def do_block(body: sql.Composable, name: str) -> str:
    """``DO $name$ body $name$;`` with a dollar-quote tag that the body does not contain."""
    text = body.as_string(None)
    tag = f"${name}$"
    while tag in text:
        tag = tag[:-1] + "_$"
    return f"DO {tag}{text}{tag};"


def backfill(relation: ast.RangeVar, column: str) -> str:
    """Fill ``column`` with its default in the existing rows, a range of pages per transaction
    (a TID range scan on PostgreSQL 14+), then once more for rows that moved meanwhile."""
    table, col = table_name(relation), Name(column)
    regclass = sql.Literal(table.as_string(None))
    body = sql.SQL(
        "\nDECLARE\n"
        "    last_page bigint := pg_relation_size({regclass}::regclass)"
        " / current_setting('block_size')::int;\n"
        "    first_page bigint := 0;\n"
        "BEGIN\n"
        "    WHILE first_page <= last_page LOOP\n"
        "        UPDATE {table} SET {col} = DEFAULT\n"
        "         WHERE ctid >= format('(%s,0)', first_page)::tid\n"
        "           AND ctid < format('(%s,0)', first_page + {pages})::tid\n"
        "           AND {col} IS NULL;\n"
        "        COMMIT;\n"
        "        first_page := first_page + {pages};\n"
        "    END LOOP;\n"
        "    UPDATE {table} SET {col} = DEFAULT WHERE {col} IS NULL;\n"
        "END\n"
    ).format(regclass=regclass, table=table, col=col, pages=sql.Literal(BATCH_PAGES))
    return do_block(body, "backfill")


def _named(con: ast.Constraint, relation: ast.RangeVar, column: str, taken: set[str]) -> str:
    if con.conname:
        return con.conname
    table = relation.relname or ""
    if con.contype == ConstrType.CONSTR_CHECK:
        label, column = "check", _only_column(con.raw_expr)
    else:
        label = "key" if con.contype == ConstrType.CONSTR_UNIQUE else "fkey"
    name, n = object_name(table, column, label=label), 0
    while name in taken:
        n += 1
        name = object_name(table, column, label=f"{label}{n}")
    taken.add(name)
    return name


def needs_backfill(col: ast.ColumnDef, volatile: bool) -> bool:
    """Must every existing row get a value computed for it (not one constant)?"""
    return (
        volatile
        or type_base(col) in SERIAL_TYPES
        or bool(constraints(col, ConstrType.CONSTR_IDENTITY))
    )


def add_column_in_steps(relation: ast.RangeVar, col: ast.ColumnDef, volatile: bool) -> list[str]:
    """``ADD COLUMN`` with a volatile default, serial or identity, NOT NULL, CHECK, UNIQUE,
    PRIMARY KEY or REFERENCES, as steps that never scan or rewrite the table under a lock
    that blocks writes. A constant default stays in the ADD COLUMN (instant since 11)."""
    column = col.colname or ""
    table = table_name(relation)
    base = type_base(col)
    plain = copy.deepcopy(col)
    if base in _SERIAL_INT:
        plain.typeName = type_name(_SERIAL_INT[base])
    filled = needs_backfill(col, volatile)
    # a constant default fills every row at once (no rewrite), so NOT NULL costs no scan either
    kept_kinds = () if filled else (ConstrType.CONSTR_DEFAULT, ConstrType.CONSTR_NOTNULL)
    plain.constraints = (
        tuple(
            c
            for c in col.constraints or ()
            if isinstance(c, ast.Constraint) and c.contype in kept_kinds
        )
        or None
    )
    plain.is_not_null = col.is_not_null and not filled
    steps = [deparse(alter(relation, _cmd(AlterTableType.AT_AddColumn, def_=plain)))]
    identity = constraints(col, ConstrType.CONSTR_IDENTITY)
    default = next(iter(constraints(col, ConstrType.CONSTR_DEFAULT)), None)
    sequence: Name | None = None
    if base in _SERIAL_INT or identity:
        label = "seq" if base in _SERIAL_INT else "backfill_seq"
        seq_name = object_name(relation.relname or "", column, label=label)
        sequence = Name(*[p for p in (relation.schemaname, seq_name) if p])
        int_type = _SERIAL_INT.get(base) or "bigint"
        steps += render_sql(
            [
                sql.SQL("CREATE SEQUENCE {} AS {} OWNED BY {}.{}").format(
                    sequence, sql.SQL(int_type), table, Name(column)
                ),
                sql.SQL("ALTER TABLE {} ALTER COLUMN {} SET DEFAULT nextval({})").format(
                    table, Name(column), sql.Literal(sequence.as_string(None))
                ),
            ]
        ).splitlines()
    elif default is not None and filled:
        set_default = _cmd(AlterTableType.AT_ColumnDefault, name=column, def_=default.raw_expr)
        steps.append(deparse(alter(relation, set_default)))
    if filled:
        steps.append(backfill(relation, column))
    taken: set[str] = set()
    for check in constraints(col, ConstrType.CONSTR_CHECK):
        steps += validate_later(relation, check, _named(check, relation, column, taken))
    primary = constraints(col, ConstrType.CONSTR_PRIMARY)
    not_null = col.is_not_null or constraints(col, ConstrType.CONSTR_NOTNULL) or base in _SERIAL_INT
    if filled and (not_null or primary or identity):
        steps += not_null_via_check(relation, column)
    if identity and sequence is not None:
        steps += _identity_steps(relation, column, identity[0], sequence)
    for unique in constraints(col, ConstrType.CONSTR_UNIQUE):
        steps += unique_using_index(
            relation, _named(unique, relation, column, taken), [column], primary=False
        )
    for pk in primary:
        name = pk.conname or object_name(relation.relname or "", label="pkey")
        steps += unique_using_index(relation, name, [column], primary=True)
    for fk in constraints(col, ConstrType.CONSTR_FOREIGN):
        fixed = copy.deepcopy(fk)
        fixed.fk_attrs = (ast.String(sval=column),)
        steps += validate_later(relation, fixed, _named(fk, relation, column, taken))
    return steps


def _identity_steps(
    relation: ast.RangeVar, column: str, identity: ast.Constraint, backfill_seq: Name
) -> list[str]:
    """Swap the backfill sequence for the identity, which starts where the backfill ended;
    writes wait for the swap (a moment) so that no value is handed out twice."""
    table, col = table_name(relation), Name(column)
    when = "ALWAYS" if identity.generated_when == "a" else "BY DEFAULT"
    body = sql.SQL(
        "\nBEGIN\n"
        "    LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE;\n"
        "    ALTER TABLE {table} ALTER COLUMN {col} DROP DEFAULT;\n"
        "    EXECUTE format('ALTER TABLE %s ALTER COLUMN %s"
        " ADD GENERATED {when} AS IDENTITY (START WITH %s)',\n"
        "                   {table_text}, {col_text}, nextval({seq}));\n"
        "END\n"
    ).format(
        table=table,
        col=col,
        when=sql.SQL(when),
        table_text=sql.Literal(table.as_string(None)),
        col_text=sql.Literal(col.as_string(None)),
        seq=sql.Literal(backfill_seq.as_string(None)),
    )
    drop = render_sql([sql.SQL("DROP SEQUENCE {}").format(backfill_seq)])
    return [do_block(body, "identity"), drop]


def retyped_with_check(
    node: ast.Node, col: NewColumn, new_type: str, check: ast.Constraint, new_table: bool
) -> str:
    """The statement with ``col`` of ``new_type`` and ``check`` on it: inline on a new table,
    else added ``NOT VALID`` and validated separately (a CHECK added with the column scans)."""
    if new_table or col.action == "create":
        return retyped(node, col, new_type, add=(check,))
    name = check_name(col.relation.relname or "", check.raw_expr)
    return "\n".join([retyped(node, col, new_type), *validate_later(col.relation, check, name)])
