"""The ``advisor`` command line: thin edges over the library.

Each command is one small function in its own module (``analyze``, ``demo``, ``apply``,
``lint``, ``history``: snapshot and report, ``table``, ``mcp``): it parses its options, calls one
library function, and maps an ``AdvisorError`` to its one-line message and exit code. Options
several commands share are defined once in ``options``; ``help`` lays out ``--help`` for 80
columns; ``app`` assembles the Typer app and the console script's ``main``.
"""

from advisor.cli.app import app, main

__all__ = ["app", "main"]
