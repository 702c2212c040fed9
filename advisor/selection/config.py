"""A configuration: a set of indexes in pick order, with the indexes of each table at hand.

A statement's plan depends only on the indexes of the tables it reads, so what a statement sees
of a configuration is ``config.on(its tables)``: a few indexes, however many were chosen
elsewhere. Passing that slice to the what-if layer keeps each pricing independent of the size of
the whole configuration (per-table decomposition).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from advisor.model import IndexSpec, TableRef


class Config:
    def __init__(self, specs: Iterable[IndexSpec] = ()) -> None:
        self.specs: list[IndexSpec] = list(dict.fromkeys(specs))
        self.members: frozenset[IndexSpec] = frozenset(self.specs)
        self.by_table: dict[TableRef, list[IndexSpec]] = {}
        for spec in self.specs:
            self.by_table.setdefault(spec.table, []).append(spec)

    def on(self, tables: Iterable[TableRef]) -> list[IndexSpec]:
        """The indexes of the configuration on these tables."""
        return [s for t in dict.fromkeys(tables) for s in self.by_table.get(t, ())]

    def __contains__(self, spec: object) -> bool:
        return spec in self.members

    def __len__(self) -> int:
        return len(self.specs)

    def __iter__(self) -> Iterator[IndexSpec]:
        return iter(self.specs)
