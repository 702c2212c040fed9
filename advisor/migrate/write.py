"""Numbered up/down migration files: ``NNN_name.up.sql`` / ``NNN_name.down.sql``.

``CREATE INDEX CONCURRENTLY`` cannot run inside a transaction block, so each file holds one
statement and says so; ``IF NOT EXISTS`` / ``IF EXISTS`` make them safe to re-run. Numbers continue
after the highest one already in the directory.
"""

from __future__ import annotations

import re
from pathlib import Path

from advisor.fileio import write_atomic
from advisor.model import Recommendation

_NUMBERED = re.compile(r"^(\d+)_")


def _next_number(directory: Path) -> int:
    numbers = [int(m.group(1)) for p in directory.glob("*.sql") if (m := _NUMBERED.match(p.name))]
    return max(numbers, default=0) + 1


def _header(rec: Recommendation) -> str:
    lines = [
        f"-- {rec.spec.describe()}",
        f"-- estimated size: {rec.estimated_size_bytes} bytes (HypoPG)",
        f"-- estimated time saved: {rec.time_saved_ms_per_week:.0f} ms/week at the observed rate",
        "-- statements it helps (planner cost before -> after, generic plan):",
    ]
    for effect in rec.effects:
        query = " ".join(effect.statement.query.split())
        lines.append(
            f"--   queryid {effect.statement.queryid}: {effect.cost_before:.2f} -> "
            f"{effect.cost_after:.2f}, {effect.statement.calls} calls: {query[:200]}"
        )
    lines.append(
        "-- One statement, outside any transaction block (CONCURRENTLY cannot run in one)."
    )
    lines.append(
        "-- Consider SET lock_timeout in the session that runs it: the build waits for locks."
    )
    return "\n".join(lines)


def write_migrations(directory: Path, recommendations: tuple[Recommendation, ...]) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    number = _next_number(directory)
    written = []
    for rec in recommendations:
        stem = f"{number:03d}_create_{rec.name}"
        header = _header(rec)
        up = directory / f"{stem}.up.sql"
        down = directory / f"{stem}.down.sql"
        write_atomic(up, f"{header}\n{rec.create_sql};\n")
        write_atomic(down, f"-- Reverts {stem}.up.sql\n{rec.drop_sql};\n")
        written += [up, down]
        number += 1
    return written
