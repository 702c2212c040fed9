"""Progress on a terminal: a rich bar on stderr when it is a TTY, nothing when output is piped.

Long work (a snapshot of a big catalog, the analysis of many statements) reports through a
``Progress``; scheduled runs (cron, systemd, Kubernetes) have no terminal and stay silent.

    with Progress.for_terminal() as progress:
        for row in progress.track(rows, "saving statements"):
            ...
        progress.note("planning 120 statements")
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Sized
from types import TracebackType
from typing import TypeVar

from rich.console import Console
from rich.progress import BarColumn, ProgressColumn, SpinnerColumn, Task, TaskID, TextColumn
from rich.progress import Progress as RichProgress
from rich.text import Text

T = TypeVar("T")


class _Count(ProgressColumn):
    """``12/340`` for counted work, nothing for a step without a count."""

    def render(self, task: Task) -> Text:
        if task.total is None:
            return Text("")
        return Text(f"{int(task.completed)}/{int(task.total)}", style="progress.download")


class Progress:
    """A transient progress display, or a silent stand-in when ``enabled`` is false."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._rich: RichProgress | None = None
        self._note_task: TaskID | None = None

    @classmethod
    def for_terminal(cls, *, quiet: bool = False) -> Progress:
        """Enabled only when stderr is a terminal and the user did not ask for quiet."""
        return cls(enabled=not quiet and sys.stderr.isatty())

    def __enter__(self) -> Progress:
        if self.enabled:
            self._rich = RichProgress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                _Count(),
                console=Console(stderr=True),
                transient=True,
            )
            self._rich.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._rich is not None:
            self._rich.stop()
            self._rich = None
            self._note_task = None

    def note(self, message: str) -> None:
        """Show what is happening now (a spinner with text, no count)."""
        if self._rich is None:
            return
        if self._note_task is None:
            self._note_task = self._rich.add_task(message, total=None)
        else:
            self._rich.update(self._note_task, description=message)

    def track(self, items: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
        """Iterate over ``items`` with a bar; ``total`` defaults to ``len(items)`` when known."""
        if self._rich is None:
            yield from items
            return
        if total is None and isinstance(items, Sized):
            total = len(items)
        task = self._rich.add_task(description, total=total)
        try:
            for item in items:
                yield item
                self._rich.advance(task)
        finally:
            self._rich.remove_task(task)
