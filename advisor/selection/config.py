"""A configuration: a set of indexes in pick order, with the indexes of each table at hand.

A statement's plan depends only on the indexes of the tables it reads, so what a statement sees
of a configuration is ``config.on(its tables)``: a few indexes, however many were chosen
elsewhere. Passing that slice to the what-if layer keeps each pricing independent of the size of
the whole configuration (per-table decomposition).

A change makes a new configuration and leaves the old one as it was (the search keeps both). It
copies the tables' lists and the positions as whole dictionaries, work the interpreter does in
C, and puts the specs in pick order only when they are asked for: the finishing steps change
one index at a time, thousands of times, in a set of thousands.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from advisor.model import IndexSpec, TableRef


class Config:
    def __init__(self, specs: Iterable[IndexSpec] = ()) -> None:
        self._position: dict[IndexSpec, int] = {}
        for spec in specs:
            self._position.setdefault(spec, len(self._position))
        self._next = len(self._position)
        self._specs: list[IndexSpec] | None = list(self._position)
        self.members: frozenset[IndexSpec] = frozenset(self._position)
        self.by_table: dict[TableRef, list[IndexSpec]] = {}
        for spec in self._position:
            self.by_table.setdefault(spec.table, []).append(spec)

    @property
    def specs(self) -> list[IndexSpec]:
        """The indexes in pick order (a replacement takes the place of the index it replaces)."""
        if self._specs is None:
            self._specs = sorted(self._position, key=self._position.__getitem__)
        return self._specs

    def position(self, spec: IndexSpec) -> int:
        """A number that orders ``spec`` among the others in pick order."""
        return self._position[spec]

    def changed(self, remove: Iterable[IndexSpec] = (), add: Iterable[IndexSpec] = ()) -> Config:
        """A new configuration: this one less ``remove``, plus ``add`` at the end (or in the
        place of the index it replaces, with ``replace``). Only the lists of the tables that
        change are rebuilt."""
        gone = frozenset(remove)
        added = [s for s in dict.fromkeys(add) if s not in self.members or s in gone]
        out = Config.__new__(Config)
        out._position = dict(self._position)
        for spec in gone & self.members:
            del out._position[spec]
        out._next = self._next
        for spec in added:
            out._position[spec] = out._next
            out._next += 1
        out._specs = None if gone or added else self._specs
        out.members = (self.members - gone) | frozenset(added)
        out.by_table = dict(self.by_table)
        for table in {s.table for s in (*gone, *added)}:
            out.by_table[table] = [s for s in out.by_table.get(table, ()) if s not in gone]
            out.by_table[table] += [s for s in added if s.table == table]
        return out

    def replace(self, old: IndexSpec, new: IndexSpec) -> Config:
        """A new configuration with ``new`` in the place of ``old``; when ``new`` is chosen
        already, it keeps the earlier of the two places (as in the list with ``old`` replaced
        and the second of the duplicates left out)."""
        if old == new:
            return self
        out = self.changed([old], [new])
        if old in self.members and new not in self.members:
            out._position[new] = self._position[old]
            if new.table == old.table:  # else ``changed`` put each in its own table's list
                table = self.by_table.get(old.table, ())
                out.by_table[old.table] = [new if s == old else s for s in table]
        elif old in self.members and self._position[old] < self._position[new]:
            out._position[new] = self._position[old]
        return out

    def on(self, tables: Iterable[TableRef]) -> list[IndexSpec]:
        """The indexes of the configuration on these tables."""
        return [s for t in dict.fromkeys(tables) for s in self.by_table.get(t, ())]

    def __contains__(self, spec: object) -> bool:
        return spec in self.members

    def __len__(self) -> int:
        return len(self.members)

    def __iter__(self) -> Iterator[IndexSpec]:
        return iter(self.specs)
