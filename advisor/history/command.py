"""``advisor snapshot``: record the database's statistics in the store (for cron and friends)."""

from __future__ import annotations

import typer

from advisor.errors import AdvisorError
from advisor.history.options import (
    DEFAULT_RETENTION,
    DsnOpt,
    LockTimeoutOpt,
    QuietOpt,
    RetentionOpt,
    StatementTimeoutOpt,
    StoreOpt,
    VerboseOpt,
    fail,
    parse_retention,
    say,
)
from advisor.settings import parse_duration_ms


def register(app: typer.Typer) -> None:
    """Add the ``snapshot`` command to ``app``."""

    @app.command()
    def snapshot(
        dsn: DsnOpt = None,
        store: StoreOpt = None,
        retention: RetentionOpt = DEFAULT_RETENTION,
        statement_timeout: StatementTimeoutOpt = "30s",
        lock_timeout: LockTimeoutOpt = "1s",
        quiet: QuietOpt = False,
        verbose: VerboseOpt = False,
    ) -> None:
        """Record pg_stat_statements, table and index statistics and sizes in the store.

        Silent on success unless --verbose: meant for cron, systemd timers and CronJobs.
        """
        from advisor.history.snapshots import take_snapshot
        from advisor.history.store import open_store
        from advisor.progress import Progress

        try:
            keep = parse_retention(retention)
            with open_store(store) as target, Progress.for_terminal(quiet=quiet) as progress:
                taken = take_snapshot(
                    dsn,
                    target,
                    retention_seconds=keep,
                    statement_timeout_ms=parse_duration_ms(statement_timeout),
                    lock_timeout_ms=parse_duration_ms(lock_timeout),
                    progress=progress,
                )
                location = target.location
            if verbose:
                meta = taken.snapshot.meta
                say(
                    f"snapshot of {meta.key.database}: {meta.statements} statements, "
                    f"{len(taken.snapshot.tables)} tables, {len(taken.snapshot.indexes)} indexes "
                    f"saved to {location}"
                    + (f"; {taken.pruned} old snapshots pruned" if taken.pruned else "")
                )
        except AdvisorError as err:
            raise fail(err) from None
