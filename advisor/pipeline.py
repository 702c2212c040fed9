"""``analyze()``: wire the stages in order. No formatting here, no printing."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import asdict, replace
from datetime import UTC, datetime
from typing import Any

import psycopg

from advisor import candidates as candidate_kinds
from advisor import plan_risk, time_vs_cost
from advisor import review as review_mod
from advisor.apply import record
from advisor.candidates import gin
from advisor.candidates.covering import visibility_note
from advisor.candidates.gin import RuleAdvice
from advisor.catalog.names import IndexNames
from advisor.collect import catalog as catalog_mod
from advisor.collect import server as server_mod
from advisor.collect.catalog import Catalog
from advisor.db import session
from advisor.errors import AnalysisAborted, Interrupted
from advisor.history.series import table_series
from advisor.model import (
    Calibration,
    Finding,
    Footprint,
    IndexSpec,
    ParsedStatement,
    PlanCost,
    PlanRisk,
    Recommendation,
    Report,
    ServerInfo,
    Skipped,
    StatementEffect,
    StatementResult,
    TableRef,
    TableWrites,
    TimeVsCost,
)
from advisor.parse import plan as plan_uses
from advisor.parse import retype
from advisor.parse.statement import NO_TABLE
from advisor.parse.statement import analyse as parse_statement
from advisor.progress import Progress
from advisor.report.fmt import plural
from advisor.review import distinct
from advisor.selection import budgeted, rates
from advisor.selection.base import (
    PLANNER_MS_PER_COST,
    Selection,
    WorkloadItem,
    ms_per_cost,
    weight_of,
)
from advisor.selection.config import Config
from advisor.selection.greedy import GreedySelector
from advisor.selection.limits import MAX_EXPLAINS, SearchLimit
from advisor.selection.overhead import WriteCost, combined, write_cost
from advisor.selection.proof import prove, served_in_order
from advisor.settings import RunOptions, Settings, format_size
from advisor.sources.workload import SourceOptions, Workload
from advisor.sources.workload import collect as collect_workload
from advisor.whatif import samples
from advisor.whatif.costs import WhatIf
from advisor.whatif.explain import Explainer, PlanError
from advisor.whatif.hypopg import HypoPG
from advisor.whatif.size import estimate_btree_bytes, estimate_gin_bytes
from advisor.whatif.verify import verify as verify_on_copy
from advisor.window import Window

log = logging.getLogger(__name__)


def analyze(
    dsn: str | None,
    settings: Settings,
    sources: SourceOptions,
    progress: Progress | None = None,
    *,
    run: RunOptions | None = None,
) -> Report:
    """Analyse the workload of the database at ``dsn``; ``sources`` says where it comes from
    (``SourceOptions()``: pg_stat_statements; ``SourceOptions(queries=(...,))``: those alone).
    ``settings`` are the selection thresholds, ``run`` the wiring (timeouts, role, review...).
    ``progress`` hears each stage; Ctrl-C raises ``Interrupted``, which says what it stopped,
    after the session is closed."""
    options = sources
    options.check()
    started = time.monotonic()
    progress = progress or Progress(enabled=False)
    run = run or RunOptions()
    progress.note("connecting")
    conn = session.connect(
        dsn, statement_timeout_ms=run.statement_timeout_ms, lock_timeout_ms=run.lock_timeout_ms
    )
    try:
        return _analyze(conn, settings, run, options, progress, started)
    except psycopg.OperationalError as exc:
        raise AnalysisAborted(
            f"connection lost during analysis: {session.safe_message(exc)}"
        ) from None
    except KeyboardInterrupt:
        conn.close()  # first: a second Ctrl-C must not leave the session behind
        raise Interrupted(
            f"interrupted while {progress.where}, after {time.monotonic() - started:.1f} s",
            "closed the read-only session, and with it its hypothetical indexes and prepared "
            "statements; nothing was written",
        ) from None
    finally:
        if not conn.closed:
            conn.close()


def _analyze(
    conn: psycopg.Connection[Any],
    settings: Settings,
    run: RunOptions,
    options: SourceOptions,
    progress: Progress,
    started: float,
) -> Report:
    note = progress.note
    now = datetime.fromtimestamp(run.now_epoch, UTC) if run.now_epoch else None
    server = server_mod.check(conn, require_pgss=options.reads_pg_stat_statements, now=now)
    note("reading the catalog")
    catalog = catalog_mod.read_catalog(conn)
    collected = collect_workload(
        conn,
        options,
        settings,
        database=server.info.database,
        pgss_schema=server.pgss_schema,
        progress=progress,
    )
    workload = [
        replace(
            item.statement,
            source="+".join(item.sources) or item.statement.source,
            timeouts=item.timeouts,
            samples=item.samples,
        )
        for item in collected.items
    ]
    window = _window(server.info, options, collected)
    period = server.info.stats_age_seconds
    if not options.reads_pg_stat_statements:
        period = window.seconds
    server_info = replace(server.info, stats_age_seconds=period)
    note(f"parsing {plural(len(workload), 'statement')}")
    parsed: list[ParsedStatement] = []
    skipped: list[Skipped] = []
    for statement in workload:
        result = parse_statement(statement, catalog)
        (skipped if isinstance(result, Skipped) else parsed).append(result)  # type: ignore[arg-type]

    if run.role:
        session.set_role(conn, run.role)
    hypo = HypoPG(conn, server.hypopg_schema, server.info.hypopg_version or "")
    explainer = Explainer(conn, server.info.version_num)
    progress.watch("EXPLAIN calls", lambda: explainer.calls)
    withheld = record.Withheld.read(run.apply_log, server_info.database)
    whatif = WhatIf(
        hypo, explainer, catalog.family, derive=settings.search_shortcuts, barred=withheld.bars()
    )
    limit = SearchLimit.start(
        lambda: explainer.calls,
        max_explains=settings.max_explains,
        time_limit_s=settings.time_limit_s,
        started=started,
    )
    hypo.reset()
    try:
        note(f"planning {plural(len(parsed), 'statement')}")
        tracked_plans = progress.track(parsed, "planning statements")
        items, not_planned, calibration, risky = _baseline(
            tracked_plans, whatif, catalog, skipped, settings, limit
        )
        risks = {  # the safer plan priced while --max-explains / --time-limit allow
            item.key: plan_risk.hedge(
                risky[item.key], None if limit.spent else whatif.without_nested_loops(item.parsed)
            )
            for item in items
            if item.key in risky
        }
        misjudged = time_vs_cost.judge(items, calibration)
        if settings.weigh_by == "measured":  # planner weights stay the same on every machine
            items = time_vs_cost.weigh(items, misjudged)
        reasons: dict[str, str] = {}
        note("creating candidate indexes")
        tracked = progress.track(items, "creating candidate indexes")
        proposed = _candidates(tracked, catalog, settings, whatif, reasons)
        candidates = sum(len(v) for v in proposed.values())
        note(f"pricing {plural(candidates, 'candidate index')} across the workload")
        writes, write_notes = _write_rates(conn, catalog, server_info, settings, run)
        costing = Costing(catalog, whatif, settings, server_info, items, writes)

        def selector(tuned: Settings) -> GreedySelector:
            return GreedySelector(
                whatif,
                tuned,
                size_of=costing.size,
                overhead_of=costing.overhead_ms,
                limit=limit,
                lazy=not settings.exhaustive_search,
                shortcuts=settings.search_shortcuts,
                served=lambda spec: (
                    candidate_kinds.served_by(spec, catalog.indexes_of(spec.table)) is not None
                ),
            )

        chosen = budgeted.select(selector, settings, items, proposed, costing.size)
        selection = prove(chosen, items, whatif)
        names = IndexNames(conn, catalog=catalog)
        recommendations = _recommend(
            names, catalog, selection, items, costing, window, misjudged, risks
        )
        unverified = _rule_advice(names, catalog, items, costing, settings, reasons, window)
    finally:
        if not conn.broken:
            hypo.reset()
    findings: tuple[Finding, ...] = ()
    if run.review:
        note("reviewing the existing indexes")
        findings = _review(
            conn, catalog, items, hypo, explainer, run, server.info.table_stats_age_seconds
        ) + distinct.find(catalog, settings.min_table_rows)
    if unverified and run.verify_dsn:
        note("verifying rule-based advice on the copy")
        unverified = verify_on_copy(
            run.verify_dsn,
            unverified,
            {i.key: i.parsed for i in items},
            statement_timeout_ms=run.statement_timeout_ms,
        )
    recommendations += _within_budget(recommendations, unverified, settings)
    for rec in unverified:
        proof = "verified on the copy" if rec.verified else "unverified"
        for effect in rec.effects:
            reasons.setdefault(
                effect.statement.key, f"rule-based advice only ({proof}): {rec.spec.describe()}"
            )
    results = _statement_results(items, selection, reasons, settings, misjudged, risks)
    by_key = {i.key: i for i in items}
    return Report(
        server=server_info,
        recommendations=tuple(recommendations),
        statements=tuple(results),
        skipped=tuple(skipped),
        findings=findings,
        explain_calls=explainer.calls,
        elapsed_seconds=time.monotonic() - started,
        workload_cost_before=sum(i.parsed.statement.calls * i.base_cost for i in items),
        workload_cost_after=sum(
            by_key[k].parsed.statement.calls * c for k, c in selection.costs.items() if k in by_key
        ),
        settings=asdict(settings),
        plans_derived=whatif.derived,
        write_notes=write_notes,
        writes=tuple((ref, w) for ref, w in writes.items() if w.any or w.bulk_inserted),
        unevaluated=replace(selection.unevaluated, limit=limit.reached, not_planned=not_planned),
        window=window,
        left_out=tuple(withheld.hits.items())
        + tuple((spec.describe(), reason) for spec, reason in selection.left_out.items()),
        budget_note=_budget_note(selection, settings),
        footprint=Footprint(explainer.tracking, server.role, server.info.version_num),
        calibration=calibration,
    )


def _write_rates(
    conn: psycopg.Connection[Any],
    catalog: Catalog,
    server: ServerInfo,
    settings: Settings,
    run: RunOptions,
) -> tuple[dict[TableRef, TableWrites], tuple[str, ...]]:
    """Each table's writes over the reads' window (snapshot deltas where the store has them),
    and what the report should say about them (bulk loads set apart, an unreadable store)."""
    points, problem = table_series(conn, run.store, window_seconds=server.stats_age_seconds)
    writes = rates.for_tables(
        catalog.tables,
        [(p.seconds_ago, p.tables) for p in points],
        table_stats_age_s=server.table_stats_age_seconds,
        count_bulk=settings.count_bulk_writes,
    )
    notes = [problem] if problem else []
    for ref, table_writes in sorted(writes.items()):
        said = rates.describe_bulk(str(ref), table_writes)
        if said:
            notes.append(said)
    return writes, tuple(notes)


def _window(server: ServerInfo, options: SourceOptions, collected: Workload) -> Window:
    """The period the workload's times cover (``advisor.window``)."""
    if options.reads_pg_stat_statements:
        since = datetime.fromisoformat(server.stats_since) if server.stats_since else None
        return Window(
            "pg_stat_statements statistics",
            server.stats_age_seconds,
            since,
            server.stats_basis or "",
        )
    if collected.window is not None:
        return collected.window
    return Window("the given queries", None, None, "statements without measured times")


