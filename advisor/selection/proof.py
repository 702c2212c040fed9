"""Proof against the final set: every recommended index is read by a final plan.

A selector scores indexes as it adds them; a later index can take over the statements an
earlier one served (a join served from the other side, a wider index that leads with the same
column). So once the set is final, every statement is planned again with all of it in place
(HypoPG), and an index that none of the final plans reads leaves the set, with the reason.
Removing one can change the plans of the statements on its table, so this repeats until every
index left is read.
"""

from __future__ import annotations

from dataclasses import replace

from advisor.model import IndexSpec
from advisor.selection.base import Selection, WorkloadItem
from advisor.selection.config import Config
from advisor.whatif.costs import WhatIf

UNREAD = (
    "left out: with all the other recommended indexes in place (HypoPG), the final plan of no "
    "statement reads it"
)


def prove(selection: Selection, items: list[WorkloadItem], whatif: WhatIf) -> Selection:
    """``selection`` without the indexes no final plan reads; their reasons in ``left_out``."""
    chosen = list(selection.chosen)
    left_out = dict(selection.left_out)
    costs = dict(selection.costs)
    # what the selector claims is not taken on trust: each statement's final plan says
    used_by: dict[IndexSpec, list[str]] = {spec: [] for spec in chosen}
    config = Config(chosen)
    for item in items:  # each sees the indexes of its own tables: no filter over the whole set
        for spec in whatif.used_specs(item.parsed, config.on(whatif.tables_of(item.parsed))):
            used_by[spec].append(item.key)
    while True:
        unread = [s for s in chosen if not used_by.get(s)]
        if not unread:
            break
        for spec in unread:
            left_out[spec] = UNREAD
            used_by.pop(spec, None)
        chosen = [s for s in chosen if s not in unread]
        config = Config(chosen)
        tables = {s.table for s in unread}
        for item in items:  # only statements on those tables can plan differently now
            related = whatif.tables_of(item.parsed)
            if not tables.intersection(related):
                continue
            mine = config.on(related)
            costs[item.key] = whatif.cost(item.parsed, mine).total_cost
            used = whatif.used_specs(item.parsed, mine)
            for spec in mine:
                keys = used_by.setdefault(spec, [])
                if spec in used and item.key not in keys:
                    keys.append(item.key)
                elif spec not in used and item.key in keys:
                    keys.remove(item.key)
    kept = set(chosen)  # not the list: a lookup per index in it would be indexes squared
    return replace(
        selection,
        chosen=tuple(chosen),
        costs=costs,
        used_by={spec: tuple(keys) for spec, keys in used_by.items() if spec in kept},
        left_out=left_out,
    )


def served_in_order(selection: Selection) -> dict[str, list[IndexSpec]]:
    """Per statement key: the chosen indexes whose final plans serve it, in the order chosen."""
    serving: dict[str, list[IndexSpec]] = {}
    for spec in selection.chosen:
        for key in dict.fromkeys(selection.used_by.get(spec, ())):
            serving.setdefault(key, []).append(spec)
    return serving
