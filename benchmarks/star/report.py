"""Results -> markdown: the tables printed by ``run`` and written into docs/benchmarks.md."""

from __future__ import annotations

from benchmarks.star.bench import LITERAL, Results
from benchmarks.tpch.advisor_run import UNBOUNDED
from benchmarks.tpch.bench import MeasuredSet
from benchmarks.tpch.replay import got_slower, noise
from benchmarks.tpch.report import (
    at_most,
    check,
    is_extend,
    labels,
    mb,
    median,
    set_cells,
    table,
    total,
)

BEGIN = "<!-- BEGIN star-results (written by python -m benchmarks.star.run --write-docs) -->"
END = "<!-- END star-results -->"

# Issue 17's targets for the second analytic workload.
TARGET_RATIO = 0.75
TARGET_REAL_BYTES = 250 * 2**20
TARGET_PGSS_SECONDS = 60.0
TARGET_LITERAL_SECONDS = 120.0
SLOWEST = 3


def describe(label: str) -> str:
    if label == LITERAL:
        return "advisor, literal statements (`--queries`)"
    if is_extend(label):
        return label
    if label == UNBOUNDED:
        return "advisor, default settings"
    return f"advisor, `--max-size {label}`"


def _setup(r: Results) -> list[str]:
    o, m = r.options, r.machine
    n = len(r.queries)
    return [
        f"Run on {m.date}: `{o.command}`",
        "",
        f"- Machine: {m.cpus} CPUs ({m.cpu_model}), {m.memory_gib:.1f} GiB RAM; load average "
        f"{m.load_average[0]:g} / {m.load_average[1]:g} / {m.load_average[2]:g} when it started "
        "(the machine was shared with other work: runtimes are indicative, planner costs are "
        "not affected).",
        f"- PostgreSQL {m.server_version}, HypoPG {m.hypopg_version}; advisor at "
        f"{m.advisor_commit}.",
        _data(r),
        f"- Baseline, primary keys only: {o.runs} run(s) of the {n} statements, median total "
        f"{total(r.baseline):.1f} s (a timeout counts as {o.timeout_s:g} s). Timed out, so "
        f"given to the advisor through the server log (`--log`): {labels(r.explicit)}.",
        f"- The three statements of largest planner cost (left out of the second ratio): "
        f"{labels(r.dominant)}.",
    ]


def _data(r: Results) -> str:
    o, ld = r.options, r.loaded
    rows = sum(ld.rows.values())
    big = max(ld.rows, key=lambda t: ld.rows[t], default="")
    if o.database_dsn is not None:
        return (
            f"- Data: the database given with `--database`, as it was: {rows:,} rows "
            f"(`pg_class.reltuples`; {ld.rows.get(big, 0):,} in {big}); workload "
            f"`{o.queries_file.name}`."
        )
    return (
        f"- Data: generated in the server at scale {o.scale:g}: {rows:,} rows "
        f"({ld.rows.get('store_sales', 0):,} in store_sales), {ld.load_seconds:.0f} s with the "
        "primary keys and VACUUM (FREEZE, ANALYZE)."
    )


def _coverage(r: Results) -> list[str]:
    lines = ["#### Every statement planned", ""]
    n = len(r.queries)
    rows = [["with their constants (plain EXPLAIN)", f"{len(r.literal_plans)} of {n}", ""]]
    for label, found in r.coverage.items():
        skipped = "; ".join(f"Q{q}: {why[:80]}" for q, why in sorted(found.skipped.items()))
        rows.append([describe(label), f"{len(found.analysed)} of {n}", skipped or "none"])
    lines += table(["statements", "planned", "skipped"], rows)
    first = next(iter(r.coverage.values()), None)
    if first is not None and first.repaired:
        kinds: dict[str, int] = {}
        for notes in first.repaired.values():
            for note in notes:
                kind = note.split(" $")[0].split(" '")[0]
                kinds[kind] = kinds.get(kind, 0) + 1
        lines += [
            "",
            f"Repairs that made the normal forms plannable ({len(first.repaired)} statements): "
            + "; ".join(f"{k} ({v}x)" for k, v in sorted(kinds.items())),
        ]
    return [*lines, ""]


def _rows(r: Results) -> list[list[str]]:
    rows = []
    for b in r.runs:
        run = b.run
        if not run.ok or b.ratios is None:
            last = (run.error.splitlines() or ["no output"])[-1][:120]
            rows.append([describe(b.budget), f"failed (exit {run.exit_code}): {last}"] + [""] * 6)
            continue
        size = mb(run.estimated_bytes) + (" (HypoPG)" if is_extend(b.budget) else "")
        indexes, ratios, calls = set_cells(b, b.ratios)
        rows.append(
            [describe(b.budget), indexes, size, *ratios, calls, f"{run.wall_seconds:.1f} s"]
        )
    return rows


def _slowest(r: Results) -> list[int]:
    return sorted(r.baseline, key=lambda n: r.baseline[n].median, reverse=True)[:SLOWEST]


