"""Walk a parsed statement and say, per table, how each column is used.

Scopes follow SQL: each SELECT level sees its FROM items and, for correlated subqueries, the levels
around it. Names are resolved through aliases, CTEs (not tables) and the search_path. A column
compared with a parameter or constant is an equality or range use; compared with a column of
another table it is a join key on both sides (a parameterized nested loop reads it by index).

While walking, parameters in arithmetic that has no type (``$5 + $6``, left untyped by
normalization) are cast to the type of the column they are compared with.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from pglast import ast
from pglast.enums import (
    A_Expr_Kind,
    BoolExprType,
    NullTestType,
    SetOperation,
    SortByDir,
    SortByNulls,
)

from advisor.collect.catalog import Catalog
from advisor.model import ColumnUse, IndexKey, Role, Table, TableRef
from advisor.parse import syntax

_EQ = "="
_RANGE_OPS = {"<", ">", "<=", ">="}
_FLIP = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "=": "="}
_ARITH = {"+", "-", "*", "/"}
_SYSTEM_SCHEMAS = {"pg_catalog", "information_schema"}
_GIN_OPS = {"@>", "<@", "?", "?|", "?&", "&&", "@@", "@?", "@@@"}
_PATTERN_OPS = {"~~", "~~*"}
_PATTERN_KINDS = (A_Expr_Kind.AEXPR_LIKE, A_Expr_Kind.AEXPR_ILIKE, A_Expr_Kind.AEXPR_OP)


_NODE_SLOTS: dict[type, tuple[str, ...]] = {}  # a memo: AST classes never change


def node_slots(cls: type) -> tuple[str, ...]:
    """The slots of an AST class that can hold nodes (pointers and lists, not flags, enums or
    locations): walking only those is most of the speed of a walk."""
    found = _NODE_SLOTS.get(cls)
    if found is None:
        slots = getattr(cls, "__slots__", ())
        if isinstance(slots, dict):
            found = tuple(name for name, info in slots.items() if _may_hold_nodes(info))
        else:
            found = tuple(slots)
        _NODE_SLOTS[cls] = found
    return found


def _may_hold_nodes(info: object) -> bool:
    types = getattr(info, "py_type", None)
    if types is None:
        return True
    types = types if isinstance(types, tuple) else (types,)
    return any(t in (tuple, list) or issubclass(t, ast.Node) for t in types)


def children(node: ast.Node) -> Iterator[ast.Node]:
    """The direct child nodes of an AST node, in slot order (also inside nested tuples, as
    ``RangeFunction.functions`` holds them)."""
    for slot in node_slots(type(node)):
        yield from _nodes_in(getattr(node, slot, None))


def _nodes_in(value: object) -> Iterator[ast.Node]:
    if isinstance(value, ast.Node):
        yield value
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from _nodes_in(item)


def walk(node: ast.Node) -> Iterator[ast.Node]:
    yield node
    for child in children(node):
        yield from walk(child)


def max_param(node: ast.Node) -> int:
    return max((n.number or 0 for n in walk(node) if isinstance(n, ast.ParamRef)), default=0)


@dataclass
class Scope:
    """One query level: alias -> table (None for subqueries, CTEs and functions)."""

    entries: dict[str, Table | None] = field(default_factory=dict)
    parent: Scope | None = None


@dataclass
class Extraction:
    tables: dict[TableRef, Table] = field(default_factory=dict)
    unknown: set[str] = field(default_factory=set)
    system: set[str] = field(default_factory=set)
    views: set[str] = field(default_factory=set)
    functions: set[str] = field(default_factory=set)  # set-returning functions in FROM
    uses: list[ColumnUse] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    modified: bool = False
    has_limit: bool = False
    updated: list[tuple[TableRef, str]] = field(default_factory=list)
    reads: dict[TableRef, set[str] | None] = field(default_factory=dict)


def _names(nodes: tuple[ast.Node, ...] | None) -> list[str]:
    return [n.sval for n in nodes or () if isinstance(n, ast.String) and n.sval is not None]


class PredicateWalker:
    """Collects column uses of one statement against a catalog."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.out = Extraction()

    # -- statements ---------------------------------------------------------------------------

    def statement(self, node: ast.Node) -> Extraction:
        if isinstance(node, ast.SelectStmt):
            self.select(node, None, frozenset())
        elif isinstance(node, (ast.UpdateStmt, ast.DeleteStmt)):
            ctes = self._ctes(node.withClause, None, frozenset())
            scope = Scope()
            self._add_range_var(node.relation, scope, ctes)
            extra = node.fromClause if isinstance(node, ast.UpdateStmt) else node.usingClause
            for item in extra or ():
                self._from_item(item, scope, ctes)
            if isinstance(node, ast.UpdateStmt):
                target_table = scope.entries.get(
                    (
                        node.relation.alias.aliasname
                        if node.relation and node.relation.alias
                        else None
                    )
                    or (node.relation.relname if node.relation else "")
                    or ""
                )
                for target in node.targetList or ():
                    self._sublinks(target, scope, ctes)
                    if (
                        target_table is not None
                        and isinstance(target, ast.ResTarget)
                        and target.name
                    ):
                        self.out.updated.append((target_table.ref, target.name))
            self._read(scope, node)
            if node.whereClause is not None:
                self.qual(node.whereClause, scope, ctes)
        elif isinstance(node, ast.MergeStmt):
            ctes = self._ctes(node.withClause, None, frozenset())
            scope = Scope()
            self._add_range_var(node.relation, scope, ctes)
            self._from_item(node.sourceRelation, scope, ctes)
            if node.joinCondition is not None:
                self.qual(node.joinCondition, scope, ctes)
        elif isinstance(node, ast.InsertStmt) and isinstance(node.selectStmt, ast.SelectStmt):
            ctes = self._ctes(node.withClause, None, frozenset())
            self.select(node.selectStmt, None, ctes)
        return self.out

    def _ctes(
        self, with_clause: ast.WithClause | None, outer: Scope | None, ctes: frozenset[str]
    ) -> frozenset[str]:
        if with_clause is None:
            return ctes
        names = ctes | {c.ctename for c in with_clause.ctes or ()}
        for cte in with_clause.ctes or ():
            inner = names if with_clause.recursive else ctes
            if isinstance(cte.ctequery, ast.SelectStmt):
                self.select(cte.ctequery, outer, inner)
            elif cte.ctequery is not None:
                self.statement(cte.ctequery)
        return names

    def select(self, node: ast.SelectStmt, outer: Scope | None, ctes: frozenset[str]) -> None:
        ctes = self._ctes(node.withClause, outer, ctes)
        if node.op != SetOperation.SETOP_NONE:
            for branch in (node.larg, node.rarg):
                if branch is not None:
                    self.select(branch, outer, ctes)
            return
        if node.limitCount is not None:
            self.out.has_limit = True
        scope = Scope(parent=outer)
        for item in node.fromClause or ():
            self._from_item(item, scope, ctes)
        self._read(scope, node)
        if node.whereClause is not None:
            self.qual(node.whereClause, scope, ctes)
        for target in node.targetList or ():
            self._sublinks(target, scope, ctes)
        if node.havingClause is not None:
            self._sublinks(node.havingClause, scope, ctes)
        self.ordering(node.sortClause, scope, Role.ORDER_BY, sort=True)
        self.ordering(node.groupClause, scope, Role.GROUP_BY, sort=False)

    # -- FROM ---------------------------------------------------------------------------------

    def _add_range_var(self, rv: ast.RangeVar | None, scope: Scope, ctes: frozenset[str]) -> None:
        if rv is None or not rv.relname:
            return
        relname = rv.relname
        alias = (rv.alias.aliasname if rv.alias is not None else None) or relname
        if rv.schemaname is None and relname in ctes:
            scope.entries[alias] = None
            return
        table = self.catalog.resolve(rv.schemaname, relname)
        label = f"{rv.schemaname}.{relname}" if rv.schemaname else relname
        if table is None:
            system = rv.schemaname in _SYSTEM_SCHEMAS or (
                rv.schemaname is None and relname.startswith("pg_")
            )
            (self.out.system if system else self.out.unknown).add(label)
        elif table.kind in ("v", "f"):
            self.out.views.add(label)  # planned, but its columns are not traced to tables
            table = None
        else:
            self.out.tables[table.ref] = table
        scope.entries[alias] = table

    def _from_item(self, item: ast.Node | None, scope: Scope, ctes: frozenset[str]) -> None:
        if isinstance(item, ast.RangeVar):
            self._add_range_var(item, scope, ctes)
        elif isinstance(item, ast.JoinExpr):
            self._from_item(item.larg, scope, ctes)
            self._from_item(item.rarg, scope, ctes)
            if item.quals is not None:
                self.qual(item.quals, scope, ctes)
            for name in _names(item.usingClause):
                self._using(name, item, scope)
        elif isinstance(item, ast.RangeSubselect):
            if isinstance(item.subquery, ast.SelectStmt):
                self.select(item.subquery, scope if item.lateral else scope.parent, ctes)
            if item.alias is not None and item.alias.aliasname:
                scope.entries[item.alias.aliasname] = None
        elif isinstance(item, ast.RangeFunction):
            calls = [f for group in item.functions or () for f in group or ()]
            names = [n for call in calls if isinstance(call, ast.FuncCall)
                     for n in _names(call.funcname)[-1:]]  # fmt: skip
            self.out.functions.update(names)  # an SQL function may be inlined: the plan tells
            alias = item.alias.aliasname if item.alias and item.alias.aliasname else None
            if alias or len(names) == 1:
                scope.entries[alias or names[0]] = None

    def _using(self, name: str, join: ast.JoinExpr, scope: Scope) -> None:
        """``JOIN ... USING (col)``: a join key on every table of the scope that has the column."""
        tables = [t for t in scope.entries.values() if t is not None and t.column(name)]
        if len(tables) >= 2:
            for table in tables:
                self._use(table, IndexKey(name), Role.JOIN)

    # -- expressions --------------------------------------------------------------------------

    def resolve(self, ref: ast.ColumnRef, scope: Scope | None) -> tuple[Table, str] | None:
        """The table and column a column reference names in ``scope``, if one table's."""
        fields = _names(ref.fields)
        if not fields or len(fields) != len(ref.fields or ()):
            return None  # a star
        column = fields[-1]
        qualifier = fields[:-1]
        level = scope
        while level is not None:
            if qualifier:
                table = level.entries.get(qualifier[-1], None)
                if qualifier[-1] in level.entries:
                    if table is not None and (
                        len(qualifier) == 1 or table.ref.schema == qualifier[0]
                    ):
                        return (table, column) if table.column(column) else None
                    return None
            else:
                hits = [t for t in level.entries.values() if t is not None and t.column(column)]
                opaque = any(t is None for t in level.entries.values())
                if len(hits) == 1 and not opaque:
                    return hits[0], column
                if hits or opaque:
                    return (hits[0], column) if len(hits) == 1 else None
            level = level.parent
        return None

    def _tables_in(self, node: object, scope: Scope) -> tuple[set[TableRef], bool]:
        """Tables whose columns an expression reads, and whether it has sublinks or unknowns."""
        refs: set[TableRef] = set()
        opaque = False
        for sub in _walk_any(node):
            if isinstance(sub, ast.SubLink):
                opaque = True
            elif isinstance(sub, ast.ColumnRef):
                hit = self.resolve(sub, scope)
                if hit is None:
                    opaque = True
                else:
                    refs.add(hit[0].ref)
        return refs, opaque

    def _key(self, node: object, scope: Scope) -> tuple[Table, IndexKey] | None:
        """An indexable key: a column, or an expression over columns of exactly one table."""
        if isinstance(node, ast.ColumnRef):
            hit = self.resolve(node, scope)
            return (hit[0], IndexKey(hit[1])) if hit else None
        if not isinstance(node, (ast.FuncCall, ast.TypeCast, ast.A_Expr, ast.CoalesceExpr)):
            return None
        refs, opaque = self._tables_in(node, scope)
        if opaque or len(refs) != 1:
            return None
        if any(isinstance(n, (ast.ParamRef, ast.SubLink)) for n in walk(node)):
            return None
        if isinstance(node, ast.FuncCall) and (node.agg_star or node.over is not None):
            return None
        table = self.out.tables.get(next(iter(refs)))
        if table is None:
            return None
        bare = copy.deepcopy(node)
        for sub in walk(bare):
            if isinstance(sub, ast.ColumnRef) and sub.fields:
                sub.fields = (sub.fields[-1],)
        try:
            return table, IndexKey(syntax.deparse(bare), expression=True)
        except syntax.Unparsable:  # an expression pglast cannot print: no expression index
            return None

    def _use(
        self,
        table: Table,
        key: IndexKey,
        role: Role,
        position: int = 0,
        *,
        operator: str = "",
        detail: str = "",
    ) -> None:
        self.out.uses.append(ColumnUse(table.ref, key, role, position, operator, detail))

    def _predicate(self, table: Table, key: IndexKey, sql_text: str) -> None:
        """A predicate with no parameter in it: a partial index can carry it as its WHERE."""
        self._use(table, key, Role.PREDICATE, detail=sql_text)

    def _read(self, scope: Scope, node: ast.Node) -> None:
        """Record the columns a query level reads, per table, for covering indexes."""
        for sub in walk(node):
            if isinstance(sub, ast.ColumnRef):
                if any(isinstance(f, ast.A_Star) for f in sub.fields or ()):
                    qualifier = _names(sub.fields)
                    tables = (
                        [scope.entries.get(qualifier[-1])]
                        if qualifier
                        else list(scope.entries.values())
                    )
                    for table in tables:
                        if table is not None:
                            self.out.reads[table.ref] = None
                    continue
                hit = self.resolve(sub, scope)
                if hit is not None:
                    columns = self.out.reads.setdefault(hit[0].ref, set())
                    if columns is not None:
                        columns.add(hit[1])

    def qual(self, node: ast.Node, scope: Scope, ctes: frozenset[str]) -> None:
        if isinstance(node, ast.BoolExpr):
            if node.boolop == BoolExprType.NOT_EXPR:
                arg = node.args[0] if node.args else None
                if arg is not None and (key := self._key(arg, scope)) is not None:
                    self._use(key[0], key[1], Role.EQUALITY)  # WHERE NOT flag
                    self._predicate(key[0], key[1], f"NOT {_key_sql(key[1])}")
                else:
                    self._sublinks(node, scope, ctes)
                return
            for arg in node.args or ():
                self.qual(arg, scope, ctes)
            return
        if isinstance(node, ast.A_Expr):
            self._a_expr(node, scope, ctes)
        elif isinstance(node, ast.NullTest):
            key = self._key(node.arg, scope)
            if key is not None and node.nulltesttype == NullTestType.IS_NULL:
                self._use(key[0], key[1], Role.IS_NULL)
                self._predicate(key[0], key[1], f"{_key_sql(key[1])} IS NULL")
            elif key is not None:
                self._predicate(key[0], key[1], f"{_key_sql(key[1])} IS NOT NULL")
        elif isinstance(node, ast.SubLink):
            if node.testexpr is not None:
                key = self._key(node.testexpr, scope)
                if key is not None:
                    self._use(key[0], key[1], Role.JOIN)
            if isinstance(node.subselect, ast.SelectStmt):
                self.select(node.subselect, scope, ctes)
        elif isinstance(node, (ast.ColumnRef, ast.BooleanTest)):
            arg = node.arg if isinstance(node, ast.BooleanTest) else node
            key = self._key(arg, scope)
            if key is not None:
                self._use(key[0], key[1], Role.EQUALITY)  # WHERE flag / flag IS TRUE
                if isinstance(node, ast.ColumnRef):
                    self._predicate(key[0], key[1], _key_sql(key[1]))
        else:
            self._sublinks(node, scope, ctes)

    def _a_expr(self, node: ast.A_Expr, scope: Scope, ctes: frozenset[str]) -> None:
        op = _names(node.name)[-1] if node.name else ""
        kind = node.kind
        self._sublinks(node, scope, ctes)
        if kind == A_Expr_Kind.AEXPR_IN and op == _EQ:
            key = self._key(node.lexpr, scope)
            if key is not None:
                self._use(key[0], key[1], Role.IN_LIST)
            return
        if kind == A_Expr_Kind.AEXPR_OP_ANY and op == _EQ:
            key = self._key(node.lexpr, scope)
            if key is not None:
                self._use(key[0], key[1], Role.IN_LIST)
            return
        if kind in (A_Expr_Kind.AEXPR_BETWEEN, A_Expr_Kind.AEXPR_BETWEEN_SYM):
            key = self._key(node.lexpr, scope)
            if key is not None:
                self._use(key[0], key[1], Role.RANGE)
                for bound in node.rexpr or ():
                    self._type_params(bound, key[0], key[1])
            return
        if kind in _PATTERN_KINDS and op in _PATTERN_OPS:  # LIKE, or ~~ as EXPLAIN prints it
            key = self._key(node.lexpr, scope)
            if key is not None:
                pattern = node.rexpr
                if isinstance(pattern, ast.TypeCast):
                    pattern = pattern.arg  # 'abc%'::text
                constant = ""
                if isinstance(pattern, ast.A_Const) and isinstance(pattern.val, ast.String):
                    constant = pattern.val.sval or ""
                self._use(key[0], key[1], Role.PATTERN, operator=op, detail=constant)
            return
        if kind == A_Expr_Kind.AEXPR_OP and op in _GIN_OPS:
            key = self._key(node.lexpr, scope)
            if key is not None:
                role = Role.TEXT_SEARCH if op == "@@" else Role.CONTAINMENT
                self._use(key[0], key[1], role, operator=op)
            return
        if kind != A_Expr_Kind.AEXPR_OP or op not in _RANGE_OPS | {_EQ}:
            return
        if (
            op == _EQ
            and isinstance(node.lexpr, ast.RowExpr)
            and isinstance(node.rexpr, ast.RowExpr)
            and len(node.lexpr.args or ()) == len(node.rexpr.args or ())
        ):
            # (a, b) = ($1, $2) is a = $1 AND b = $2
            for left, right in zip(node.lexpr.args or (), node.rexpr.args or (), strict=True):
                pair = ast.A_Expr(
                    kind=A_Expr_Kind.AEXPR_OP, name=node.name, lexpr=left, rexpr=right
                )
                self._a_expr(pair, scope, ctes)
            return
        for this, other in ((node.lexpr, node.rexpr), (node.rexpr, node.lexpr)):
            if this is None or other is None:
                continue
            key = self._key(this, scope)
            if key is None:
                continue
            table, index_key = key
            refs, opaque = self._tables_in(other, scope)
            if table.ref in refs:
                continue  # a.x = a.y: not a key lookup
            self._type_params(other, table, index_key)
            if op == _EQ:
                direct = isinstance(this, ast.ColumnRef) and isinstance(other, ast.ColumnRef)
                role = Role.JOIN if refs and direct else Role.EQUALITY
                if refs and not direct and not opaque:
                    role = Role.JOIN
                self._use(table, index_key, role)
            else:
                self._use(table, index_key, Role.RANGE)

    def _type_params(self, node: object, table: Table, key: IndexKey) -> None:
        """Cast bare parameters in untyped arithmetic to the type of the column they meet."""
        if key.expression:
            return
        column = table.column(key.text)
        if column is None:
            return
        for sub in _walk_any(node):
            if not (isinstance(sub, ast.A_Expr) and sub.kind == A_Expr_Kind.AEXPR_OP):
                continue
            if (_names(sub.name) or [""])[-1] not in _ARITH:
                continue
            if isinstance(sub.lexpr, ast.ParamRef) and isinstance(sub.rexpr, ast.ParamRef):
                sub.lexpr = _cast(sub.lexpr, column.type)
                sub.rexpr = _cast(sub.rexpr, column.type)
                self.out.modified = True
                self.out.notes.append(f"untyped parameters in arithmetic cast to {column.type}")

    def _sublinks(self, node: ast.Node, scope: Scope, ctes: frozenset[str]) -> None:
        """Visit every subquery inside an expression, with this scope as its outer scope."""
        for sub in children(node):
            if isinstance(sub, ast.SubLink):
                if isinstance(sub.subselect, ast.SelectStmt):
                    self.select(sub.subselect, scope, ctes)
            else:
                self._sublinks(sub, scope, ctes)

    def ordering(
        self, items: tuple[ast.Node, ...] | None, scope: Scope, role: Role, *, sort: bool
    ) -> None:
        """ORDER BY (``sort``) or GROUP BY keys, when they are all keys of one table.

        Sort keys keep their direction only where the directions are mixed: a backward scan of
        a plain index serves an ORDER BY that is entirely reversed.
        """
        keys = []
        for item in items or ():
            expr = item.node if isinstance(item, ast.SortBy) else item
            found = self._key(expr, scope)
            if found is None:
                return  # a position, an alias, an aggregate: not one table's key
            if sort and isinstance(item, ast.SortBy):
                order = _sort_order(item)
                if order is None:
                    return  # ORDER BY ... USING an operator
                found = (found[0], replace(found[1], descending=order[0], nulls_first=order[1]))
            keys.append(found)
        if not keys or len({t.ref for t, _ in keys}) != 1:
            return
        if len({key.order for _, key in keys}) == 1 and keys[0][1].order in _UNIFORM:
            keys = [(table, key.column) for table, key in keys]
        for position, (table, key) in enumerate(keys):
            self._use(table, key, role, position)


