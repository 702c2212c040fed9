"""The wheel carries what the tool loads at run time: the SQL in queries/ and the demo data."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from advisor.db import queries


def test_wheel_ships_queries_and_demo(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[1]
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "-q", "-w", str(tmp_path), str(root)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    wheel = next(tmp_path.glob("pg_advisor-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in queries.names():
        assert f"advisor/queries/{name}.sql" in names
    assert "advisor/demo/schema.sql" in names
    assert any(n.endswith("entry_points.txt") for n in names)
