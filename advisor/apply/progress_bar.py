"""A rich progress bar for a terminal, fed by the build monitor. None when not a terminal."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)

from advisor.apply.monitor import ProgressSample


class RichBar:
    """One transient bar per build: ``<index>: <phase>``, the phase's work done, time elapsed."""

    def __init__(self, console: Console) -> None:
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self._task: TaskID | None = None
        self._label = ""

    @classmethod
    def for_terminal(cls) -> RichBar | None:
        """A bar on stderr when it is a terminal; None (no bar, no second connection) otherwise."""
        if not sys.stderr.isatty():
            return None
        return cls(Console(stderr=True))

    def begin(self, label: str) -> None:
        self._label = label
        self._progress.start()
        self._task = self._progress.add_task(f"{label}: starting", total=None)

    def update(self, sample: ProgressSample) -> None:
        if self._task is None:
            return
        done, total = sample.work()
        self._progress.update(
            self._task,
            description=f"{self._label}: {sample.phase}",
            completed=done,
            total=total or None,
        )

    def end(self) -> None:
        if self._task is not None:
            self._progress.remove_task(self._task)
            self._task = None
        self._progress.stop()
