"""What ``advisor mcp`` was started with: where the database is, the timeouts, the store."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from advisor.history.store import default_store_path
from advisor.settings import RunOptions, Settings


@dataclass(frozen=True)
class McpConfig:
    """The connection comes from ``dsn``, else the ``PG*`` environment, else ``DATABASE_URL``
    (``session.resolve_dsn``), as for every other command."""

    dsn: str | None = None
    statement_timeout_ms: int = 10_000
    lock_timeout_ms: int = 1_000
    store: str | None = None  # --store / ADVISOR_STORE; None: the default store, if it exists

    @property
    def has_store(self) -> bool:
        """Whether a snapshot store is configured: named, or the default one exists."""
        return self.store is not None or default_store_path().exists()

    def settings(self, **changes: Any) -> Settings:
        """Selection thresholds: the defaults of ``advisor analyze``, with ``changes``."""
        return Settings(**changes)

    def run(self, **changes: Any) -> RunOptions:
        """How an analysis runs: these timeouts, ``advisor analyze``'s defaults, ``changes``."""
        return RunOptions(
            statement_timeout_ms=self.statement_timeout_ms,
            lock_timeout_ms=self.lock_timeout_ms,
            **changes,
        )
