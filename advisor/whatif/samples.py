"""Price a statement with the constants it ran with, when the workload shows them.

pg_stat_statements keeps a statement with its constants replaced by ``$n``, and a generic plan of
that form takes every parameter for an average value: a range between two parameters covers
0.5 % of the rows (PostgreSQL's ``DEFAULT_RANGE_INEQ_SEL``), whatever the ranges really span. A
statement sent with its constants is planned with them every time it runs (a custom plan). Where
the workload holds such texts, from server logs (``log_min_duration_statement``,
``log_min_error_statement``, auto_explain) or live sessions (``Statement.samples``), the
statement is priced as it runs: each sample is parsed and planned, and the one whose baseline
cost is the median of theirs stands for the statement from then on: its candidates, its cost
under every configuration, and the ``planned_query`` of the report. A sample that does not parse
or plan is passed over; with none left, the generic plan of the normal form stands.

On TPC-H the difference decides the advice. Q14 reads one month of lineitem (1.2 % of the rows),
which the generic plan takes for 0.5 %: a plain index on ``l_shipdate`` then looks as good as a
covering one, while with the month's constants the covering one takes the query to 0.08 of its
cost and the plain one to 0.74. Q6 reads a year (15 %) through two ranges the generic plan takes
for 0.5 % each, where the plain index cuts its cost by 99 % and runs it 1.1x slower; with the
constants, only a covering index gains (paired, Q6 then runs at 0.25-0.30 of its time).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from advisor.collect.catalog import Catalog
from advisor.model import ParsedStatement, PlanCost, Skipped
from advisor.parse.statement import analyse
from advisor.whatif.costs import WhatIf
from advisor.whatif.explain import PlanError

Planned = tuple[ParsedStatement, PlanCost, dict[str, Any]]


def parsed_samples(parsed: ParsedStatement, catalog: Catalog) -> list[ParsedStatement]:
    """The statement's samples as the parser reads them, each standing for the statement; none
    when the statement has no parameters (its text is its only sample)."""
    statement = parsed.statement
    if parsed.param_count == 0:
        return []
    found = []
    for text in dict.fromkeys(statement.samples):
        result = analyse(replace(statement, query=text), catalog)
        if isinstance(result, Skipped) or result.param_count:
            continue
        found.append(replace(result, statement=statement))
    return found


def plan_sampled(
    parsed: ParsedStatement,
    catalog: Catalog,
    whatif: WhatIf,
    plan_generic: Callable[[ParsedStatement], Planned],
) -> Planned:
    """The baseline plan of the statement's median sample, or ``plan_generic``'s of its normal
    form when no sample plans."""
    planned: list[Planned] = []
    for sample in parsed_samples(parsed, catalog):
        try:
            planned.append(whatif.baseline(sample))
        except PlanError:
            continue
    if not planned:
        return plan_generic(parsed)
    return median(planned)


def median(planned: Sequence[Planned]) -> Planned:
    """The sample whose baseline cost is the median (the lower one of an even count)."""
    ordered = sorted(planned, key=lambda p: p[1].total_cost)
    return ordered[(len(ordered) - 1) // 2]
