"""The ``advisor apply`` command: options in, one library call, one line per index out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from advisor.apply import run, source
from advisor.apply.errors import ApplyFailed, IndexNotUsed
from advisor.apply.model import ApplyOptions, ApplyResult, Outcome
from advisor.apply.progress_bar import RichBar
from advisor.apply.record import JsonLinesRecorder, Recorder, default_log_path
from advisor.errors import AdvisorError, UsageError
from advisor.settings import parse_duration_ms


def recorders(log: Path | None) -> list[Recorder]:
    """Where applies are recorded: the JSON-lines file (the history store plugs in here)."""
    return [JsonLinesRecorder(log or default_log_path())]


def _say(message: str) -> None:
    typer.echo(f"advisor: {message}", err=True)


def _options(
    lock_timeout: str, retries: int, retry_delay: str, max_retry_delay: str,
    statement_timeout: str,
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
    )


def _report(result: ApplyResult) -> None:
    for item in result.results:
        typer.echo(run.summary(item))
        line = run.planner_line(item)
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
        _say(
            f"warning: the planner uses {item.qualified_name} for none of the statements it "
            f"was meant for; to take it back: {item.index.drop_sql};"
        )
    if unused:
        raise IndexNotUsed(
            f"{len(unused)} of {len(result.results)} built indexes unused by the planner: "
            + ", ".join(r.qualified_name for r in unused),
            "run ANALYZE on their tables and check again, or drop them with the statements above",
        )


def register(app: typer.Typer) -> None:
    """Add ``apply`` to the ``advisor`` command."""

    @app.command(name="apply")
    def apply_command(
        target: Annotated[
            Path,
            typer.Argument(
                metavar="PLAN_OR_MIGRATIONS_DIR",
                help="A plan from 'advisor analyze --save-plan', or a folder of sql, "
                "golang-migrate or Flyway migrations.",
                show_default=False,
            ),
        ],
        dsn: Annotated[
            str | None,
            typer.Option(
                "--dsn",
                help="libpq connection string or URI; default: the PG* environment, then "
                "DATABASE_URL.",
                show_default=False,
            ),
        ] = None,
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help="Print what would run; change nothing.")
        ] = False,
        lock_timeout: Annotated[
            str, typer.Option(help="Longest wait for a lock before the build gives up and retries.")
        ] = "5s",
        retries: Annotated[int, typer.Option(min=0, help="Retries after a lock timeout.")] = 5,
        retry_delay: Annotated[
            str, typer.Option(help="Wait before the first retry; it doubles on every retry.")
        ] = "1s",
        max_retry_delay: Annotated[
            str, typer.Option(help="Longest wait between retries.")
        ] = "1min",
        statement_timeout: Annotated[
            str, typer.Option(help="Cap on one index build (0: no cap).")
        ] = "0",
        log: Annotated[
            Path | None,
            typer.Option(
                help="Record the apply in this JSON-lines file; default: applies.jsonl in "
                "the user's data folder (~/.local/share/pg-advisor/ on Linux).",
                show_default=False,
            ),
        ] = None,
    ) -> None:
        """Build the planned indexes safely: CONCURRENTLY, one at a time, never left INVALID."""
        try:
            options = _options(
                lock_timeout, retries, retry_delay, max_retry_delay, statement_timeout
            )
            what = source.load(target)
            if dry_run:
                for line in run.dry_run(dsn, what, options):
                    typer.echo(line)
                return
            for name in what.ignored:
                _say(f"ignored {name}: not a single CREATE INDEX")
            result = run.apply(
                dsn, what, options, progress=RichBar.for_terminal(), say=_say,
                recorders=recorders(log),
            )  # fmt: skip
            _report(result)
        except AdvisorError as err:
            typer.echo(f"advisor: error: {err}", err=True)
            raise typer.Exit(err.exit_code) from None
