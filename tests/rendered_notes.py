"""Whether ``analyze``'s text and Markdown list a statement's note under its section."""

from __future__ import annotations

from advisor.model import Report
from advisor.render import text as analyze_text


def assert_listed(report: Report, heading: str, note: str) -> None:
    """``note`` under ``heading`` in the text (wrapped at 100 columns) and in Markdown."""
    text = analyze_text.render(report, width=100)
    markdown = analyze_text.render(report, markdown=True)
    assert heading in text and f"## {heading}" in markdown
    assert " ".join(note.split()) in " ".join(text.split())
    assert note in markdown