def _measured(r: Results, m: MeasuredSet) -> list[str]:
    lines = [f"#### Built for real: {', '.join(describe(b) for b in m.budgets)}", ""]
    rows = [
        [f"`{i.name}` on {i.shape}", mb(i.estimated_bytes),
         mb(i.real_bytes) if i.error is None else f"not built: {i.error[:100]}",
         f"{i.build_seconds:.1f} s"]
        for i in m.indexes
    ]  # fmt: skip
    rows.append(["**total**", mb(m.estimated_bytes), mb(m.real_bytes),
                 f"{sum(i.build_seconds for i in m.indexes):.1f} s"])  # fmt: skip
    lines += table(["index", "estimated", "real (pg_relation_size)", "build"], rows)
    slower = [n for n in sorted(m.after) if got_slower(r.baseline[n], m.after[n])]
    changed = [
        n
        for n in sorted(r.baseline)
        if n in slower or abs(m.ratios.per_query.get(n, 1.0) - 1.0) > 0.01
    ]
    rows = []
    for n in changed:
        before, after = r.baseline[n], m.after[n]
        ratio = after.median / before.median if before.median > 0 else 1.0
        flag = f"**slower** (noise {noise(before, after):.2f} s)" if n in slower else ""
        rows.append([f"Q{n}", median(before), median(after), f"{ratio:.2f}",
                     f"{m.ratios.per_query.get(n, 1.0):.3f}", flag])  # fmt: skip
    tb, ta = total(r.baseline), total(m.after)
    rows.append(["**all statements**", f"{tb:.2f}", f"{ta:.2f}", f"{ta / tb:.2f}" if tb else "",
                 "", f"{len(slower)} slower"])  # fmt: skip
    lines += [
        "",
        f"Planner cost with these indexes built: {m.ratios.all_queries:.3f} over all "
        f"{len(r.queries)}, {m.ratios.recorded:.3f} without the three dominant, geometric mean "
        f"{m.ratios.geomean:.3f}. Statements whose plan or runtime changed:",
        "",
        *table(["statement", "before (s)", "after (s)", "runtime ratio", "planner ratio", ""],
               rows),
        "",
    ]  # fmt: skip
    return lines


def _targets(r: Results) -> list[str]:
    ours = [b for b in r.runs if not is_extend(b.budget) and b.run.ok]
    header = ["target (issue 17)"] + [describe(b.budget) for b in ours]
    rows: list[list[str]] = [[] for _ in range(5)]
    rows[0].append("every statement that plans with literals plans from its normal form")
    rows[1].append(f"ratio without the three dominant <= {TARGET_RATIO}")
    rows[2].append(f"real size <= {mb(TARGET_REAL_BYTES)}")
    rows[3].append("the three slowest statements improve or get a reason")
    rows[4].append("advice time")
    slowest = _slowest(r)
    for b in ours:
        found = r.coverage.get(b.budget)
        missing = [n for n in r.literal_plans if found is None or n not in found.analysed]
        rows[0].append(check(not missing, f"missing {labels(missing)}" if missing else "all"))
        rows[1].append(at_most(b.ratios.recorded, TARGET_RATIO) if b.ratios else "n/a")
        built = next((m for m in r.measured if b.budget in m.budgets), None)
        if built is None:
            rows[2].append(f"not built ({mb(b.run.estimated_bytes)} estimated)")
        else:
            rows[2].append(check(built.real_bytes <= TARGET_REAL_BYTES, mb(built.real_bytes)))
        texts = []
        ok = True
        for n in slowest:
            before = r.baseline[n]
            after = built.after.get(n) if built else None
            reason = found.reasons.get(n) if found else None
            predicted = b.ratios.per_query.get(n, 1.0) if b.ratios else 1.0
            if after is not None and after.median < before.median * 0.9:
                texts.append(f"Q{n} {median(before)} -> {median(after)} s")
            elif built is None and predicted < 0.9:  # the planner's word, not a measurement
                texts.append(f"Q{n}: planner cost x{predicted:.2f}, not built")
            elif reason:
                texts.append(f"Q{n}: {reason[:90]}")
            else:
                ok = False
                texts.append(f"Q{n}: no change, no reason")
        rows[3].append(check(ok, "; ".join(texts)))
        limit = TARGET_LITERAL_SECONDS if b.budget == LITERAL else TARGET_PGSS_SECONDS
        rows[4].append(
            check(b.run.wall_seconds < limit, f"{b.run.wall_seconds:.1f} s (< {limit:g} s)")
        )
    return ["#### Against the targets", "", *table(header, rows), ""]


def render(r: Results) -> str:
    n = len(r.queries)
    title = (
        f"Workload `{r.options.queries_file.name}` on a given database"
        if r.options.database_dsn is not None
        else f"Star schema, scale {r.options.scale:g}"
    )
    lines = [f"### {title}", "", *_setup(r), ""]
    lines += _coverage(r)
    lines += [
        "#### Advice",
        "",
        f"Planner costs of the {n} statements as written (constants, plain EXPLAIN), with each "
        "set as HypoPG hypothetical indexes, relative to primary keys only; every statement "
        "weighs the same. Extend's budget is in HypoPG's size estimates.",
        "",
        *table(["set", "indexes", "estimated size", f"cost ratio, all {n}",
                "cost ratio, without the 3 dominant", "geometric mean", "EXPLAIN calls",
                "wall time"], _rows(r)),
        "",
    ]  # fmt: skip
    for m in r.measured:
        lines += _measured(r, m)
    lines += _targets(r)
    return "\n".join(lines).rstrip() + "\n"
