"""``advisor apply``: the only command that writes to the database; one line per index out."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from advisor.apply.model import ApplyOptions, ApplyResult
from advisor.cli.options import OUTPUT, SAFETY, DsnOpt, fail, say
from advisor.errors import AdvisorError, UsageError
from advisor.report.fmt import short
from advisor.settings import parse_duration_ms

if TYPE_CHECKING:
    from advisor.apply.validate import Candidate, ValidateOptions


def _options(
    lock_timeout: str, retries: int, retry_delay: str, max_retry_delay: str,
    statement_timeout: str, force: bool,
) -> ApplyOptions:  # fmt: skip
    lock_ms = parse_duration_ms(lock_timeout)
    if lock_ms <= 0:
        raise UsageError("--lock-timeout must be above 0", "a build must not wait forever")
    return ApplyOptions(
        lock_timeout_ms=lock_ms,
        retries=retries,
        retry_delay_ms=parse_duration_ms(retry_delay),
        max_retry_delay_ms=parse_duration_ms(max_retry_delay),
        statement_timeout_ms=parse_duration_ms(statement_timeout),
        force=force,
    )


def _validation(
    path: Path | None, runs: int, timeout: str, max_slowdown: int
) -> tuple[list[Candidate], ValidateOptions | None]:
    """The statements ``--validate`` may run, and how it times them."""
    from advisor.apply import validate

    if path is None:
        return [], None
    timeout_ms = parse_duration_ms(timeout)
    if timeout_ms <= 0:
        raise UsageError("--validate-timeout must be above 0", "a timed run must end")
    options = validate.ValidateOptions(
        runs=runs, timeout_ms=timeout_ms, max_slowdown=max_slowdown / 100.0
    )
    return validate.read_statements(path), options


def _report(result: ApplyResult, validation: ValidateOptions | None = None) -> None:
    """One line per index (and whether the planner uses it); exit 5 when one was not built,
    an error too when the planner uses a built index for none of its statements."""
    from advisor.apply import run
    from advisor.apply.errors import ApplyFailed, IndexNotUsed
    from advisor.apply.model import Outcome

    for item in result.results:
        typer.echo(run.summary(item))
        for line in (run.planner_line(item),
                     run.timing_line(item, validation) if validation else None):  # fmt: skip
            if line:
                typer.echo(line)
    failed = [r for r in result.results if r.outcome is Outcome.FAILED]
    if failed:
        first = failed[0]
        more = f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""
        raise ApplyFailed(
            f"{len(failed)} of {len(result.results)} indexes not built: "
            f"{first.qualified_name}: {first.message}{more}"
        )
    unused = [r for r in result.results if run.unused_after_build(r)]
    for item in unused:
        say(
            f"advisor: warning: the planner uses {item.qualified_name} for none of the "
            f"statements it was meant for; to take it back: {item.index.drop_sql};"
        )
    if unused:
        raise IndexNotUsed(
            f"{len(unused)} of {len(result.results)} built indexes unused by the planner: "
            + ", ".join(r.qualified_name for r in unused),
            "run ANALYZE on their tables and check again, or drop them with the statements above",
        )


def apply(
    target: Annotated[
        Path,
        typer.Argument(metavar="PLAN_OR_DIR",
                       help="A plan from 'advisor analyze --save-plan', or a folder of sql, "
                       "golang-migrate or Flyway migrations.", show_default=False),
    ],
    dsn: DsnOpt = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Print what would run; change nothing.",
                     rich_help_panel=OUTPUT),
    ] = False,
    log: Annotated[
        Path | None,
        typer.Option("--log", metavar="FILE",
                     help="Record the apply in this JSON-lines file; default: applies.jsonl in "
                     "the user's data folder (~/.local/share/pg-advisor/ on Linux).",
                     show_default=False, rich_help_panel=OUTPUT),
    ] = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Build a plan that was made on another database or "
                     "cluster.", rich_help_panel=SAFETY),
    ] = False,
    lock_timeout: Annotated[
        str,
        typer.Option("--lock-timeout", metavar="DURATION",
                     help="Longest wait for a lock before the build gives up and retries.",
                     rich_help_panel=SAFETY),
    ] = "5s",
    retries: Annotated[
        int,
        typer.Option("--retries", min=0, metavar="N", help="Retries after a lock timeout.",
                     rich_help_panel=SAFETY),
    ] = 5,
    retry_delay: Annotated[
        str,
        typer.Option("--retry-delay", metavar="DURATION",
                     help="Wait before the first retry; it doubles on every retry.",
                     rich_help_panel=SAFETY),
    ] = "1s",
    max_retry_delay: Annotated[
        str,
        typer.Option("--max-retry-delay", metavar="DURATION",
                     help="Longest wait between two retries.", rich_help_panel=SAFETY),
    ] = "1min",
    statement_timeout: Annotated[
        str,
        typer.Option("--statement-timeout", metavar="DURATION",
                     help="Cap on one index build (0: no cap).", rich_help_panel=SAFETY),
    ] = "0",
    validate: Annotated[
        Path | None,
        typer.Option("--validate", metavar="FILE",
                     help="SELECT statements with their constants (the --queries format): "
                     "each index's build is followed by running those whose plan it changes, "
                     "before and after; an index that makes one slower is dropped again.",
                     show_default=False, rich_help_panel=SAFETY),
    ] = None,
    validate_runs: Annotated[
        int,
        typer.Option("--validate-runs", min=1, metavar="N",
                     help="Runs per statement before and after a build; the fastest counts.",
                     rich_help_panel=SAFETY),
    ] = 3,
    validate_timeout: Annotated[
        str,
        typer.Option("--validate-timeout", metavar="DURATION",
                     help="Cap on one timed run.", rich_help_panel=SAFETY),
    ] = "30s",
    max_slowdown: Annotated[
        int,
        typer.Option("--max-slowdown", min=0, metavar="PERCENT",
                     help="With --validate: how much slower a statement may get, than its "
                     "latest time or its time before the first build, before the index is "
                     "dropped again.", rich_help_panel=SAFETY),
    ] = 20,
) -> None:  # fmt: skip
    """Build the planned indexes safely: CONCURRENTLY, one at a time, never left INVALID.

    A plan made on another database or cluster is refused unless --force.
    """
    from advisor.apply import run, source
    from advisor.apply.progress_bar import RichBar
    from advisor.apply.record import recorders
    from advisor.apply.validate import Validator

    try:
        options = _options(
            lock_timeout, retries, retry_delay, max_retry_delay, statement_timeout, force
        )
        what = source.load(target)
        if dry_run:
            for line in run.dry_run(dsn, what, options):
                typer.echo(line)
            return
        for name in what.ignored:
            say(f"advisor: ignored {name}: not a single CREATE INDEX")
        statements, timing = _validation(validate, validate_runs, validate_timeout, max_slowdown)
        validator = Validator(dsn, statements, timing) if timing else None
        try:
            if validator is not None:
                if validator.tracked:
                    say(
                        "advisor: --validate: this role cannot turn pg_stat_statements off for "
                        "its session: each timed run is recorded there as an EXPLAIN entry"
                    )
                for skipped in validator.skipped:
                    head = short(skipped.text, 60)
                    say(f"advisor: --validate: not run: {head}: {skipped.reason}")
            result = run.apply(
                dsn, what, options, progress=RichBar.for_terminal(),
                say=lambda message: say(f"advisor: {message}"), recorders=recorders(log),
                validator=validator,
            )  # fmt: skip
        finally:
            if validator is not None:
                validator.close()
        _report(result, timing)
    except AdvisorError as err:
        raise fail(err) from None
