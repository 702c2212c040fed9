"""Paired, interleaved timings: every TPC-H instance with and without an advised set, back to back.

The benchmark's passes time the baseline and each built set minutes apart, under different
cache and machine states; on a 2-vCPU VM unchanged plans moved by up to 35 % between passes,
which no "slower than before" verdict can see through. Here the set is built once, and every
instance runs without it (its indexes dropped inside a transaction that is rolled back: the
planner does not see them, nothing is rebuilt) and with it, one right after the other, the order
alternating from run to run (ABBA). Both sides of a pair meet the same cache and the same
neighbours, so a ratio that stays above 1 in every pair is the set's doing.

An instance that times out without the set (Q17 and Q20 at scale factor 1) is run without it
once and counted at the timeout after that: it would only time out again.

    python -m benchmarks.tpch.paired --dsn DSN --advice advice-250MB.json [--advice ...]
        [--runs 2] [--param-sets 3] [--timeout 60] [--write-docs docs/benchmarks.md]

The database is one the TPC-H benchmark kept (``--keep``), with its ``advice-*.json`` files.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.tpch import build, params
from benchmarks.tpch.bench import DEFAULT_PARAM_SETS
from benchmarks.tpch.pairs import Key, PairedRunner, Pairs
from benchmarks.tpch.report import paired_note, paired_table, write_docs

BEGIN = "<!-- BEGIN tpch-paired (written by python -m benchmarks.tpch.paired --write-docs) -->"
END = "<!-- END tpch-paired -->"


@dataclass(frozen=True)
class PairedSet:
    label: str
    indexes: tuple[build.BuiltIndex, ...]
    pairs: dict[Key, Pairs]
    reverted: tuple[tuple[str, str], ...] = ()  # --validate: (index, why it was taken back)


def measure(
    dsn: str,
    advice: Sequence[Path],
    runs: int,
    param_sets: int,
    timeout_s: float,
    say: Any,
    *,
    validate_with: Sequence[str] = (),
    apply_log: Path | None = None,
) -> list[PairedSet]:
    """With ``validate_with``, each set is built by ``advisor apply --validate`` timing those
    statements (``build.build_validated``), and the pairs time what it kept."""
    instances = params.instances(param_sets)
    runner = PairedRunner(dsn, timeout_s, runs)
    out = []
    for path in advice:
        recs = list(json.loads(path.read_text(encoding="utf-8"))["recommendations"])
        label = path.stem.removeprefix("advice-")
        if not validate_with:
            say(f"building the set of {label} ({len(recs)} indexes) ...")
            with build.built(dsn, recs) as made:
                say(f"  {sum(i.real_bytes for i in made) / 2**20:.0f} MB; {runs} paired runs ...")
                out.append(PairedSet(label, tuple(made), runner.pairs(instances, made)))
            continue
        say(f"building the set of {label} ({len(recs)} indexes) with apply --validate ...")
        with build.validated(dsn, recs, validate_with, say, log=apply_log) as done:
            say(f"  kept {len(done.kept)}, took back {len(done.reverted)} in "
                f"{done.seconds:.0f} s; {runs} paired runs ...")  # fmt: skip
            pairs = runner.pairs(instances, done.kept)
        out.append(PairedSet(f"{label} validated", tuple(done.kept), pairs, tuple(done.reverted)))
    return out


def render(sets: Sequence[PairedSet], command: str, runs: int) -> str:
    out = ["### TPC-H: paired, interleaved timings", "", f"`{command}`", "", paired_note(runs)]
    for s in sets:
        real = sum(i.real_bytes for i in s.indexes) / 2**20
        out += ["", f"#### {s.label}: {len(s.indexes)} indexes, {real:.1f} MB real", ""]
        for name, why in s.reverted:
            out += [f"- taken back by `apply --validate`: `{name}`: {why}"]
        out += [""] if s.reverted else []
        out += paired_table(s.pairs)
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.tpch.paired", description=__doc__)
    p.add_argument("--dsn", required=True, help="a database the TPC-H benchmark kept")
    p.add_argument("--advice", type=Path, action="append", required=True,
                   help="an advice-*.json of that run (repeatable)")  # fmt: skip
    p.add_argument("--runs", type=int, default=2, help="pairs per instance (default 2)")
    p.add_argument("--param-sets", type=int, default=DEFAULT_PARAM_SETS,
                   help=f"parameter sets per template (default {DEFAULT_PARAM_SETS})")  # fmt: skip
    p.add_argument("--timeout", type=float, default=60.0, help="statement_timeout in seconds")
    p.add_argument("--write-docs", type=Path, help="replace the paired section of this file")
    p.add_argument("--validate", action="store_true",
                   help="build each set with 'advisor apply --validate', timing a parameter "
                   "set the pairs do not time")  # fmt: skip
    p.add_argument("--apply-log", type=Path,
                   help="with --validate: record the applies in this file, which 'advisor "
                   "analyze --apply-log' reads")  # fmt: skip
    args = p.parse_args(argv)
    given = sys.argv[1:] if argv is None else argv
    command = "python -m benchmarks.tpch.paired " + shlex.join(
        ["--dsn", "DSN"] + [a for a in given if a not in (args.dsn, "--dsn")]
    )
    sets = measure(
        args.dsn, args.advice, args.runs, args.param_sets, args.timeout, print,
        validate_with=(
            params.held_out({q.sql for q in params.instances(args.param_sets)})
            if args.validate
            else ()
        ),
        apply_log=args.apply_log,
    )  # fmt: skip
    text = render(sets, command, args.runs)
    print(text)
    if args.write_docs:
        write_docs(args.write_docs, text, BEGIN, END)
    return 0


if __name__ == "__main__":
    sys.exit(main())
