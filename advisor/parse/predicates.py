"""Walk a parsed statement and say, per table, how each column is used.

Scopes follow SQL: each SELECT level sees its FROM items and, for correlated subqueries, the levels
around it. Names are resolved through aliases, CTEs (not tables) and the search_path. A CTE is
visible to the CTEs after it in the same WITH (all of them under RECURSIVE), to subqueries, and to
nested WITHs. A column compared with a parameter or constant is an equality or range use; compared
with a column of another table it is a join key on both sides (a parameterized nested loop reads
it by index).

CTEs and subqueries in FROM are relations with output columns: each has the type of the
expression it selects and, when it selects a plain column, that column as its source, so a filter
or join on ``cte.col`` is also a use of the underlying table's column (the planner inlines such
CTEs and pushes quals down into subqueries).

While walking, parameters in arithmetic that has no type (``$5 + $6``, left untyped by
normalization) are cast to the type of what they meet (``types``).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
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
from advisor.parse import syntax, types

_EQ = "="
_RANGE_OPS = {"<", ">", "<=", ">="}
_COMPARISONS = _RANGE_OPS | {_EQ, "<>", "!="}
_OPERANDS = types.ARITHMETIC | {types.CONCAT}
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


@dataclass(frozen=True)
class Output:
    """An output column of a CTE or subquery: its type, and the table column it selects (a
    filter on it can reach that column: the planner inlines the CTE or pushes the qual down)."""

    type: str | None = None
    source: tuple[Table, str] | None = None


@dataclass(frozen=True)
class Relation:
    """A CTE or subquery as the query around it sees it."""

    columns: Mapping[str, Output]
    complete: bool = True  # False: a star we could not expand, other names may exist

    def renamed(self, names: list[str]) -> Relation:
        """``AS x(a, b)``: the first output columns take the alias's names."""
        if not names:
            return self
        items = list(self.columns.items())
        renamed = {n: out for n, (_, out) in zip(names, items, strict=False)}
        renamed.update({k: v for k, v in items[len(names) :] if k not in renamed})
        return Relation(renamed, self.complete)


OPAQUE = Relation({}, complete=False)
Ctes = Mapping[str, Relation]


@dataclass
class Scope:
    """One query level: alias -> table (None for subqueries, CTEs and functions), and the
    output columns of the CTEs and subqueries among them."""

    entries: dict[str, Table | None] = field(default_factory=dict)
    parent: Scope | None = None
    derived: dict[str, Relation] = field(default_factory=dict)


@dataclass(frozen=True)
class Resolved:
    """What a column reference names: its type and, when known, the table column behind it."""

    type: str | None
    table: Table | None = None
    column: str | None = None
    direct: bool = True  # the table is in this FROM (not reached through a CTE or subquery)


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


def column_name(node: object) -> str:
    """The name PostgreSQL gives an unaliased output column (``FigureColname``)."""
    if isinstance(node, ast.ColumnRef):
        names = _names(node.fields)
        return names[-1] if names and len(names) == len(node.fields or ()) else "?column?"
    if isinstance(node, ast.FuncCall) and node.funcname:
        return node.funcname[-1].sval or "?column?"
    if isinstance(node, ast.TypeCast):
        inner = column_name(node.arg)
        if inner != "?column?" or node.typeName is None:
            return inner
        names = _names(node.typeName.names)
        return names[-1] if names else inner
    if isinstance(node, ast.CaseExpr):
        return "case"
    if isinstance(node, ast.CoalesceExpr):
        return "coalesce"
    if isinstance(node, ast.SubLink) and isinstance(node.subselect, ast.SelectStmt):
        targets = node.subselect.targetList or ()
        if targets and isinstance(targets[0], ast.ResTarget):
            return targets[0].name or column_name(targets[0].val)
    return "?column?"


