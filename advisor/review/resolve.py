"""Decide, over every check's proposals together, which drops are proposed and which are safe.

Proposals are taken in the order of the checks. A drop is proposed only if, with every drop
proposed before it, (1) nothing protects the index, (2) one of the indexes its own reasoning
needs still stays, (3) every earlier drop still keeps one of the indexes it needs, and (4) every
foreign key keeps an index it can use. Otherwise the finding is still reported, without
``drop_sql``, saying what it must stay for. One finding per index: a later kind for the same
index is named in the first one's detail, and the index may go when any of its reasons holds
(a duplicate that is also unused needs no twin).

``safe`` is about the workload's plans: an index that no generic plan of the workload reads can
go without changing any of those plans; one that a plan reads is ``safe = False``, with the
statements. Plans name indexes without their schema, so an index whose name a plan uses in any
schema is treated as used; an index on a partitioned table is used when a plan reads one of the
leaf indexes attached below it. One more way an index shapes plans without being read: ANALYZE
keeps statistics on the expressions of an expression index, and estimates use them; such a drop
is ``safe`` only while another index with the same keys (its twin, or a wider index it leads)
stays.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from advisor.model import Finding
from advisor.report.fmt import plural
from advisor.review import restore
from advisor.review.base import Context, DropEffect, Proposal
from advisor.review.facts import ForeignKey, IndexFacts, protection

PARTITIONED_DROP = (
    "on a partitioned table: PostgreSQL cannot drop it CONCURRENTLY, the DROP (which takes "
    "the partitions' indexes with it) locks the table and its partitions for a moment"
)
EXPRESSION_STATISTICS = (
    "not proven safe: ANALYZE keeps statistics on an expression index's expressions and the "
    "planner's row estimates use them, so plans may change without it; keep them with "
    "CREATE STATISTICS on the expression (PostgreSQL 14+) before dropping it"
)


def _effects_text(effects: Iterable[DropEffect]) -> str:
    items = sorted(effects, key=lambda e: e.cost_before - e.cost_after)
    if not items:
        return ""
    parts = [f"{e.cost_before:.0f} -> {e.cost_after:.0f}" for e in items[:3]]
    more = f" and {len(items) - 3} more" if len(items) > 3 else ""
    return f"; without it (hypopg_hide_index) planned costs go {', '.join(parts)}{more}"


class _Resolver:
    def __init__(
        self,
        ctx: Context,
        plan_usage: Mapping[str, tuple[str, ...]] | None,
        hide_costs: Mapping[int, tuple[DropEffect, ...]] | None,
    ) -> None:
        self.ctx = ctx
        self.plan_usage = plan_usage
        self.hide_costs = hide_costs or {}
        self.dropped: set[int] = set()
        self.accepted: dict[int, list[Proposal]] = {}  # per table oid
        self.fk_indexes: dict[int, list[tuple[ForeignKey, list[IndexFacts]]]] = {}
        for fk in ctx.foreign_keys:
            serving = [i for i in ctx.on_table(fk.table_oid) if fk.served_by(i)]
            self.fk_indexes.setdefault(fk.table_oid, []).append((fk, serving))

    def _gone(self, index: IndexFacts, extra: int) -> bool:
        return index.oid in self.dropped or index.oid == extra

    def withhold_reason(self, proposal: Proposal) -> str | None:
        index = proposal.drop
        assert index is not None
        reason = protection(index)
        if reason is not None:
            return reason
        needs = proposal.keep_one_of
        if needs and all(self._gone(k, index.oid) for k in needs):
            return f"{', '.join(k.name for k in needs)} would be dropped too"
        for earlier in self.accepted.get(index.table_oid, ()):
            if earlier.keep_one_of and all(self._gone(k, index.oid) for k in earlier.keep_one_of):
                assert earlier.drop is not None
                return f"dropping {earlier.drop.name} relies on it"
        for fk, serving in self.fk_indexes.get(index.table_oid, ()):
            if any(s.oid == index.oid for s in serving) and all(
                self._gone(s, index.oid) for s in serving
            ):
                return f"it is the only index left for foreign key {fk.name}"
        return None

    def finding(self, proposal: Proposal, same_keys: tuple[IndexFacts, ...]) -> Finding:
        """The resolved finding; ``same_keys`` are the indexes that hold its keys too."""
        index = proposal.drop
        assert index is not None
        statements = tuple(
            dict.fromkeys(
                s
                for name in (index.name, *self.ctx.leaf_names(index))
                for s in (self.plan_usage or {}).get(name, ())
            )
        )
        reason = self.withhold_reason(proposal)
        restore_sql = None
        if reason is None:
            try:
                restore_sql = restore.restore_sql(index, self.ctx.attached_below(index))
            except restore.RestoreError as exc:
                reason = f"no way back: {exc}"
        if reason is not None or restore_sql is None:
            return replace(
                proposal.finding,
                detail=f"{proposal.finding.detail}; keep it: {reason}",
                safe=False,
                statements=statements,
            )
        self.dropped.add(index.oid)
        self.accepted.setdefault(index.table_oid, []).append(proposal)
        detail = proposal.finding.detail
        safe: bool | None = not statements if self.plan_usage is not None else None
        if statements:
            detail += f"; {plural(len(statements), 'workload statement')} read it in their plans"
        has_expressions = index.is_valid and 0 in index.attnums[: index.n_keys]
        if has_expressions and not any(k.oid not in self.dropped for k in same_keys):
            safe = False
            detail += f"; {EXPRESSION_STATISTICS}"
        detail += _effects_text(self.hide_costs.get(index.oid, ()))
        if index.kind == "I":
            detail += f"; {PARTITIONED_DROP}"
        return replace(
            proposal.finding,
            detail=detail,
            drop_sql=restore.drop_sql(index),
            restore_sql=restore_sql,
            safe=safe,
            statements=statements,
            partitioned=index.kind == "I",
        )


def _merge(proposals: list[Proposal]) -> Proposal:
    """One proposal per index: the first finding, the other kinds named in its detail.

    The index may go if any of the reasons holds: it needs nothing to stay when one reason needs
    nothing (it is invalid, or unused), else one of the indexes any reason needs.
    """
    first = proposals[0]
    kinds: list[str] = []
    for p in proposals[1:]:
        if p.finding.kind != first.finding.kind and p.finding.kind not in kinds:
            kinds.append(p.finding.kind)
    finding = first.finding
    if kinds:
        finding = replace(finding, detail=f"{finding.detail} (also {', '.join(kinds)})")
    keep: dict[int, IndexFacts] = {}
    if all(p.keep_one_of for p in proposals):
        keep = {k.oid: k for p in proposals for k in p.keep_one_of}
    return Proposal(finding, drop=first.drop, keep_one_of=tuple(keep.values()))


def resolve(
    proposals: Iterable[Proposal],
    ctx: Context,
    *,
    plan_usage: Mapping[str, tuple[str, ...]] | None,
    hide_costs: Mapping[int, tuple[DropEffect, ...]] | None = None,
) -> tuple[Finding, ...]:
    """``plan_usage`` None: no workload was planned, so ``safe`` stays unknown (None)."""
    per_index: dict[int, list[Proposal]] = {}
    order: list[int | Finding] = []  # an index oid, or a finding about no index
    for proposal in proposals:
        if proposal.drop is None:
            order.append(proposal.finding)
        elif proposal.drop.oid in per_index:
            per_index[proposal.drop.oid].append(proposal)
        else:
            per_index[proposal.drop.oid] = [proposal]
            order.append(proposal.drop.oid)
    resolver = _Resolver(ctx, plan_usage, hide_costs)
    out: list[Finding] = []
    for item in order:
        if isinstance(item, Finding):
            out.append(item)
            continue
        group = per_index[item]
        same_keys = {k.oid: k for p in group for k in p.keep_one_of}
        out.append(resolver.finding(_merge(group), tuple(same_keys.values())))
    return tuple(out)