def _budget_note(selection: Selection, settings: Settings) -> str | None:
    """``2 indexes left out by --max-size 10MB``, when a budget kept indexes out."""
    if not selection.over_budget:
        return None
    limits = []
    if settings.max_size_bytes is not None:
        limits.append(f"--max-size {format_size(settings.max_size_bytes)}")
    if settings.max_indexes is not None:
        limits.append(f"--max-indexes {settings.max_indexes}")
    count = len(selection.over_budget)
    return f"{count} index{'es' if count != 1 else ''} left out by {' and '.join(limits)}"


class Costing:
    """Sizes and write costs of candidate indexes, computed once per spec."""

    def __init__(
        self,
        catalog: Catalog,
        whatif: WhatIf,
        settings: Settings,
        server: ServerInfo,
        items: list[WorkloadItem],
        writes: dict[TableRef, TableWrites],
    ) -> None:
        self.catalog = catalog
        self.whatif = whatif
        self.settings = settings
        self.server = server
        self.writes = writes
        self.updated: dict[TableRef, set[str]] = {}
        for item in items:
            for ref, column in item.parsed.updated:
                self.updated.setdefault(ref, set()).add(column)
        self._sizes: dict[IndexSpec, int] = {}
        self._writes: dict[IndexSpec, WriteCost] = {}

    def size(self, spec: IndexSpec) -> int:
        """Our B-tree model where it applies (HypoPG ignores deduplication), else HypoPG's.

        A partitioned table has no storage: an index there takes what the index it puts on each
        leaf partition takes, each estimated from that leaf's own statistics.
        """
        if spec not in self._sizes:
            table = self.catalog.tables[spec.table]
            if table.kind == "p":
                self._sizes[spec] = sum(
                    self.size(replace(spec, table=leaf.ref))
                    for leaf in self.catalog.leaves(spec.table)
                )
            elif spec.method == "btree" and spec.where is None:
                self._sizes[spec] = estimate_btree_bytes(spec, table)
            elif spec.method == "gin":  # HypoPG cannot create it
                self._sizes[spec] = estimate_gin_bytes(gin.entries_per_row(spec, table), table)
            else:
                keep = not self.catalog.ancestors(spec.table)  # a partition's: measured, dropped
                self._sizes[spec] = self.whatif.size(spec, keep=keep)
        return self._sizes[spec]

    def hypopg_size(self, spec: IndexSpec) -> int | None:
        """HypoPG's own estimate, None on a partitioned table (it means nothing there)."""
        return None if self.catalog.is_partitioned(spec.table) else self.whatif.size(spec)

    def write(self, spec: IndexSpec) -> WriteCost:
        """The index's write cost; on a partitioned table, the sum over its leaf partitions."""
        if spec not in self._writes:
            if self.catalog.is_partitioned(spec.table):
                self._writes[spec] = combined(
                    self.write(replace(spec, table=leaf.ref))
                    for leaf in self.catalog.leaves(spec.table)
                )
                return self._writes[spec]
            updated = set(self.updated.get(spec.table, ()))
            for parent in self.catalog.ancestors(spec.table):  # updates through the parent
                updated |= self.updated.get(parent, set())
            self._writes[spec] = write_cost(
                spec,
                self.catalog.tables[spec.table],
                self.writes.get(spec.table, rates.NOTHING),
                updated_columns=frozenset(updated),
                index_count=len(self.catalog.indexes_of(spec.table)),
                period_s=self.server.stats_age_seconds,
                weight=self.settings.write_weight,
            )
        return self._writes[spec]

    def overhead_ms(self, spec: IndexSpec) -> float:
        return self.write(spec).ms


