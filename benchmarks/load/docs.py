"""Write one ``## `` section of docs/benchmarks.md, leaving every other section as it is.

Several benchmarks share the file. A section runs from its heading to the next ``## `` heading;
it is replaced where it is, or appended at the end. The file is read right before it is written
(atomically), so another benchmark's section written meanwhile is kept.
"""

from __future__ import annotations

from pathlib import Path

from advisor.fileio import write_atomic


def replace_section(path: Path, heading: str, body: str) -> None:
    """Put ``heading`` (a ``## `` line) and ``body`` into ``path`` in place of that section."""
    assert heading.startswith("## ") and "\n" not in heading
    block = f"{heading}\n\n{body.strip()}\n"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.rstrip() == heading), None)
    if start is None:
        text = text.rstrip("\n") + "\n\n" + block
    else:
        end = next(
            (i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines)
        )
        after = "".join(lines[end:])
        text = "".join(lines[:start]) + block + ("\n" + after if after else "")
    write_atomic(path, text)