# the orders a plain index serves, forwards or backwards: (descending, nulls first)
_UNIFORM = {(False, False), (True, True)}


def _sort_order(item: ast.SortBy) -> tuple[bool, bool | None] | None:
    """(descending, nulls first or None for the default) of an ORDER BY item; None for USING."""
    if item.sortby_dir == SortByDir.SORTBY_USING:
        return None
    descending = item.sortby_dir == SortByDir.SORTBY_DESC
    if item.sortby_nulls == SortByNulls.SORTBY_NULLS_FIRST:
        return descending, True
    if item.sortby_nulls == SortByNulls.SORTBY_NULLS_LAST:
        return descending, False
    return descending, None


def _key_sql(key: IndexKey) -> str:
    from advisor.db.ddl import display

    return f"({key.text})" if key.expression else display(key.text)


def _walk_any(node: object) -> Iterator[ast.Node]:
    """``walk`` over a node, a tuple of nodes, or nothing."""
    if isinstance(node, ast.Node):
        yield from walk(node)
    elif isinstance(node, (tuple, list)):
        for item in node:
            yield from _walk_any(item)


def _cast(param: ast.ParamRef, type_text: str) -> ast.TypeCast:
    """``$n`` -> ``CAST($n AS type)``; the type text comes from the catalog's format_type()."""
    return ast.TypeCast(arg=param, typeName=syntax.type_name(type_text))


def extract(node: ast.Node, catalog: Catalog) -> Extraction:
    return PredicateWalker(catalog).statement(node)