def _baseline(
    parsed: Iterable[ParsedStatement],
    whatif: WhatIf,
    catalog: Catalog,
    skipped: list[Skipped],
    settings: Settings,
    limit: SearchLimit,
) -> tuple[list[WorkloadItem], int, Calibration | None, dict[str, PlanRisk]]:
    """Plan each statement as it is (with the constants of its samples where the workload has
    some: ``samples``); what its plan shows joins what its text names. A limit
    leaves the rest unplanned: how many, beside the planned ones. The calibration of plan cost
    against measured time (``time_vs_cost``) weighs the statements without a measured time;
    too few statements to calibrate on, the median over whatever was measured does. The plans
    whose cost rests on a guessed row count (``plan_risk``), by statement key, come last."""
    planned = []
    risky: dict[str, PlanRisk] = {}
    not_planned = 0
    for original in parsed:  # most total time first: a limit leaves out the least important
        if limit.spent:
            flag = "--max-explains" if limit.reached == MAX_EXPLAINS else "--time-limit"
            reason = f"not planned: {flag} was reached first"
            skipped.append(Skipped(original.statement, reason, original.plan_sql))
            not_planned += 1
            continue
        try:
            p, cost, tree = samples.plan_sampled(
                original, catalog, whatif, lambda generic: _plan_retyped(generic, whatif)
            )
        except PlanError as exc:
            skipped.append(Skipped(original.statement, str(exc), original.plan_sql))
            continue
        merged = plan_uses.merge(p, plan_uses.facts(tree, p, catalog))
        if not merged.tables and not merged.views:  # a function in FROM that reads no table
            skipped.append(Skipped(p.statement, NO_TABLE, p.plan_sql))
            continue
        planned.append((merged, cost))
        risk = plan_risk.find(tree)
        if risk is not None:
            risky[merged.statement.key] = risk
    measured = settings.weigh_by == "measured"
    calibration = time_vs_cost.calibrate([(p, plan.total_cost) for p, plan in planned])
    if not measured:
        factor = PLANNER_MS_PER_COST
    elif calibration is not None:
        factor = calibration.ms_per_cost
    else:
        factor = ms_per_cost([(p.statement.mean_exec_ms, plan.total_cost) for p, plan in planned])
    items = [
        WorkloadItem(
            p,
            plan.total_cost,
            weight_of(p, plan.total_cost, factor, measured=measured),
            plan.used_indexes,
            plan.seq_scans,
        )
        for p, plan in planned
    ]
    return items, not_planned, calibration, risky


