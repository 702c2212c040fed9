"""Open the analysis session: read-only, with timeouts, no automatic prepared statements.

One connection serves a whole evaluation: HypoPG's hypothetical indexes live in the backend.
Every statement runs in its own read-only transaction (autocommit plus
``default_transaction_read_only``), so an error in one EXPLAIN cannot poison the next one and
nothing the advisor runs can write.

The first statement of every session turns pg_stat_statements off for that session where the role
may (``untrack``): the advisor reads pg_stat_statements and must not fill it. Where it may not,
the session stays tracked and ``whatif.explain`` plans through one fixed statement text instead.
"""

from __future__ import annotations

import contextlib
import os
import re
import weakref
from collections.abc import Iterator
from typing import Any

import psycopg
from psycopg import conninfo, sql
from psycopg.pq import TransactionStatus

from advisor.db import queries
from advisor.errors import ConnectionFailed, PreflightError

APPLICATION_NAME = "advisor"
TRACK_SETTING = "pg_stat_statements.track"


def resolve_dsn(dsn: str | None) -> str:
    """``--dsn``, else the libpq environment (PGHOST, PGSERVICE, ...), else ``DATABASE_URL``."""
    if dsn:
        return dsn
    if any(k.startswith("PG") for k in os.environ if k in _LIBPQ_ENV):
        return ""
    return os.environ.get("DATABASE_URL", "")


_LIBPQ_ENV = {
    "PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD", "PGPASSFILE",
    "PGSERVICE", "PGSERVICEFILE", "PGSSLMODE", "PGOPTIONS", "PGAPPNAME", "PGCONNECT_TIMEOUT",
}  # fmt: skip


def settings_source(dsn: str | None, option: str = "--dsn") -> str:
    """Where the connection settings come from, as ``resolve_dsn`` picks them."""
    if dsn:
        return option
    names = sorted(k for k in os.environ if k in _LIBPQ_ENV)
    if names:
        return f"the environment ({', '.join(names)})"
    if os.environ.get("DATABASE_URL"):
        return "DATABASE_URL"
    return "libpq's defaults (no --dsn, PG* variable or DATABASE_URL)"


# libpq's words for a failed connection, and what usually fixes it (first match wins)
_FIXES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("password authentication failed", "no password supplied", "password is required"),
     "check the password: in the DSN, PGPASSWORD, or a ~/.pgpass line "
     "host:port:database:user:password (mode 0600)"),
    (("ssl", "gssapi", "encryption"),
     "check sslmode: sslmode=require needs a server with SSL; use sslmode=prefer or disable "
     "for one without"),
    (("no pg_hba.conf entry",),
     "the server's pg_hba.conf does not admit this user, database and host: check them, or "
     "ask the server's administrator"),
    (("could not translate host name", "name or service not known", "nodename nor servname"),
     "check the host name"),
    (("does not exist",), "check the database and user names (dbname, user)"),
    (("connection refused", "no such file or directory", "is the server running",
      "timeout expired", "could not connect", "network is unreachable", "no route to host"),
     "check host and port: is the server running and accepting connections there?"),
)  # fmt: skip


def likely_fix(message: str) -> str | None:
    """What usually fixes a connection that failed with ``message``, if we recognise it."""
    lowered = message.lower()
    for words, fix in _FIXES:
        if any(word in lowered for word in words):
            return fix
    return None


def _password_of(dsn: str) -> str | None:
    try:
        password = conninfo.conninfo_to_dict(dsn).get("password")
        return str(password) if password else os.environ.get("PGPASSWORD")
    except psycopg.ProgrammingError:
        return os.environ.get("PGPASSWORD")


