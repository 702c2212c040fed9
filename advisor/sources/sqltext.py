"""SQL text helpers shared by the sources, all on the real parser (pglast).

Fingerprints group a statement whatever its constants: ``WHERE id = 42`` from a log,
``WHERE id = $1`` from pg_stat_statements and ``IN (1, 2)`` / ``IN ($1, $2, $3)`` all fingerprint
alike. Texts pg_stat_statements normalized beyond what parses (``date $1``) are repaired first.
"""

from __future__ import annotations

import functools
import re

from pglast import ast

from advisor import durations
from advisor.parse import syntax
from advisor.parse.repair import repair_text
from advisor.parse.syntax import Unparsable

_WORKLOAD = (ast.SelectStmt, ast.InsertStmt, ast.UpdateStmt, ast.DeleteStmt, ast.MergeStmt)


@functools.lru_cache(maxsize=65536)
def fingerprint(text: str) -> str:
    """The parser's fingerprint; after repair if needed; else the text with whitespace folded.

    libpg_query's fingerprint leaves out schema names and digits in table names (it groups
    time-series partitions), so ``a.orders`` / ``b.orders`` and ``shard_01`` / ``shard_02``
    would fingerprint alike; an index serves one table, so the tables as written are appended.
    """
    for candidate in (text, repair_text(text).sql):
        try:
            return syntax.fingerprint(candidate) + tables_key(candidate)
        except Unparsable:
            continue
    return " ".join(text.split())


_RANGE_VAR = re.compile(  # a RangeVar node, or the typed "relation" of INSERT/UPDATE/DELETE/MERGE
    r'"(?:RangeVar|relation)":\{(?:"catalogname":"(?:[^"\\]|\\.)*",)?'
    r'(?:"schemaname":"((?:[^"\\]|\\.)*)",)?"relname":"((?:[^"\\]|\\.)*)"'
)


def tables_key(text: str) -> str:
    """``|"schema"."table" ""."table" ...``: the tables the statement names, as written."""
    try:
        tree = syntax.parse_json(text)
    except Unparsable:
        return ""
    # JSON-escaped, so quoting them keeps "a.b"."c" apart from "a"."b.c"
    names = " ".join(f'"{schema}"."{name}"' for schema, name in _RANGE_VAR.findall(tree))
    return f"|{names}" if names else ""


_SYSTEM_SCHEMAS = ("pg_catalog", "information_schema")
_STATEMENT_KIND = re.compile(r'^\{"version":\d+,"stmts":\[\{"stmt":\{"(\w+)"')


@functools.lru_cache(maxsize=65536)
def report_kind(text: str) -> str:
    """``workload``, ``utility`` (BEGIN, SET, VACUUM, DDL, EXPLAIN...) or ``catalog`` (reads
    only pg_catalog or information_schema: monitoring and client introspection). Text that
    does not parse counts as workload: it may be a cut-off statement of the application."""
    try:
        tree = syntax.parse_json(text)
    except Unparsable:
        return "workload"
    kind = _STATEMENT_KIND.match(tree)
    if kind is not None and kind.group(1) not in (
        "SelectStmt",
        "InsertStmt",
        "UpdateStmt",
        "DeleteStmt",
        "MergeStmt",
    ):
        return "utility"
    names = _RANGE_VAR.findall(tree)
    if names and all(
        schema in _SYSTEM_SCHEMAS or (not schema and name.startswith("pg_"))
        for schema, name in names
    ):
        return "catalog"
    return "workload"


def normalize(text: str) -> str:
    """Constants replaced by ``$n``, as pg_stat_statements shows it; the text if it won't parse."""
    try:
        return syntax.normalize(text)
    except Unparsable:
        return text


def split(text: str) -> list[str]:
    """The statements of a script, split by the parser (the scanner if it does not parse)."""
    return [text[s] for s in split_slices(text)]


def split_slices(text: str) -> list[slice]:
    """Where each statement of ``text`` is; comments and whitespace between them are left out."""
    if ";" not in text.rstrip().rstrip(";") and "--" not in text and "/*" not in text:
        stripped = text.strip().rstrip(";").rstrip()
        start = len(text) - len(text.lstrip())
        return [slice(start, start + len(stripped))] if stripped else []
    try:
        return syntax.split(text)
    except Unparsable:
        pass
    try:
        return syntax.split(text, with_parser=False)
    except Unparsable:
        return [slice(0, len(text))] if text.strip() else []