def _plan_retyped(
    parsed: ParsedStatement, whatif: WhatIf
) -> tuple[ParsedStatement, PlanCost, dict[str, Any]]:
    """The statement's baseline plan and its tree; when the server cannot type its parameters,
    the first plausible typing that plans (``retype``), which then stands for the statement."""
    try:
        return whatif.baseline(parsed)
    except PlanError as exc:
        if not retype.is_type_error(str(exc)):
            raise
        for variant in retype.alternatives(parsed):
            try:
                return whatif.baseline(variant)
            except PlanError:
                continue
        raise


def _candidates(
    items: Iterable[WorkloadItem],
    catalog: Catalog,
    settings: Settings,
    whatif: WhatIf,
    reasons: dict[str, str],
) -> dict[str, tuple[IndexSpec, ...]]:
    proposed: dict[str, tuple[IndexSpec, ...]] = {}
    for item in items:
        p = item.parsed
        if not p.uses:
            if p.views and not p.tables:
                reasons[item.key] = (
                    f"reads view or foreign table {', '.join(p.views)}: no table of its plan "
                    "can take an index"
                )
            else:
                reasons[item.key] = (
                    "no indexable predicate: no filter, join or sort on a table column"
                )
            continue
        found = candidate_kinds.generate(p, catalog, settings)
        accepted = []
        refusals = []
        for spec, refusal in zip(found.specs, whatif.try_create_all(found.specs), strict=True):
            if refusal is None:
                accepted.append(spec)
            else:
                refusals.append(f"{spec.describe()}: {refusal}")
        proposed[item.key] = tuple(accepted)
        if accepted:
            continue
        if found.served_by:
            reasons[item.key] = f"already served by existing index {', '.join(found.served_by)}"
        elif found.small_tables:
            sizes = ", ".join(
                f"{ref} ({catalog.tables[ref].reltuples:.0f} rows)" for ref in found.small_tables
            )
            reasons[item.key] = (
                f"table below the size threshold of {settings.min_table_rows} rows: {sizes}"
            )
        elif refusals:
            reasons[item.key] = "the server refused every candidate: " + "; ".join(refusals[:3])
        else:
            reasons[item.key] = "no candidate index for its predicates"
    return proposed


