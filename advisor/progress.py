"""Progress on a terminal: a rich display on stderr when it is a TTY, nothing when it is not.

Long work (an analysis of many statements, a snapshot of a big catalog, sampling the running
statements) reports through a ``Progress``; scheduled runs (cron, systemd, Kubernetes) have no
terminal and stay silent, and so does ``--quiet``. The first line says the stage, the figures
being watched (EXPLAIN calls) and the time so far; counted work gets a bar, its count and an
estimate of the time left; a wait gets a countdown.

    with Progress.for_terminal(quiet=quiet) as progress:
        progress.watch("EXPLAIN calls", lambda: explainer.calls)
        progress.note("reading the catalog")
        for row in progress.track(rows, "planning statements"):
            ...

A disabled ``Progress`` still remembers where it is (``where``), so that an interrupted run
can say what it stopped.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator, Sized
from types import TracebackType
from typing import Any, TypeVar

from rich.console import Console
from rich.progress import (
    BarColumn,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.progress import Progress as RichProgress
from rich.text import Text

T = TypeVar("T")


class _Count(ProgressColumn):
    """``12/340`` for counted work, ``23 s left`` for a countdown, nothing for a stage."""

    def render(self, task: Task) -> Text:
        if task.total is None:
            return Text("")
        if task.fields.get("countdown"):
            left = max(task.total - task.completed, 0.0)
            return Text(f"{left:.0f} s left", style="progress.remaining")
        return Text(f"{int(task.completed)}/{int(task.total)}", style="progress.download")


class _Bar(BarColumn):
    """A bar for counted work and waits; none on the stage line."""

    def render(self, task: Task) -> Any:
        return Text("") if task.total is None else super().render(task)


class _Time(ProgressColumn):
    """The time so far on the stage line; the estimated time left on counted work."""

    def __init__(self) -> None:
        super().__init__()
        self._elapsed = TimeElapsedColumn()

    def render(self, task: Task) -> Text:
        if task.total is None:
            return self._elapsed.render(task)
        if task.fields.get("countdown"):
            return Text("")
        remaining = task.time_remaining
        if remaining is None or not task.completed:
            return Text("")
        return Text(f"about {_clock(remaining)} left", style="progress.remaining")


def _clock(seconds: float) -> str:
    whole = int(seconds + 0.5)
    return f"{whole // 60}:{whole % 60:02d}" if whole >= 60 else f"{whole} s"


class Progress:
    """A transient progress display, or a silent stand-in when ``enabled`` is false."""

    def __init__(self, enabled: bool, *, console: Console | None = None) -> None:
        self.enabled = enabled
        self._console = console
        self._rich: RichProgress | None = None
        self._stage_task: TaskID | None = None
        self._stage = ""
        self._figures: list[tuple[str, Callable[[], int]]] = []
        self._detail: str | None = None  # the counted work under way: "planning (12 of 300)"

    @classmethod
    def for_terminal(cls, *, quiet: bool = False) -> Progress:
        """Enabled only when stderr is a terminal and the user did not ask for quiet."""
        return cls(enabled=not quiet and sys.stderr.isatty())

    def __enter__(self) -> Progress:
        if self.enabled:
            self._rich = RichProgress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                _Bar(bar_width=30),
                _Count(),
                _Time(),
                console=self._console or Console(stderr=True),
                transient=True,
                refresh_per_second=8,
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
            self._stage_task = None

    @property
    def where(self) -> str:
        """What it was doing last: ``planning statements (12 of 300)``."""
        return self._detail or self._stage or "starting"

    def watch(self, label: str, read: Callable[[], int]) -> None:
        """Show ``read()`` (e.g. the EXPLAIN calls so far) on the stage line, kept current."""
        self._figures.append((label, read))

    def _stage_text(self) -> str:
        figures = [f"{read():,} {label}" for label, read in self._figures]
        return " · ".join([self._stage, *figures])

    def note(self, message: str) -> None:
        """Show what is happening now (a spinner with text and the time so far)."""
        self._stage = message
        self._detail = None
        if self._rich is None:
            return
        if self._stage_task is None:
            self._stage_task = self._rich.add_task(self._stage_text(), total=None)
        else:
            self._rich.update(self._stage_task, description=self._stage_text())

    def _refresh_stage(self) -> None:
        if self._rich is not None and self._stage_task is not None and self._figures:
            self._rich.update(self._stage_task, description=self._stage_text())

    def track(self, items: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
        """Iterate over ``items`` with a bar, a count and the time left; ``total`` defaults to
        ``len(items)`` when known."""
        if total is None and isinstance(items, Sized):
            total = len(items)
        of = f" of {total}" if total is not None else ""
        self._detail = f"{description} (0{of})"
        task = None if self._rich is None else self._rich.add_task(description, total=total)
        try:
            for done, item in enumerate(items, 1):
                yield item
                self._detail = f"{description} ({done}{of})"
                if self._rich is not None and task is not None:
                    self._rich.advance(task)
                    self._refresh_stage()
        finally:
            self._detail = None
            if self._rich is not None and task is not None:
                self._rich.remove_task(task)

    def countdown(self, description: str, seconds: float) -> Callable[[float], None]:
        """A wait of ``seconds``: call the result with the seconds elapsed so far; it counts
        down on the display. Call it with ``seconds`` (or more) at the end."""
        self._detail = f"{description} (0 s of {seconds:g} s)"
        task = (
            None
            if self._rich is None
            else self._rich.add_task(description, total=max(seconds, 0.001), countdown=True)
        )

        def tick(elapsed: float) -> None:
            self._detail = f"{description} ({elapsed:.0f} s of {seconds:g} s)"
            if elapsed >= seconds:
                self._detail = None
            if self._rich is not None and task is not None:
                self._rich.update(task, completed=min(elapsed, seconds))
                if elapsed >= seconds:
                    self._rich.remove_task(task)

        return tick