def is_workload(text: str) -> bool:
    """True for statements an index can speed up (SELECT, INSERT, UPDATE, DELETE, MERGE) and for
    texts that do not parse (the pipeline reports those); False for utility statements."""
    try:
        stmts = syntax.parse(text)
    except Unparsable:
        return True
    if len(stmts) != 1:
        return True
    node = stmts[0].stmt
    if isinstance(node, ast.SelectStmt) and node.intoClause is not None:
        return False
    return isinstance(node, _WORKLOAD)


@functools.lru_cache(maxsize=65536)
def has_params(text: str) -> bool:
    """True when the text has ``$n`` parameters (so it is no sample with real constants)."""
    if "$" not in text:
        return False
    try:
        return any(t.name == "PARAM" for t in syntax.scan(text))
    except Unparsable:
        return True  # a "$" the scanner could not place: no sample to trust


_PARAM_VALUE = re.compile(r"\$(\d+) = (NULL|'(?:[^']|'')*')")


def parse_parameters(detail: str) -> dict[int, str]:
    """``parameters: $1 = '42', $2 = NULL`` (a log DETAIL) -> {1: "'42'", 2: "NULL"}.

    A value cut by ``log_parameter_max_length`` (13+; it then ends in ``...'``) is left out: it
    is not the value that ran, so no sample is made with it.
    """
    return {
        int(m.group(1)): m.group(2)
        for m in _PARAM_VALUE.finditer(detail)
        if not m.group(2).endswith("...'")
    }


def bind_parameters(text: str, values: dict[int, str]) -> str | None:
    """The statement with each ``$n`` replaced by its logged literal; None if one is missing."""
    try:
        tokens = [t for t in syntax.scan(text) if t.name == "PARAM"]
    except Unparsable:
        return None
    out = text
    for token in sorted(tokens, key=lambda t: t.start, reverse=True):
        number = int(text[token.start + 1 : token.end + 1])
        if number not in values:
            return None
        out = out[: token.start] + values[number] + out[token.end + 1 :]
    return out


_PREPARE = re.compile(r"\s*PREPARE\s+\S+?\s*(?:\([^)]*\)\s*)?AS\s+(?P<sql>.*)", re.I | re.S)


def prepared_execute(text: str, detail: str) -> tuple[str, dict[int, str]] | None:
    """SQL-level ``EXECUTE name(args)``, logged with a ``prepare: PREPARE name AS ...`` DETAIL ->
    (the prepared statement's text, its arguments as parameter values); None for anything else."""
    if not detail.startswith("prepare: "):
        return None
    match = _PREPARE.match(detail[len("prepare: ") :])
    try:
        stmts = syntax.parse(text)
    except Unparsable:
        return None
    if match is None or len(stmts) != 1 or not isinstance(stmts[0].stmt, ast.ExecuteStmt):
        return None
    args = stmts[0].stmt.params or ()
    try:
        values = {i: syntax.deparse(arg) for i, arg in enumerate(args, start=1)}
    except Unparsable:
        values = {}
    return match.group("sql").strip().rstrip(";"), values


def duration_setting_ms(value: str) -> float | None:
    """A time setting as PostgreSQL reads it (``200``, ``'200ms'``, ``1min``) -> milliseconds."""
    return durations.parse_ms(value)


def timeout_set(text: str) -> tuple[str, float | None] | None:
    """For ``SET [LOCAL] statement_timeout|lock_timeout ...`` (or RESET): (name, ms or None for
    the default); None for any other statement."""
    if "timeout" not in text.lower():
        return None
    try:
        stmts = syntax.parse(text)
    except Unparsable:
        return None
    for raw in stmts:
        node = raw.stmt
        if not isinstance(node, ast.VariableSetStmt) or node.name not in (
            "statement_timeout",
            "lock_timeout",
        ):
            continue
        if not node.args:  # RESET, SET ... TO DEFAULT
            return str(node.name), None
        arg = node.args[0]
        if isinstance(arg, ast.A_Const) and arg.val is not None:
            value = getattr(arg.val, "ival", None)
            if value is None:
                value = getattr(arg.val, "sval", None) or getattr(arg.val, "fval", None)
            ms = duration_setting_ms(str(value)) if value is not None else None
            if ms is not None:
                return str(node.name), ms
    return None
