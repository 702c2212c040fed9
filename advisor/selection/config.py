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

    def changed(self, remove: Iterable[IndexSpec] = (), add: Iterable[IndexSpec] = ()) -> Config:
        """A new configuration: this one less ``remove``, plus ``add`` at the end (or in the
        place of the index it replaces, with ``replace``). Only the lists of the tables that
        change are rebuilt: a round's change costs the same with ten or ten thousand indexes."""
        gone = frozenset(remove)
        added = [s for s in dict.fromkeys(add) if s not in self.members or s in gone]
        out = Config.__new__(Config)
        out.specs = [s for s in self.specs if s not in gone] if gone else list(self.specs)
        out.specs += added
        out.members = (self.members - gone) | frozenset(added)
        out.by_table = dict(self.by_table)
        for table in {s.table for s in (*gone, *added)}:
            out.by_table[table] = [s for s in out.by_table.get(table, ()) if s not in gone]
            out.by_table[table] += [s for s in added if s.table == table]
        return out

    def replace(self, old: IndexSpec, new: IndexSpec) -> Config:
        """A new configuration with ``new`` in the place of ``old``."""
        out = self.changed([old], [new])
        if old in self.members and new not in self.members:
            out.specs = [new if s == old else s for s in self.specs]
            table = list(self.by_table.get(old.table, ()))
            out.by_table[old.table] = [new if s == old else s for s in table]
            if new.table != old.table:
                out.by_table[new.table] = [*self.by_table.get(new.table, ()), new]
        return out

    def on(self, tables: Iterable[TableRef]) -> list[IndexSpec]:
        """The indexes of the configuration on these tables."""
        return [s for t in dict.fromkeys(tables) for s in self.by_table.get(t, ())]

    def __contains__(self, spec: object) -> bool:
        return spec in self.members

    def __len__(self) -> int:
        return len(self.specs)

    def __iter__(self) -> Iterator[IndexSpec]:
        return iter(self.specs)
