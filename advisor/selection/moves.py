"""Moves of the greedy search, and the queue that hands them out best bound first.

A move adds indexes (one, or a bundle) and may remove some (a widened index replaces the one it
widens). Each move gets a sequence number when first seen; among equal scores the lower number
wins, so the outcome never depends on the order in which moves happen to be scored.

The queue is a heap of ``(-bound, seq)``: the move with the highest bound (its last score, or
``inf`` before its first) comes first. Entries whose bound changed, or whose move is not on offer
any more, are dropped when they surface (lazy deletion), so a round costs a few heap operations
instead of a sort of every move.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from dataclasses import dataclass

from advisor.model import IndexSpec, TableRef


@dataclass(frozen=True)
class Move:
    add: frozenset[IndexSpec]
    remove: frozenset[IndexSpec] = frozenset()

    @property
    def tables(self) -> set[TableRef]:
        return {s.table for s in self.add | self.remove}


class MoveQueue:
    """Moves by bound, highest first, ties by sequence number; each move queued at most once."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Move]] = []
        self._queued: dict[Move, float] = {}  # move -> the bound of its live entry
        self.seq: dict[Move, int] = {}
        self.bounds: dict[Move, float] = {}  # the last score of each move (-inf: did not qualify)

    def number(self, move: Move) -> int:
        """The move's sequence number, given on first sight."""
        return self.seq.setdefault(move, len(self.seq))

    def bound(self, move: Move) -> float:
        return self.bounds.get(move, math.inf)

    def offer(self, move: Move) -> None:
        """Queue the move with its current bound (no-op when it is queued with that bound)."""
        bound = self.bound(move)
        if self._queued.get(move) == bound:
            return
        self._queued[move] = bound
        heapq.heappush(self._heap, (-bound, self.number(move), move))

    def peek(self, on_offer: Callable[[Move], bool]) -> Move | None:
        """The queued move with the highest bound that is still on offer, left in the queue."""
        while self._heap:
            negative, _seq, move = self._heap[0]
            if self._queued.get(move) == -negative and on_offer(move):
                return move
            heapq.heappop(self._heap)
            if self._queued.get(move) == -negative:
                del self._queued[move]  # not on offer now: offered again when it is
        return None

    def take(self, move: Move) -> None:
        """Remove the move ``peek`` returned; ``offer`` it again once it has a new bound."""
        heapq.heappop(self._heap)
        del self._queued[move]

    def __len__(self) -> int:
        return len(self._queued)