class PredicateWalker:
    """Collects column uses of one statement against a catalog."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.out = Extraction()
        self._relations: dict[int, Relation] = {}  # id(SelectStmt) -> its output columns

    # -- statements ---------------------------------------------------------------------------

    def statement(self, node: ast.Node, ctes: Ctes | None = None) -> Extraction:
        ctes = ctes or {}
        if isinstance(node, ast.SelectStmt):
            self.select(node, None, ctes)
        elif isinstance(node, (ast.UpdateStmt, ast.DeleteStmt)):
            ctes = self._ctes(node.withClause, None, ctes)
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
            targets = node.targetList if isinstance(node, ast.UpdateStmt) else None
            self._type_parameters((node.whereClause, targets), scope)
        elif isinstance(node, ast.MergeStmt):
            ctes = self._ctes(node.withClause, None, ctes)
            scope = Scope()
            self._add_range_var(node.relation, scope, ctes)
            self._from_item(node.sourceRelation, scope, ctes)
            if node.joinCondition is not None:
                self.qual(node.joinCondition, scope, ctes)
            self._type_parameters(node.joinCondition, scope)
        elif isinstance(node, ast.InsertStmt) and isinstance(node.selectStmt, ast.SelectStmt):
            ctes = self._ctes(node.withClause, None, ctes)
            self.select(node.selectStmt, None, ctes)
        return self.out

    def _ctes(self, with_clause: ast.WithClause | None, outer: Scope | None, ctes: Ctes) -> Ctes:
        """Walk the CTEs of a WITH in order; each sees the ones before it (all, if RECURSIVE)."""
        if with_clause is None:
            return ctes
        visible = dict(ctes)
        if with_clause.recursive:
            visible.update({c.ctename: OPAQUE for c in with_clause.ctes or () if c.ctename})
        for cte in with_clause.ctes or ():
            relation = OPAQUE
            if isinstance(cte.ctequery, ast.SelectStmt):
                relation = self.select(cte.ctequery, outer, dict(visible))
            elif cte.ctequery is not None:
                self.statement(cte.ctequery, dict(visible))  # INSERT/UPDATE/DELETE ... RETURNING
            if cte.ctename:
                visible[cte.ctename] = relation.renamed(_names(cte.aliascolnames))
        return visible

    def select(self, node: ast.SelectStmt, outer: Scope | None, ctes: Ctes) -> Relation:
        """Walk one SELECT (or set operation); its output columns."""
        ctes = self._ctes(node.withClause, outer, ctes)
        if node.op != SetOperation.SETOP_NONE:
            branches = [self.select(b, outer, ctes) for b in (node.larg, node.rarg) if b]
            relation = _set_operation(branches)
        elif node.valuesLists:
            relation = self._values(node, outer, ctes)
        else:
            relation = self._plain_select(node, outer, ctes)
        self._relations[id(node)] = relation
        return relation

    def _plain_select(self, node: ast.SelectStmt, outer: Scope | None, ctes: Ctes) -> Relation:
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
        self._type_parameters(
            (node.whereClause, node.targetList, node.havingClause, node.fromClause), scope
        )
        return self._outputs(node, scope)

    def _values(self, node: ast.SelectStmt, outer: Scope | None, ctes: Ctes) -> Relation:
        scope = Scope(parent=outer)
        rows = [row for row in node.valuesLists or () if isinstance(row, (tuple, list))]
        for row in rows:
            for cell in row:
                if isinstance(cell, ast.Node):
                    self._sublinks(cell, scope, ctes)
        cells = rows[0] if rows else ()
        return Relation(
            {
                f"column{i}": Output(types.expression_type(cell, self._lookup(scope)))
                for i, cell in enumerate(cells, start=1)
            }
        )

    def _outputs(self, node: ast.SelectStmt, scope: Scope) -> Relation:
        """The select list as columns: names, types, and the table columns a qual can reach."""
        lookup = self._lookup(scope)
        pushable = (
            node.limitCount is None
            and node.limitOffset is None
            and not any(
                isinstance(n, ast.FuncCall) and n.over is not None
                for n in types.level_nodes(node.targetList)
            )
        )
        grouped = {
            (r.table.ref, r.column)
            for g in node.groupClause or ()
            if isinstance(g, ast.ColumnRef)
            and (r := self._resolve_any(g, scope)) is not None
            and r.table is not None
        }
        columns: dict[str, Output] = {}
        complete = True
        for target in node.targetList or ():
            if not isinstance(target, ast.ResTarget):
                continue
            value = target.val
            if isinstance(value, ast.ColumnRef) and any(
                isinstance(f, ast.A_Star) for f in value.fields or ()
            ):
                expanded, whole = self._star(value, scope)
                complete &= whole
                for name, out in expanded.items():
                    columns.setdefault(name, out)
                continue
            name = target.name or column_name(value)
            source = None
            if pushable and isinstance(value, ast.ColumnRef):
                hit = self._resolve_any(value, scope)
                if hit is not None and hit.table is not None and hit.column is not None:
                    key = (hit.table.ref, hit.column)
                    if node.groupClause is None or key in grouped:
                        source = (hit.table, hit.column)
            columns.setdefault(name, Output(types.expression_type(value, lookup), source))
        return Relation(columns, complete)

    def _star(self, ref: ast.ColumnRef, scope: Scope) -> tuple[dict[str, Output], bool]:
        """``*`` or ``t.*`` expanded over the FROM items it names."""
        qualifier = _names(ref.fields)
        aliases = [qualifier[-1]] if qualifier else list(scope.entries)
        columns: dict[str, Output] = {}
        complete = True
        for alias in aliases:
            table = scope.entries.get(alias)
            if table is not None:
                for col in table.columns:
                    columns.setdefault(
                        col.name, Output(types.canonical(col.type), (table, col.name))
                    )
            elif alias in scope.derived:
                relation = scope.derived[alias]
                complete &= relation.complete
                for name, out in relation.columns.items():
                    columns.setdefault(name, out)
            else:
                complete = False
        return columns, complete

    # -- FROM ---------------------------------------------------------------------------------

    def _add_range_var(self, rv: ast.RangeVar | None, scope: Scope, ctes: Ctes) -> None:
        if rv is None or not rv.relname:
            return
        relname = rv.relname
        alias = (rv.alias.aliasname if rv.alias is not None else None) or relname
        if rv.schemaname is None and relname in ctes:
            scope.entries[alias] = None
            colnames = _names(rv.alias.colnames) if rv.alias is not None else []
            scope.derived[alias] = ctes[relname].renamed(colnames)
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

    def _from_item(self, item: ast.Node | None, scope: Scope, ctes: Ctes) -> None:
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
            relation = OPAQUE
            if isinstance(item.subquery, ast.SelectStmt):
                relation = self.select(item.subquery, scope if item.lateral else scope.parent, ctes)
            if item.alias is not None and item.alias.aliasname:
                scope.entries[item.alias.aliasname] = None
                scope.derived[item.alias.aliasname] = relation.renamed(_names(item.alias.colnames))
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

    def _resolve_any(self, ref: ast.ColumnRef, scope: Scope | None) -> Resolved | None:
        """The column a reference names, in this scope or an outer one, through CTEs and
        subqueries; None for a star, an unknown name or an ambiguous one."""
        fields = _names(ref.fields)
        if not fields or len(fields) != len(ref.fields or ()):
            return None  # a star
        column = fields[-1]
        qualifier = fields[:-1]
        level = scope
        while level is not None:
            if qualifier:
                if qualifier[-1] in level.entries:
                    return self._in_entry(level, qualifier, column)
            else:
                hits = [
                    hit
                    for alias in level.entries
                    if (hit := self._in_entry(level, [alias], column)) is not None
                ]
                opaque = any(
                    t is None and not level.derived.get(a, OPAQUE).complete
                    for a, t in level.entries.items()
                )
                if len(hits) == 1 and not opaque:
                    return hits[0]
                if hits or opaque:
                    return hits[0] if len(hits) == 1 else None
            level = level.parent
        return None

    @staticmethod
    def _in_entry(level: Scope, qualifier: list[str], column: str) -> Resolved | None:
        alias = qualifier[-1]
        table = level.entries.get(alias)
        if table is not None:
            if len(qualifier) > 1 and table.ref.schema != qualifier[0]:
                return None
            col = table.column(column)
            return Resolved(types.canonical(col.type), table, column) if col else None
        relation = level.derived.get(alias)
        out = relation.columns.get(column) if relation is not None else None
        if out is None:
            return None
        if out.source is None:
            return Resolved(out.type)
        return Resolved(out.type, out.source[0], out.source[1], direct=False)

    def resolve(
        self, ref: ast.ColumnRef, scope: Scope | None, *, through: bool = True
    ) -> tuple[Table, str] | None:
        """The table column a reference reads; ``through``: also through CTEs and subqueries."""
        hit = self._resolve_any(ref, scope)
        if hit is None or hit.table is None or hit.column is None:
            return None
        if not hit.direct and not through:
            return None
        return hit.table, hit.column

    def _lookup(self, scope: Scope) -> types.TypeOf:
        """The type of a column reference or scalar subquery in this scope."""

        def lookup(node: ast.Node) -> str | None:
            if isinstance(node, ast.ColumnRef):
                hit = self._resolve_any(node, scope)
                return hit.type if hit is not None else None
            if isinstance(node, ast.SubLink) and isinstance(node.subselect, ast.SelectStmt):
                relation = self._relations.get(id(node.subselect))
                if relation is not None and len(relation.columns) == 1:
                    return next(iter(relation.columns.values())).type
            return None

        return lookup

    def _type_parameters(self, nodes: object, scope: Scope) -> None:
        """Cast parameters in untyped arithmetic to the type of what they meet: the other side
        of a comparison, BETWEEN or IN, or the other operand of arithmetic."""
        lookup = self._lookup(scope)
        for node in types.level_nodes(nodes):
            if not isinstance(node, ast.A_Expr):
                continue
            op = types.operator(node)
            pairs: list[tuple[object, object]] = []
            if node.kind == A_Expr_Kind.AEXPR_OP and op in _COMPARISONS | _OPERANDS:
                pairs = [(node.lexpr, node.rexpr), (node.rexpr, node.lexpr)]
            elif node.kind in (
                A_Expr_Kind.AEXPR_BETWEEN, A_Expr_Kind.AEXPR_NOT_BETWEEN,
                A_Expr_Kind.AEXPR_BETWEEN_SYM, A_Expr_Kind.AEXPR_NOT_BETWEEN_SYM,
                A_Expr_Kind.AEXPR_IN,
            ):  # fmt: skip
                pairs = [(bound, node.lexpr) for bound in node.rexpr or ()]
            if node.kind == A_Expr_Kind.AEXPR_OP and op in types.ARITHMETIC:
                self._type_datetime_operand(node, lookup)
            for untyped, other in pairs:
                if not types.untyped_arithmetic(untyped) or types.is_untyped(other):
                    continue
                assert isinstance(untyped, ast.A_Expr)
                found = types.expression_type(other, lookup)
                wanted = _cast_target(found, types.operator(untyped))
                if wanted is None:
                    continue
                self._note_cast(types.cast_params(untyped, wanted), wanted)

    def _type_datetime_operand(self, node: ast.A_Expr, lookup: types.TypeOf) -> None:
        """``date_col + $1``: the server finds ``date + unknown`` ambiguous (and reads
        ``date - $1`` as ``date - date``); a number of days was meant (an interval for a
        timestamp: ``interval '1 day'`` keeps its type through normalization)."""
        for side, other in (("rexpr", node.lexpr), ("lexpr", node.rexpr)):
            operand = getattr(node, side)
            if not isinstance(operand, ast.ParamRef) or other is None:
                continue
            found = types.expression_type(other, lookup)
            wanted = _DATETIME_OPERAND.get(found or "")
            if wanted is not None and (side == "rexpr" or types.operator(node) == "+"):
                setattr(node, side, types.cast_node(operand, wanted))
                self._note_cast([operand.number or 0], wanted)

    def _note_cast(self, numbers: list[int], wanted: str) -> None:
        if not numbers:
            return
        self.out.modified = True
        params = ", ".join(f"${n}" for n in sorted(numbers))
        self.out.notes.append(
            f"untyped parameters {params} in arithmetic cast to {wanted}, the type of what "
            "they meet"
        )

    def _tables_in(
        self, node: object, scope: Scope, *, through: bool = True
    ) -> tuple[set[TableRef], bool]:
        """Tables whose columns an expression reads, and whether it has sublinks or unknowns."""
        refs: set[TableRef] = set()
        opaque = False
        for sub in _walk_any(node):
            if isinstance(sub, ast.SubLink):
                opaque = True
            elif isinstance(sub, ast.ColumnRef):
                hit = self.resolve(sub, scope, through=through)
                if hit is None:
                    opaque = True
                else:
                    refs.add(hit[0].ref)
        return refs, opaque

    def _key(
        self, node: object, scope: Scope, *, through: bool = True
    ) -> tuple[Table, IndexKey] | None:
        """An indexable key: a column, or an expression over columns of exactly one table.
        ``through``: a column may be reached through a CTE or subquery (expressions may not:
        their text names the columns as written)."""
        if isinstance(node, ast.ColumnRef):
            hit = self.resolve(node, scope, through=through)
            return (hit[0], IndexKey(hit[1])) if hit else None
        if not isinstance(node, (ast.FuncCall, ast.TypeCast, ast.A_Expr, ast.CoalesceExpr)):
            return None
        refs, opaque = self._tables_in(node, scope, through=False)
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
                hit = self.resolve(sub, scope, through=False)
                if hit is not None:
                    columns = self.out.reads.setdefault(hit[0].ref, set())
                    if columns is not None:
                        columns.add(hit[1])

    def qual(self, node: ast.Node, scope: Scope, ctes: Ctes) -> None:
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

    def _a_expr(self, node: ast.A_Expr, scope: Scope, ctes: Ctes) -> None:
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
            if table.ref in refs and not _other_row(this, other):
                continue  # a.x = a.y: not a key lookup (but a1.x = a2.y is a self-join)
            if op == _EQ:
                direct = isinstance(this, ast.ColumnRef) and isinstance(other, ast.ColumnRef)
                # a column of a CTE or subquery that reaches no table column is a join key too
                joined = bool(refs) or (
                    isinstance(other, ast.ColumnRef) and self._resolve_any(other, scope) is not None
                )
                role = Role.JOIN if joined and direct else Role.EQUALITY
                if refs and not direct and not opaque:
                    role = Role.JOIN
                self._use(table, index_key, role)
            else:
                self._use(table, index_key, Role.RANGE)

    def _sublinks(self, node: ast.Node, scope: Scope, ctes: Ctes) -> None:
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
            found = self._key(expr, scope, through=False)
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


def _other_row(this: object, other: object) -> bool:
    """``a1.x = a2.y``: two columns under different aliases, so two rows of the same table."""
    if not (isinstance(this, ast.ColumnRef) and isinstance(other, ast.ColumnRef)):
        return False
    left, right = _names(this.fields)[:-1], _names(other.fields)[:-1]
    return bool(left) and bool(right) and left != right


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


def _set_operation(branches: list[Relation]) -> Relation:
    """UNION / INTERSECT / EXCEPT: the first branch's names, the first known type of each
    position; no source (each branch reads its own tables)."""
    if not branches:
        return OPAQUE
    names = list(branches[0].columns)
    columns = {}
    for i, name in enumerate(names):
        found = None
        for branch in branches:
            outs = list(branch.columns.values())
            if i < len(outs) and outs[i].type is not None:
                found = outs[i].type
                break
        columns[name] = Output(found)
    return Relation(columns, all(b.complete for b in branches))


_DATETIME_OPERAND = {
    "date": "integer",
    "timestamp without time zone": "interval",
    "timestamp with time zone": "interval",
}


def _cast_target(found: str | None, op: str) -> str | None:
    """The type to give untyped parameters that meet a value of type ``found`` through ``op``."""
    if op == types.CONCAT:
        return "text" if found in types.TEXT_TYPES else None
    return found if types.is_numeric(found) else None


def extract(node: ast.Node, catalog: Catalog) -> Extraction:
    return PredicateWalker(catalog).statement(node)
