"""``--help`` that reads well at 80 columns: whole option names, options grouped by purpose.

Typer's rich help gives every option six columns (long name, short name, negative long name,
negative short name, type, help); at 80 to 100 columns it cuts names short ("--log-statement-…")
and squeezes the help into a narrow column. Here each option takes two: its names and metavar
(several lines when they do not fit on one) and its help, wrapped in the rest of the width.
Options are grouped in panels by their ``rich_help_panel`` (Input, Selection, Output, Safety),
with their default, range and whether they repeat in brackets after the help.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable
from typing import Any

import typer.core
from rich import box
from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

NAMES_MAX = 30  # the names column never takes more than this; longer names wrap in it
OTHER_PANEL = "Other"


Param = Any  # typer.core.TyperOption or TyperArgument (typer's own click, no public types)
Context = Any


def _is_argument(param: Param) -> bool:
    return isinstance(param, typer.core.TyperArgument)


def _choices(param: Param) -> list[str]:
    desc = getattr(param, "type_descriptor", None)
    if desc is None or not desc.is_choice:
        return []
    return [str(getattr(c, "value", c)) for c in desc.choices or ()]


def _metavar(param: Param, ctx: Context) -> str:
    if getattr(param, "is_flag", False):
        return ""
    if param.metavar:
        return str(param.metavar)
    choices = _choices(param)
    if choices:
        return "|".join(choices)
    return str(param.display_type(ctx)).strip("<>").upper()


def _fill(words: list[str], sep: str) -> list[str]:
    """``words`` joined by ``sep`` on lines of at most ``NAMES_MAX`` where they allow it."""
    lines: list[str] = []
    for word in words:
        if lines and len(lines[-1]) + len(sep) + len(word) <= NAMES_MAX:
            lines[-1] += sep + word
        elif lines:
            lines[-1] += sep.rstrip()
            lines.append(word)
        else:
            lines.append(word)
    return lines


def _names(param: Param, ctx: Context) -> list[str]:
    """The lines of the names cell: ``--format, -f FORMAT``, ``--review / --no-review``; long
    ones over several lines, a metavar under the names when it does not fit beside them."""
    if _is_argument(param):
        return [str(param.metavar or param.name).upper()]
    lines = _fill(list(param.opts), ", ")
    if param.secondary_opts:
        lines = _fill([*lines[:-1], lines[-1] + " /", *param.secondary_opts], " ")
    metavar = _metavar(param, ctx)
    if metavar and len(lines[-1]) + 1 + len(metavar) <= NAMES_MAX:
        lines[-1] += " " + metavar
    elif metavar:
        lines += ["  " + part for part in _fill(metavar.split("|"), "|")]
    return lines


def _default(param: Param, ctx: Context) -> str | None:
    if _is_argument(param) or param.show_default is False or param.required:
        return None
    value = param.get_default(ctx, call=False)
    if value is None or value == () or value == [] or param.name == "help":
        return None
    if param.is_flag:
        if not param.secondary_opts:
            return None  # a plain switch is off unless given
        return str(max(param.opts if value else param.secondary_opts, key=len))
    value = getattr(value, "value", value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _help(param: Param, ctx: Context) -> Text:
    text = Text(" ".join((param.help or "").split()))
    extras = []
    low, high = getattr(param, "min", None), getattr(param, "max", None)
    if low is not None and high is not None:
        extras.append(f"{low:g} to {high:g}")
    elif low is not None:
        extras.append(f"at least {low:g}")
    default = _default(param, ctx)
    if default is not None:
        extras.append(f"default: {default}")
    if getattr(param, "multiple", False):
        extras.append("repeatable")
    if param.required:
        extras.append("required")
    if extras:
        text.append(f" [{'; '.join(extras)}]", style="dim")
    return text


def _panels(params: Iterable[Param]) -> dict[str, list[Param]]:
    panels: dict[str, list[Param]] = {}
    for param in params:
        if getattr(param, "hidden", False):
            continue
        name = getattr(param, "rich_help_panel", None)
        if name is None:
            name = "Arguments" if _is_argument(param) else OTHER_PANEL
        panels.setdefault(name, []).append(param)
    other = panels.pop(OTHER_PANEL, None)
    if other:
        panels[OTHER_PANEL] = other
    return panels


def _table(params: list[Param], ctx: Context) -> Table:
    cells = [(_names(p, ctx), _help(p, ctx)) for p in params]
    lines = [line for names, _ in cells for line in names]
    names_width = max(min(max(map(len, lines)), NAMES_MAX), max(len(w) for x in lines
                                                                for w in x.split()))  # fmt: skip
    table = Table(box=None, show_header=False, padding=(0, 1), expand=True, pad_edge=False)
    table.add_column(width=names_width, overflow="fold", style="bold cyan")
    table.add_column(ratio=1, overflow="fold")
    for names, help_text in cells:
        table.add_row(Text("\n".join(names)), help_text)
    return table


def render_help(command: Any, ctx: Context, console: Console) -> None:
    """Print ``command``'s help: usage, description, and one panel per group of options."""
    usage = re.sub(r"\{(\w+)\}", r"\1", " ".join(command.collect_usage_pieces(ctx)))
    console.print()
    console.print(Text(f" Usage: {ctx.command_path} {usage}", style="bold"))
    if command.help:
        for paragraph in (p for p in command.help.split("\n\n") if p.strip()):
            console.print()
            console.print(
                Text(
                    textwrap.fill(
                        " ".join(paragraph.split()),
                        console.width - 1,
                        initial_indent=" ",
                        subsequent_indent=" ",
                    )
                )
            )
    console.print()
    for title, params in _panels(command.get_params(ctx)).items():
        console.print(_panel(_table(params, ctx), title))
    if isinstance(command, typer.core.TyperGroup):
        rows = Table(box=None, show_header=False, padding=(0, 1), expand=True, pad_edge=False)
        rows.add_column(no_wrap=True, style="bold cyan")
        rows.add_column(ratio=1)
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                rows.add_row(name, sub.get_short_help_str(limit=300))
        console.print(_panel(rows, "Commands"))


def _panel(body: Table, title: str) -> Panel:
    return Panel(body, title=title, title_align="left", box=box.ROUNDED, border_style="dim")


class AdvisorCommand(typer.core.TyperCommand):
    def format_help(self, ctx: Context, formatter: Any) -> None:
        render_help(self, ctx, Console())


class AdvisorGroup(typer.core.TyperGroup):
    def format_help(self, ctx: Context, formatter: Any) -> None:
        render_help(self, ctx, Console())
