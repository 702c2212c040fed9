"""What the MCP tools accept: a bound on every input, and statements checked by the real parser.

The bounds are written into each tool's input schema, so the model sees them, and the SDK
validates every call against that schema before a tool runs. The statement checks run next, on
pglast's parse tree:

- ``plannable``: exactly one statement, of a kind EXPLAIN can plan without running it (SELECT,
  INSERT, UPDATE, DELETE, MERGE, VALUES, WITH); ``SELECT ... INTO`` is refused (it creates a
  table). Anything else (``DROP``, ``COPY ... TO PROGRAM``, ``CREATE INDEX``, a second statement
  after a semicolon) is refused with a one-line reason.
- ``hypothetical_index``: exactly one ``CREATE INDEX``, printed back from the parse tree without
  its name, ``CONCURRENTLY`` or ``IF NOT EXISTS``, for HypoPG.

A refusal is a ``Refused`` error: the tool returns it to the model as a tool error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from pglast import ast
from pglast.stream import RawStream
from pglast.visitors import Visitor
from pydantic import Field

from advisor.errors import UsageError
from advisor.lint.sqlexpr import func_name
from advisor.parse import repair, syntax
from advisor.parse.syntax import Unparsable

MAX_STATEMENT_CHARS = 100_000
MAX_QUERIES = 50
MAX_HYPOTHETICAL_INDEXES = 10
MAX_INDEX_CHARS = 10_000
MAX_MIGRATION_CHARS = 1_000_000
MAX_TABLE_NAME_CHARS = 300  # a quoted schema and name of 63 bytes each, with room to spare
MAX_LIMIT = 1_000
MAX_INDEXES = 1_000
MAX_SIZE_CHARS = 32
MAX_PERIOD_CHARS = 32

Query = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_STATEMENT_CHARS,
        description="One SQL statement: SELECT, INSERT, UPDATE, DELETE, MERGE, VALUES or WITH. "
        "$1, $2 ... parameters or literal values.",
    ),
]
Queries = Annotated[
    list[Query],
    Field(min_length=1, max_length=MAX_QUERIES, description="Statements, one per item."),
]
HypotheticalIndexes = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=MAX_INDEX_CHARS)]],
    Field(
        max_length=MAX_HYPOTHETICAL_INDEXES,
        description="CREATE INDEX statements, one per item, made hypothetical with HypoPG "
        "(btree, hash, brin; nothing is built).",
    ),
]
Size = Annotated[
    str | None,
    Field(
        max_length=MAX_SIZE_CHARS,
        pattern=r"^\s*\d+(\.\d+)?\s*([KMGTkmgt]?[Bb]?)\s*$",
        description="Total size budget of the new indexes, e.g. 500MB or 2GB.",
    ),
]
MaxIndexes = Annotated[
    int | None, Field(ge=0, le=MAX_INDEXES, description="Recommend at most this many indexes.")
]
MinCalls = Annotated[
    int, Field(ge=0, le=2**31, description="Ignore statements called fewer times.")
]
Top = Annotated[
    int | None,
    Field(ge=1, le=MAX_LIMIT, description="Analyse only the N statements of most total time."),
]
Limit = Annotated[int, Field(ge=1, le=MAX_LIMIT, description="How many statements to list.")]
OrderBy = Literal["total_time", "mean_time", "calls"]
TableName = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_TABLE_NAME_CHARS,
        description='A table: orders, billing.invoices or "Sales"."UserAccounts" (unquoted '
        "names fold to lower case; unqualified ones follow the search_path).",
    ),
]
MigrationText = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_MIGRATION_CHARS,
        description="The SQL of one migration file.",
    ),
]
Period = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_PERIOD_CHARS,
        description="Length of the period, and of the one it is compared with (e.g. 7d, 4w).",
    ),
]


class Refused(UsageError):
    """The input is not something the tool accepts; the message says why, on one line."""


_KINDS: dict[type[ast.Node], str] = {
    ast.SelectStmt: "SELECT",
    ast.InsertStmt: "INSERT",
    ast.UpdateStmt: "UPDATE",
    ast.DeleteStmt: "DELETE",
    ast.MergeStmt: "MERGE",
}
_NAMES = {  # how a refused statement is named in the message
    "IndexStmt": "CREATE INDEX",
    "CopyStmt": "COPY",
    "DropStmt": "DROP",
    "ExplainStmt": "EXPLAIN",
    "CreateStmt": "CREATE TABLE",
    "CreateTableAsStmt": "CREATE TABLE AS",
    "TransactionStmt": "a transaction command",
    "VariableSetStmt": "SET",
    "DoStmt": "DO",
    "CallStmt": "CALL",
    "TruncateStmt": "TRUNCATE",
    "AlterTableStmt": "ALTER TABLE",
    "GrantStmt": "GRANT",
    "VacuumStmt": "VACUUM or ANALYZE",
    "PrepareStmt": "PREPARE",
    "ExecuteStmt": "EXECUTE",
}
_ALLOWED = "SELECT, INSERT, UPDATE, DELETE, MERGE, VALUES or WITH"


def _first_line(text: object) -> str:
    lines = str(text).strip().splitlines()
    return lines[0] if lines else ""


def _statement_name(node: ast.Node) -> str:
    name = type(node).__name__
    return _NAMES.get(name, name.removesuffix("Stmt").upper() or name)


def _parse(text: str, what: str) -> list[ast.RawStmt]:
    try:
        return list(syntax.parse(text))
    except Unparsable as exc:
        raise Refused(f"the {what} does not parse: {exc.reason}") from None


def _one(statements: list[ast.RawStmt], what: str) -> ast.Node:
    if not statements:
        raise Refused(f"the {what} is empty")
    if len(statements) > 1:
        raise Refused(
            f"{len(statements)} statements given: the {what} must be exactly one statement"
        )
    node = statements[0].stmt
    assert node is not None  # the parser gives every raw statement a node
    return node


def _print(node: ast.Node, what: str) -> str:
    try:
        return str(RawStream()(node))
    except (RecursionError, NotImplementedError, ValueError) as exc:
        raise Refused(f"the {what} cannot be printed back by the parser: {exc}") from None


@dataclass(frozen=True)
class Plannable:
    """A statement that passed the checks: the text to plan, and what it calls."""

    text: str  # printed back from the parse tree: exactly the one statement that was checked
    kind: str
    param_count: int
    functions: tuple[str, ...]  # every function it calls, as written (maybe schema-qualified)


def plannable(text: str) -> Plannable:
    """``text`` as one statement EXPLAIN can plan without running it; ``Refused`` otherwise."""
    fixed = repair.repair_text(text).sql  # pg_stat_statements texts like ``interval $1``
    node = _one(_parse(fixed, "query"), "query")
    kind = _KINDS.get(type(node))
    if kind is None:
        raise Refused(
            f"{_statement_name(node)} is not accepted: only {_ALLOWED} statements are planned"
        )
    if isinstance(node, ast.SelectStmt) and node.intoClause is not None:
        raise Refused("SELECT ... INTO creates a table: not accepted")
    if isinstance(node, ast.SelectStmt) and node.valuesLists and not node.fromClause:
        kind = "VALUES"
    found = _Calls()
    found(node)
    return Plannable(_print(node, "query"), kind, found.params, tuple(sorted(found.functions)))


class _Calls(Visitor):
    """Every function call and the highest ``$n`` of a statement, in every clause (pglast's
    visitor walks lists of lists too, e.g. the functions of ``FROM ROWS FROM (...)``)."""

    def __init__(self) -> None:
        self.functions: set[str] = set()
        self.params = 0

    def visit_FuncCall(self, _ancestors: object, node: ast.FuncCall) -> None:
        self.functions.add(func_name(node))

    def visit_ParamRef(self, _ancestors: object, node: ast.ParamRef) -> None:
        self.params = max(self.params, node.number or 0)


@dataclass(frozen=True)
class Hypothetical:
    """A hypothetical index that passed the checks."""

    text: str  # CREATE INDEX printed back from the parse tree, unnamed, for hypopg_create_index
    method: str


def hypothetical_index(text: str) -> Hypothetical:
    """``text`` as exactly one ``CREATE INDEX``; ``Refused`` otherwise."""
    node = _one(_parse(text, "hypothetical index"), "hypothetical index")
    if not isinstance(node, ast.IndexStmt):
        raise Refused(
            f"hypothetical indexes must be CREATE INDEX statements, not {_statement_name(node)}"
        )
    node.idxname = None  # HypoPG names its indexes itself
    node.concurrent = False
    node.if_not_exists = False
    return Hypothetical(_print(node, "hypothetical index"), str(node.accessMethod or "btree"))
