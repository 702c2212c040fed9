"""Around a benchmark's measurement: its work directory, SIGTERM, a one-line failure, and its
section of docs/benchmarks.md."""

from __future__ import annotations

import shutil
import signal
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from advisor.errors import AdvisorError
from benchmarks.load.docs import replace_section

T = TypeVar("T")


def say(message: str) -> None:
    """Progress, on stderr (stdout carries the section)."""
    print(message, file=sys.stderr, flush=True)


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # so the caller's finally blocks stop what they started


def measure(body: Callable[[Path], T], *, work_dir: Path | None, prefix: str) -> T | None:
    """``body(work)``, with SIGTERM raising ``SystemExit``; None when it fails with an
    ``AdvisorError`` (the reason goes to stderr). Without ``work_dir`` the work directory is a
    temporary one, removed afterwards."""
    work = work_dir or Path(tempfile.mkdtemp(prefix=prefix))
    work.mkdir(parents=True, exist_ok=True)
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        return body(work)
    except AdvisorError as err:
        print(f"benchmark failed: {err}", file=sys.stderr)
        return None
    finally:
        signal.signal(signal.SIGTERM, previous)
        if work_dir is None:
            shutil.rmtree(work, ignore_errors=True)


def publish(section: str, heading: str, docs: Path | None) -> None:
    """Print the section; with ``docs``, replace the section ``heading`` there with it."""
    print(section)
    if docs is not None:
        replace_section(docs, heading, section)
        say(f"wrote the section {heading!r} into {docs}")
