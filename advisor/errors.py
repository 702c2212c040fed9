"""The error tree. Each class carries its exit code; the CLI prints ``str(err)`` on one line.

Exit codes: 0 clean, 1 findings (advice with ``--fail-on-advice``), 2 tool or usage error,
3 the database is not ready for analysis (preflight), 4 connection failure; ``advisor apply``
adds 5 (an index was not built) and 6 (built, but the planner uses it for none of its
statements), see ``advisor.apply.errors``.
"""

from __future__ import annotations


class AdvisorError(Exception):
    """Base class: a message fit for one line, an exit code, and an optional hint."""

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class UsageError(AdvisorError):
    """Bad option values or input files."""


class ConnectionFailed(AdvisorError):
    """The server could not be reached or refused us; never carries the password."""

    exit_code = 4


class PreflightError(AdvisorError):
    """The server is reachable but not ready: version, extensions, privileges."""

    exit_code = 3


class AnalysisAborted(AdvisorError):
    """The connection broke or the server went away in the middle of an analysis."""

    exit_code = 4


class Interrupted(AdvisorError):
    """Ctrl-C: the message says what was stopped, the hint what was cleaned up."""

    exit_code = 130
