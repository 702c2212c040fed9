"""Open the analysis session: read-only, with timeouts, no automatic prepared statements.

One connection serves a whole evaluation: HypoPG's hypothetical indexes live in the backend.
Every statement runs in its own read-only transaction (autocommit plus
``default_transaction_read_only``), so an error in one EXPLAIN cannot poison the next one and
nothing the advisor runs can write.
"""

from __future__ import annotations

import contextlib
import os
import re
from typing import Any

import psycopg
from psycopg import conninfo, sql

from advisor.errors import ConnectionFailed, PreflightError

APPLICATION_NAME = "advisor"


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
    settings = {
        "statement_timeout": f"{statement_timeout_ms}ms",
        "lock_timeout": f"{lock_timeout_ms}ms",
        "idle_in_transaction_session_timeout": "60s",
    }
    if read_only:
        settings["default_transaction_read_only"] = "on"
    for name, value in settings.items():
        conn.execute(
            sql.SQL("SELECT pg_catalog.set_config({}, {}, false)").format(
                sql.Literal(name), sql.Literal(value)
            )
        )
    # auto_explain logging every plan breaks EXPLAIN with hypothetical indexes ("cache lookup
    # failed for index"); the setting is superuser-only, so this is best effort (docs: set it
    # off for the advisor's role).
    with contextlib.suppress(psycopg.errors.InsufficientPrivilege):
        conn.execute("SELECT pg_catalog.set_config('auto_explain.log_min_duration', '-1', false)")
    return conn


def set_role(conn: psycopg.Connection[Any], role: str) -> None:
    """Plan as ``role`` from now on (its row-level security policies then apply)."""
    try:
        conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
    except psycopg.Error as exc:
        raise PreflightError(f"cannot plan as role {role}: {safe_message(exc)}") from None