def split_savings(
    selection: Selection, items: list[WorkloadItem], whatif: WhatIf
) -> dict[IndexSpec, dict[str, float]]:
    """Each statement's saving over the window, split among the indexes that serve it.

    A statement's saving is its measured time times the share of its planner cost the final
    set removes. It is split by marginal gain in the order the indexes were chosen: the first
    index's gain is measured with only the indexes that do not serve the statement, the next
    one's with the first added, and so on (equal parts when the planner sees no gain from any
    one alone). The parts add up to the statement's saving, never more than its time.
    Statements without a measured time (given queries) get no entry.
    """
    shares: dict[IndexSpec, dict[str, float]] = {spec: {} for spec in selection.chosen}
    served = served_in_order(selection)
    chosen = Config(selection.chosen)
    for item in items:
        serving = served.get(item.key, [])
        statement = item.parsed.statement
        if not serving or statement.total_exec_ms <= 0 or item.base_cost <= 0:
            continue
        after = selection.costs.get(item.key, item.base_cost)
        saving = statement.total_exec_ms * max(0.0, 1.0 - after / item.base_cost)
        if len(serving) == 1:
            shares[serving[0]][item.key] = saving
            continue
        config = [s for s in chosen.on(whatif.tables_of(item.parsed)) if s not in serving]
        previous = whatif.cost(item.parsed, config).total_cost
        gains = []
        for spec in serving:
            config.append(spec)
            cost = whatif.cost(item.parsed, config).total_cost
            gains.append(max(previous - cost, 0.0))
            previous = cost
        total = sum(gains)
        for spec, gain in zip(serving, gains, strict=True):
            part = gain / total if total > 0 else 1.0 / len(serving)
            shares[spec][item.key] = saving * part
    return shares


