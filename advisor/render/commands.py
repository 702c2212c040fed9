"""Commands printed for the user to paste: they must run as printed.

The advisor is named the way this process was started: ``advisor`` when that is what the
shell finds on PATH, else the full path of the script, else ``python -m advisor`` with this
interpreter (a venv that was never activated). A DSN is printed without its password: libpq
finds that in ``PGPASSWORD`` or ``~/.pgpass``.
"""

from __future__ import annotations

import shlex
import shutil
import sys
from pathlib import Path

import psycopg
from psycopg import conninfo


def advisor_argv() -> list[str]:
    """The words that start the advisor again, as this process was started."""
    script = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if script is not None and script.name == "advisor" and script.exists():
        found = shutil.which("advisor")
        if found and Path(found).resolve() == script.resolve():
            return ["advisor"]
        return [str(script.resolve())]
    return [sys.executable, "-m", "advisor"]


def command(*args: str) -> str:
    """``advisor ARGS...`` as one shell-quoted line."""
    return shlex.join([*advisor_argv(), *args])


def without_password(dsn: str) -> tuple[str, bool]:
    """``dsn`` without its password, and whether it had one (a URI comes back as key=value)."""
    try:
        params = conninfo.conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        return dsn, False
    if "password" not in params:
        return dsn, False
    params.pop("password")
    return conninfo.make_conninfo("", **params), True


def dsn_args(dsn: str | None) -> list[str]:
    """``["--dsn", dsn]`` without the password, or nothing when the environment gave it."""
    return ["--dsn", without_password(dsn)[0]] if dsn else []


PASSWORD_NOTE = "(the password is left out: libpq reads it from PGPASSWORD or ~/.pgpass)"
