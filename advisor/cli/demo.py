"""``advisor demo``: the built-in demo database, analysed; a kept cluster reused."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from advisor.cli.analyze import Format, FormatOpt, Outputs, WriteMigrationsOpt, run_analysis
from advisor.cli.options import fail, say
from advisor.errors import AdvisorError
from advisor.settings import Settings
from advisor.sources.workload import SourceOptions

CLUSTER = "Cluster"


def demo(
    keep: Annotated[
        bool,
        typer.Option("--keep", help="Leave the demo cluster running, and print what to run next.",
                     rich_help_panel=CLUSTER),
    ] = False,
    reset: Annotated[
        bool,
        typer.Option("--reset", help="Replace a kept demo cluster with a fresh one.",
                     rich_help_panel=CLUSTER),
    ] = False,
    stop: Annotated[
        bool,
        typer.Option("--stop", help="Stop the kept demo cluster and remove its files.",
                     rich_help_panel=CLUSTER),
    ] = False,
    scale: Annotated[
        float,
        typer.Option("--scale", min=0, metavar="NUMBER",
                     help="How many times to replay the demo's workload.",
                     rich_help_panel=CLUSTER),
    ] = 1.0,
    fmt: FormatOpt = Format.table,
    write_migrations: WriteMigrationsOpt = None,
) -> None:  # fmt: skip
    """Start a throwaway cluster, load the demo application, replay its workload, analyse it.

    A cluster kept with --keep is reused as it is (what 'advisor apply' built there shows);
    --reset replaces it, --stop stops it. ADVISOR_DEMO_DIR moves it from ~/.advisor-demo.
    """
    from advisor.demo import run as demo_run
    from advisor.render.commands import command

    try:
        base = demo_run.demo_dir()
        if stop:
            demo_run.remove(base)
            say(f"stopped the demo cluster and removed {base}")
            return
        cluster, reused = demo_run.open_cluster(base, reset=reset, say=say)
        if reused:
            say(f"reusing the demo cluster kept in {base} (port {cluster.port}), as it is; "
                f"{command('demo', '--reset')} loads it afresh")  # fmt: skip
        keep = keep or reused
        dsn: str | None = None
        try:
            if reused and demo_run.loaded(cluster):
                dsn = cluster.dsn(demo_run.DEMO_DB)
            else:
                dsn = demo_run.prepare(cluster, say, scale=scale)
            if keep:
                demo_run.mark_kept(cluster)
            say(f"analysing: {command('analyze', '--dsn', dsn, '--verbose')}\n")
            outputs = Outputs(fmt=fmt, migrations=write_migrations, verbose=True)
            run_analysis(dsn, Settings(), SourceOptions(), outputs)
        finally:
            if keep:
                say(next_steps(base, cluster.port, dsn))
            else:
                demo_run.remove(base)
    except AdvisorError as err:
        raise fail(err) from None


def next_steps(base: Path, port: int, dsn: str | None) -> str:
    """What to run with a kept demo cluster, each line ready to paste."""
    from advisor.render.commands import command

    lines = [f"\nThe demo cluster keeps running in {base} (port {port}). Next:"]
    if dsn:
        lines += [
            f"  {command('analyze', '--dsn', dsn)}",
            f"  {command('analyze', '--dsn', dsn, '--save-plan', 'plan.json')}",
            f"  {command('apply', 'plan.json', '--dsn', dsn)}",
        ]
    lines += [
        f"  {command('demo')}    # analyse it again, as it is now",
        f"  {command('demo', '--stop')}    # stop it and remove its files",
    ]
    return "\n".join(lines)