def _recommend(
    names: IndexNames,
    catalog: Catalog,
    selection: Selection,
    items: list[WorkloadItem],
    costing: Costing,
    window: Window,
    misjudged: dict[str, TimeVsCost],
    risks: dict[str, PlanRisk],
) -> list[Recommendation]:
    by_key = {i.key: i for i in items}
    shares = split_savings(selection, items, costing.whatif)
    out = []
    for spec in selection.chosen:
        claimed = names.claim(spec)
        effects = []
        for key in selection.used_by.get(spec, ()):
            item = by_key[key]
            after = selection.costs[key]
            effects.append(
                StatementEffect(item.parsed.statement, item.base_cost, after, shares[spec].get(key))
            )
        effects.sort(key=lambda e: e.statement.total_exec_ms, reverse=True)
        saved = sum(shares[spec].values()) if shares[spec] else None
        write = costing.write(spec)
        notes = []
        if spec.include:
            table = catalog.tables[spec.table]
            notes.append(visibility_note(table.relallvisible, table.relpages))
        if write.breaks_hot:
            notes.append(
                "indexes a column the workload updates: those updates stop being HOT "
                "and write into every index of the table"
            )
        for effect in effects:
            judged = misjudged.get(effect.statement.key)
            if judged is not None:
                notes.append(time_vs_cost.index_note(effect.statement, judged))
            elif effect.statement.key in risks:  # one note on the uncertainty is enough
                notes.append(plan_risk.index_note(effect.statement))
        out.append(
            Recommendation(
                spec=spec,
                **claimed.fields(),
                estimated_size_bytes=costing.size(spec),
                effects=tuple(effects),
                time_saved_ms=saved,
                time_saved_ms_per_week=window.per_week(saved),
                write_overhead=write.ms,
                write_overhead_ms_per_week=window.per_week(write.ms),
                hypopg_size_bytes=costing.hypopg_size(spec),
                notes=(*notes, *claimed.notes),
            )
        )
    out.sort(key=lambda r: r.time_saved_ms if r.time_saved_ms is not None else -1.0, reverse=True)
    return out  # a list: rule-based advice is appended after the proven


