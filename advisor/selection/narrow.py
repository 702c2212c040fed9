"""The last bytes of an index must earn their keep: a chosen B-tree gives way to a narrower form
(fewer key columns, no INCLUDE list) when the bytes it adds over that form save less than a quarter
of what the narrower form saves per byte.

The planner rates index-only scans and longer keys highly, so without a budget the search keeps
the widest variant that improves some statement: on TPC-H, ``lineitem (l_partkey, l_quantity)
INCLUDE (l_shipdate, l_suppkey)`` at 231 MB, where ``(l_partkey)`` at 43 MB fixes the same two
statements and the rest buys a few per cent of one of them. Marginal bytes are compared with
average ones of the narrower form, so the rule is the same at any scale; an index whose extra
columns double its benefit keeps them. Key columns a statement orders by under a LIMIT are never
dropped: estimates for a typical value hide skewed ones, and the wide key keeps top-N fast for
every value.

A narrower form that an existing index already serves (``served``: its keys lead the existing
one's) is that existing index: narrowing to it drops the index. On TPC-H, ``lineitem
(l_orderkey) INCLUDE (...)`` narrowed to ``(l_orderkey)``, which the primary key ``(l_orderkey,
l_linenumber)`` serves: the advice held 74 MB (real) that the planner preferred over the key by
its smaller size, that changed no query's real time, and that the review of existing indexes
calls redundant once built. Leaving the served form out of the narrowing instead kept three wide
``(l_orderkey, ...)`` variants and tripled the unbounded advice (336 MiB to 983 MiB).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from advisor.model import IndexSpec, Role, TableRef
from advisor.selection.base import WorkloadItem
from advisor.selection.config import Config
from advisor.whatif.costs import WhatIf

MARGINAL_SHARE = 0.25  # extra bytes must save at least this share of the narrower form's per byte


def narrower_forms(spec: IndexSpec) -> list[IndexSpec]:
    """The B-tree without its INCLUDE list, then its shorter key prefixes, widest first."""
    if spec.method != "btree":
        return []
    forms = [replace(spec, include=())] if spec.include else []
    for n in range(len(spec.keys) - 1, 0, -1):
        forms.append(replace(spec, keys=spec.keys[:n], include=()))
    return [f for f in dict.fromkeys(forms) if f != spec]


def narrow(
    whatif: WhatIf,
    items: list[WorkloadItem],
    chosen: list[IndexSpec],
    size_of: Callable[[IndexSpec], int],
    served: Callable[[IndexSpec], bool] = lambda _spec: False,
) -> list[IndexSpec]:
    """``chosen`` with each index replaced by a narrower form where its extra bytes do not pay;
    where an existing index serves that form (``served``), the index goes: the existing one is
    the narrower form."""
    result = Config(chosen)
    scope = _Scope(whatif, items, served)
    for spec in sorted(chosen, key=size_of, reverse=True):
        current = spec
        while current in result:
            replacement = _narrower(scope, result, current, size_of)
            if replacement is None:
                break
            if scope.served(replacement):  # an existing index is that narrower form
                result = result.changed(remove=[current])
                break
            result = result.replace(current, replacement)
            current = replacement
    return list(result.specs)


def _narrower(
    scope: _Scope, config: Config, spec: IndexSpec, size_of: Callable[[IndexSpec], int]
) -> IndexSpec | None:
    """The first narrower form (widest first) over which ``spec``'s extra bytes do not pay.
    A form may be chosen already: then ``spec`` only goes."""
    users = scope.users(spec, config)
    forms = [
        f
        for f in narrower_forms(spec)
        if f not in scope.whatif.refused and not _sorts(users, spec, f)
    ]
    if not forms or not users:
        return None
    local = scope.local(users, config)  # all that the users' plans can see of ``config``
    for form in forms:
        extra = size_of(spec) - size_of(form)
        if extra <= 0:
            continue
        bare = [s for s in local if s not in (spec, form)]
        kept = scope.gain(users, bare, [*bare, form])
        if kept <= 0:
            continue
        full = scope.gain(users, bare, [*bare, spec] + ([form] if form in config else []))
        if (full - kept) / extra < MARGINAL_SHARE * kept / max(size_of(form), 1):
            return form
    return None


def _sorts(users: list[WorkloadItem], spec: IndexSpec, form: IndexSpec) -> bool:
    """Whether a key the form drops is one a user statement orders by under a LIMIT: the wide
    key keeps top-N fast for every value, where the estimate for a typical one does not tell."""
    dropped = set(spec.keys[len(form.keys) :])
    return any(
        item.parsed.has_limit
        and any(u.table == spec.table and u.key in dropped and u.role is Role.ORDER_BY
                for u in item.parsed.uses)
        for item in users
    )  # fmt: skip


EFFICIENCY_SHARE = 0.1  # an index must save at least this share of the median saved per byte
MIN_PEERS = 8  # fewer advised indexes of some size than this: no median worth comparing with
PEER_SHARE = 0.01  # an index of less than this share of the advice's size is no peer


def drop_inefficient(
    whatif: WhatIf,
    items: list[WorkloadItem],
    chosen: list[IndexSpec],
    size_of: Callable[[IndexSpec], int],
) -> list[IndexSpec]:
    """``chosen`` without the indexes that save, per byte, less than a tenth of what the median
    advised index of some size saves per byte: next to the rest of the advice they are a poor
    use of space (on TPC-H, a 176 MB ``lineitem (l_discount, l_shipdate)`` for a fifth of one
    statement). Below eight such peers there is no median to go by."""
    if len(chosen) < MIN_PEERS:
        return chosen
    config = Config(chosen)
    scope = _Scope(whatif, items)
    per_byte: dict[IndexSpec, float] = {}
    for spec in chosen:
        users = scope.users(spec, config)
        local = scope.local(users, config)
        without = [s for s in local if s != spec]
        per_byte[spec] = scope.gain(users, without, local) / max(size_of(spec), 1)
    # tiny indexes (a partial index on a few rows, a BRIN) save a lot per byte: they would set
    # a bar no full-size B-tree reaches, so the peers are the indexes of some size
    total = sum(size_of(s) for s in chosen)
    peers = sorted(v for s, v in per_byte.items() if size_of(s) >= PEER_SHARE * total)
    if len(peers) < MIN_PEERS:
        return chosen
    middle = peers[len(peers) // 2]
    return [s for s in chosen if per_byte[s] >= EFFICIENCY_SHARE * middle]


class _Scope:
    """The statements by table, so that an index is weighed on the statements of its table and
    on the chosen indexes those statements can see (per-table decomposition): the work per index
    does not grow with the workload or the advice (the scale run chose 3,000 indexes for 5,000
    statements; asking every statement about every index was most of its finishing time)."""

    def __init__(
        self,
        whatif: WhatIf,
        items: list[WorkloadItem],
        served: Callable[[IndexSpec], bool] = lambda _spec: False,
    ) -> None:
        self.served = served
        self.whatif = whatif
        self._on: dict[TableRef, list[WorkloadItem]] = {}
        for item in items:
            for table in whatif.tables_of(item.parsed):
                self._on.setdefault(table, []).append(item)

    def users(self, spec: IndexSpec, config: Config) -> list[WorkloadItem]:
        """The statements whose plans under ``config`` read ``spec``: only a statement on its
        table (or a partition's relative) can."""
        return [
            item
            for item in self._on.get(spec.table, ())
            if spec in self.whatif.used_specs(item.parsed, self._seen(item, config))
        ]

    def _seen(self, item: WorkloadItem, config: Config) -> list[IndexSpec]:
        return config.on(self.whatif.tables_of(item.parsed))

    def local(self, users: list[WorkloadItem], config: Config) -> list[IndexSpec]:
        """The indexes of ``config`` on the tables the users' plans depend on."""
        tables = {t for item in users for t in self.whatif.tables_of(item.parsed)}
        return config.on(sorted(tables))

    def gain(
        self, users: list[WorkloadItem], base: list[IndexSpec], trial: list[IndexSpec]
    ) -> float:
        """What going from ``base`` to ``trial`` saves the users, weighted as the search weighs
        it."""
        total = 0.0
        for item in users:
            if item.base_cost > 0:
                before = self.whatif.cost(item.parsed, base).total_cost
                after = self.whatif.cost(item.parsed, trial).total_cost
                total += item.weight * (before - after) / item.base_cost
        return total