def safe_message(exc: BaseException, dsn: str = "") -> str:
    """The first line of an error, with any password removed."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    secret = _password_of(dsn)
    if secret:
        text = text.replace(secret, "***")
    return re.sub(r"(password\s*=\s*)\S+", r"\1***", text, flags=re.IGNORECASE)


def connect(
    dsn: str | None,
    *,
    statement_timeout_ms: int,
    lock_timeout_ms: int,
    read_only: bool = True,
    option: str = "--dsn",
) -> psycopg.Connection[Any]:
    """Connect and configure the session; raise ``ConnectionFailed`` with a one-line reason
    that names where the settings came from (``option`` when ``dsn`` is given) and the likely
    fix, never the password."""
    target = resolve_dsn(dsn)
    source = settings_source(dsn, option)
    try:
        conn = psycopg.connect(
            target,
            autocommit=True,
            prepare_threshold=None,
            application_name=APPLICATION_NAME,
            connect_timeout=int(os.environ.get("PGCONNECT_TIMEOUT", "10")),
        )
    except psycopg.ProgrammingError as exc:
        raise ConnectionFailed(
            f"invalid connection string from {source}: {safe_message(exc, target)}",
            "write key=value pairs (host=db dbname=shop) or a postgresql:// URI",
        ) from None
    except psycopg.OperationalError as exc:
        reason = re.sub(r"^connection (?:is bad|failed):\s*", "", safe_message(exc, target))
        raise ConnectionFailed(
            f"cannot connect with the settings from {source}: {reason}", likely_fix(reason)
        ) from None
    untrack(conn)
    settings = {
        "statement_timeout": f"{statement_timeout_ms}ms",
        "lock_timeout": f"{lock_timeout_ms}ms",
        "idle_in_transaction_session_timeout": "60s",
    }
    if read_only:
        settings["default_transaction_read_only"] = "on"
    for name, value in settings.items():
        set_config(conn, name, value)
    # auto_explain logging every plan breaks EXPLAIN with hypothetical indexes ("cache lookup
    # failed for index"); the setting is superuser-only, so this is best effort (docs: set it
    # off for the advisor's role).
    with contextlib.suppress(psycopg.errors.InsufficientPrivilege):
        set_config(conn, "auto_explain.log_min_duration", "-1")
    return conn


def set_config(conn: psycopg.Connection[Any], name: str, value: str) -> str | None:
    """Set ``name`` for the session; the value it had before. One statement text whatever the
    setting: where the session is tracked, pg_stat_statements keeps one entry for all of them."""
    params = {"name": name, "value": value, "is_local": False, "missing_ok": True}
    row = conn.execute(queries.load("session_set"), params).fetchone()
    return None if row is None or row[0] is None else str(row[0])


@contextlib.contextmanager
def pinned(conn: psycopg.Connection[Any], name: str, value: str) -> Iterator[None]:
    """``name`` set to ``value`` for the block, then back to the value it had before.

    A session setting and its restoration, rather than ``SET LOCAL`` in a transaction of its own:
    on a tracked session, BEGIN and COMMIT would be two more pg_stat_statements entries. The
    restoration runs after an error too; inside a transaction that the error aborted, the
    rollback restores it instead (settings are transactional).
    """
    before = set_config(conn, name, value)
    try:
        yield
    finally:
        if conn.info.transaction_status != TransactionStatus.INERROR:
            set_config(conn, name, before or "")


def untrack(conn: psycopg.Connection[Any]) -> str | None:
    """Turn pg_stat_statements off for this session if the role may; the level in force after
    (``none`` when off), None when pg_stat_statements is not loaded.

    A superuser may, so may a role granted ``SET ON PARAMETER pg_stat_statements.track``
    (PostgreSQL 15+), and a role a superuser gave ``ALTER ROLE ... SET
    pg_stat_statements.track = 'none'`` starts untracked. The statement asks before it sets:
    a refused ``SET`` would log an error on the server at every run.
    """
    name, params = untrack_statement(conn.info.server_version)
    row = conn.execute(queries.load(name), params).fetchone()
    level = None if row is None or row[0] is None else str(row[0])
    _levels[conn] = level
    return level


# the level ``untrack`` left each connection at: reading it again would be one more statement
# text in pg_stat_statements where the session is tracked
_levels: weakref.WeakKeyDictionary[psycopg.Connection[Any], str | None]
_levels = weakref.WeakKeyDictionary()


def untrack_statement(version_num: int) -> tuple[str, dict[str, object]]:
    """The query (by name) that turns tracking off on this server version, and its parameters."""
    params: dict[str, object] = {
        "name": TRACK_SETTING,
        "value": "none",
        "is_local": False,
        "missing_ok": True,
    }
    if version_num < 150000:  # no GRANT SET ON PARAMETER before 15
        return "session_untrack_superuser", {**params, "superuser": "is_superuser"}
    return "session_untrack", {**params, "privilege": "SET"}


def tracking(conn: psycopg.Connection[Any]) -> str | None:
    """The session's pg_stat_statements level (``none``, ``top``, ``all``); None: not loaded.

    As ``untrack`` left it, when it ran on this connection (the advisor never changes the level
    afterwards), else read from the server."""
    if conn in _levels:
        return _levels[conn]
    row = conn.execute(
        queries.load("session_tracking"), {"name": TRACK_SETTING, "missing_ok": True}
    ).fetchone()
    return None if row is None or row[0] is None else str(row[0])


def set_role(conn: psycopg.Connection[Any], role: str) -> None:
    """Plan as ``role`` from now on (its row-level security policies then apply)."""
    try:
        conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
    except psycopg.Error as exc:
        raise PreflightError(f"cannot plan as role {role}: {safe_message(exc)}") from None