def _review(
    conn: psycopg.Connection[Any],
    catalog: Catalog,
    items: list[WorkloadItem],
    hypo: HypoPG,
    explainer: Explainer,
    run: RunOptions,
    stats_age_seconds: float | None,
) -> tuple[Finding, ...]:
    """Findings about the existing indexes, proven against the plans of the workload;
    ``stats_age_seconds``: how long the index statistics have been counting, as the server
    check read it (one figure for the report's window and the review)."""
    usage: dict[str, list[str]] = {}
    for item in items:
        for name in item.existing_used:
            usage.setdefault(name, []).append(item.parsed.statement.query)
    plan_usage = {name: tuple(queries) for name, queries in usage.items()}
    replica_scans = None
    if run.replica_dsns:
        replica_scans = review_mod.replica_scans_by_oid(
            catalog,
            [
                review_mod.replica_index_scans(
                    dsn,
                    statement_timeout_ms=run.statement_timeout_ms,
                    lock_timeout_ms=run.lock_timeout_ms,
                )
                for dsn in run.replica_dsns
            ],
        )
    hide_costs = review_mod.price_drops(
        conn, hypo, explainer, catalog, plan_usage=plan_usage, workload=[i.parsed for i in items]
    )
    return review_mod.review(
        conn,
        catalog,
        plan_usage=plan_usage,
        stats_age_seconds=stats_age_seconds,
        min_stats_age_seconds=run.min_stats_age_s,
        replica_scans=replica_scans,
        hide_costs=hide_costs,
    )


def _rule_advice(
    names: IndexNames,
    catalog: Catalog,
    items: list[WorkloadItem],
    costing: Costing,
    settings: Settings,
    reasons: dict[str, str],
    window: Window,
) -> list[Recommendation]:
    """GIN advice that HypoPG cannot prove, merged per index, marked unverified; advice that
    does not earn its place (``gin.judge``) is dropped, with a reason for its statements."""
    merged: dict[IndexSpec, tuple[RuleAdvice, list[WorkloadItem]]] = {}
    for item in items:
        for advice in gin.advise(item.parsed, catalog, settings):
            entry = merged.setdefault(advice.spec, (advice, []))
            if item not in entry[1]:
                entry[1].append(item)
    out = []
    for spec, (advice, users) in merged.items():
        table = catalog.tables[spec.table]
        scanned = {spec.table.name, *(leaf.ref.name for leaf in catalog.leaves(spec.table))}
        uses = [gin.Use(i.weight, gin.scan_share(i.seq_scans, i.base_cost, scanned)) for i in users]
        upkeep = costing.write(spec).ms * gin.entries_per_row(spec, table)
        declined = gin.judge(spec, table, uses, upkeep, settings)
        if declined is not None:
            for item in users:  # more to the point than "no candidate" of the B-tree kinds
                reasons[item.key] = f"{spec.describe()} not advised: {declined}"
            continue
        claimed = names.claim(spec)
        seq_costs = ", ".join(f"{i.base_cost:.0f}" for i in users[:5])
        share = max(u.scan_share for u in uses)
        out.append(
            Recommendation(
                spec=spec,
                **claimed.fields(),
                estimated_size_bytes=costing.size(spec),
                effects=tuple(
                    StatementEffect(i.parsed.statement, i.base_cost, None) for i in users
                ),
                time_saved_ms=None,
                time_saved_ms_per_week=None,
                write_overhead=upkeep,
                write_overhead_ms_per_week=window.per_week(upkeep),
                verified=False,
                notes=(
                    f"not planner-proven: HypoPG cannot create {spec.method} indexes",
                    advice.reason,
                    *advice.evidence,
                    f"current plan cost of the statements: {seq_costs}; sequential scans of "
                    f"{table.ref} are up to {share:.0%} of it",
                    "size: an estimate of the index's posting lists",
                    *claimed.notes,
                ),
            )
        )
    return out


