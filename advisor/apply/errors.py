"""Errors of ``advisor apply``: one line each, with the exit code the command ends with."""

from __future__ import annotations

from advisor.errors import AdvisorError, PreflightError, UsageError


class ApplyFailed(AdvisorError):
    """At least one index was not built. Nothing INVALID is left unless the message says so."""

    exit_code = 5


class ForeignPlan(UsageError):
    """The plan was made on another database or cluster than the one apply connected to."""


class IndexNotUsed(AdvisorError):
    """Every index was built, but the planner uses one or more of them for none of the
    statements they were meant for: each is named with its drop statement."""

    exit_code = 6


class StandbyRefused(PreflightError):
    """The server is a hot standby (in recovery): indexes are built on the primary."""


class ApplyInterrupted(AdvisorError):
    """Ctrl-C stopped the apply; the build in progress was cancelled and cleaned up."""

    exit_code = 130