def _within_budget(
    proven: list[Recommendation], extra: list[Recommendation], settings: Settings
) -> list[Recommendation]:
    """The rule-based advice that still fits the index-count and size budgets, in order."""
    count = len(proven)
    size = sum(r.estimated_size_bytes for r in proven)
    kept = []
    for rec in extra:
        if settings.max_indexes is not None and count + 1 > settings.max_indexes:
            continue
        if settings.max_size_bytes is not None and size + rec.estimated_size_bytes > (
            settings.max_size_bytes
        ):
            continue
        kept.append(rec)
        count += 1
        size += rec.estimated_size_bytes
    return kept


def _statement_results(
    items: list[WorkloadItem],
    selection: Selection,
    reasons: dict[str, str],
    settings: Settings,
    misjudged: dict[str, TimeVsCost],
    risks: dict[str, PlanRisk],
) -> list[StatementResult]:
    """Each statement's verdict: why it got no advice (``reason``), whether its measured
    time is far above what its plan cost predicts (``time_vs_cost``), which a statement with
    advice can have too: its gain is then uncertain, and whether its plan's cost rests on a
    guessed row count (``plan_risk``), with or without advice."""
    helped = {key for keys in selection.used_by.values() for key in keys}
    results = []
    for item in items:
        after = selection.costs.get(item.key, item.base_cost)
        gain = 1 - after / item.base_cost if item.base_cost > 0 else 0.0
        reason: str | None = None
        judged = misjudged.get(item.key)
        risk = risks.get(item.key)
        if item.key not in helped or gain < settings.min_improvement:
            reason = reasons.get(item.key) or selection.rejected.get(item.key)
            if reason is None:
                reason = f"the selected indexes improve it only by {max(gain, 0.0):.0%}"
            if reason.startswith(_NOTHING_HELPS):
                reason += f"; {_where_the_cost_is(item)}"
        else:  # helped: a gain resting on a misjudged plan is said to be uncertain
            if judged is not None:
                judged = time_vs_cost.with_advice(judged, gain)
            if risk is not None:
                risk = plan_risk.with_advice(risk, gain)
        results.append(
            StatementResult(item.parsed.statement, item.base_cost, after, reason,
                            item.parsed.repairs, item.parsed.plan_sql, judged, item.weight,
                            planned_query_wide=item.parsed.wide_sql,
                            plan_risk=risk)
        )  # fmt: skip
    return results


_NOTHING_HELPS = (
    "the selected indexes improve it only",
    "no candidate index makes",
    "its best candidates improve it only",
)


def _where_the_cost_is(item: WorkloadItem) -> str:
    """Where the plan spends its cost, for a statement no index helps: reading whole tables, or
    work an index does not cut (joins, sorts, aggregates, subqueries run once per row)."""
    scans = sorted(item.seq_scans, key=lambda s: s[1], reverse=True)
    share = sum(c for _, c in scans) / item.base_cost if item.base_cost > 0 else 0.0
    if scans and share >= 0.5:
        names = ", ".join(name for name, _ in scans[:3])
        return (
            f"{share:.0%} of its plan cost is reading {names} in full, for filters no index "
            "serves better than a sequential scan"
        )
    return (
        f"{share:.0%} of its plan cost is in sequential scans: the rest is joins, sorts, "
        "aggregates or subqueries run once per row, which an index does not cut; rewriting "
        "the statement would"
    )
