"""Inline SVG charts for the HTML report, drawn by hand: no script, no external file.

Each function returns one ``<svg>`` element sized by its ``viewBox``, so it scales to the page
and prints sharp. Every text is escaped. Colours have enough contrast in grey print too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

from advisor.report import fmt
from advisor.report.model import TableSize, TrendPoint

BLUE = "#2563eb"
GREEN = "#16a34a"
AMBER = "#d97706"
RED = "#dc2626"
GREY = "#6b7280"
FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"'


def _open(width: int, height: int, title: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}" {FONT} font-size="11">',
        f"<title>{escape(title)}</title>",
    ]


def _label(text: str, width: int) -> str:
    return escape(fmt.short(text, width))


def bars(
    items: Sequence[tuple[str, float]],
    title: str,
    value_text: Callable[[float], str],
    color: str = BLUE,
    width: int = 760,
) -> str:
    """Horizontal bars, largest first as given: a label, a bar, the value at its end."""
    label_w, value_w, row_h, top = 330, 80, 24, 8
    height = top * 2 + row_h * max(len(items), 1)
    peak = max((v for _, v in items), default=0.0) or 1.0
    span = width - label_w - value_w
    out = _open(width, height, title)
    for i, (label, value) in enumerate(items):
        y = top + i * row_h
        w = max(value / peak * span, 1.0)
        out.append(f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end">'
                   f"{_label(label, 44)}</text>")  # fmt: skip
        out.append(f'<rect class="bar" x="{label_w}" y="{y + 4}" width="{w:.1f}" height="16" '
                   f'fill="{color}" rx="2"/>')  # fmt: skip
        out.append(f'<text x="{label_w + w + 6:.1f}" y="{y + 16}" fill="{GREY}">'
                   f"{escape(value_text(value))}</text>")  # fmt: skip
    out.append("</svg>")
    return "\n".join(out)


def trend(points: Sequence[TrendPoint], width: int = 760, height: int = 260) -> str:
    """Execution time per period as columns (left axis), database size as a line (right)."""
    left, right, top, bottom = 70, 80, 16, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    out = _open(width, height, "Workload trend: execution time per period and database size")
    peak = max((p.total_exec_ms for p in points), default=0.0) or 1.0
    biggest = max((p.database_size for p in points), default=0) or 1
    n = max(len(points), 1)
    slot = plot_w / n
    out.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
               f'stroke="{GREY}"/>')  # fmt: skip
    for frac in (0.0, 0.5, 1.0):
        y = top + plot_h * (1 - frac)
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{BLUE}">'
                   f"{escape(fmt.ms(peak * frac))}</text>")  # fmt: skip
        out.append(f'<text x="{left + plot_w + 6}" y="{y + 4:.1f}" fill="{RED}">'
                   f"{escape(fmt.size(biggest * frac))}</text>")  # fmt: skip
    line = []
    for i, p in enumerate(points):
        x = left + i * slot
        h = p.total_exec_ms / peak * plot_h
        tip = f"{fmt.day(p.start)} – {fmt.day(p.end)}: {fmt.ms(p.total_exec_ms)}, {p.calls:,} calls"
        out.append(f'<rect class="bar" x="{x + slot * 0.15:.1f}" y="{top + plot_h - h:.1f}" '
                   f'width="{slot * 0.7:.1f}" height="{max(h, 1):.1f}" fill="{BLUE}" rx="2">'
                   f"<title>{escape(tip)}</title></rect>")  # fmt: skip
        out.append(f'<text x="{x + slot / 2:.1f}" y="{top + plot_h + 16}" text-anchor="middle">'
                   f"{escape(fmt.day(p.end))}</text>")  # fmt: skip
        line.append(f"{x + slot / 2:.1f},{top + plot_h * (1 - p.database_size / biggest):.1f}")
    if line:
        out.append(f'<polyline points="{" ".join(line)}" fill="none" stroke="{RED}" '
                   f'stroke-width="2.5"/>')  # fmt: skip
        for point in line:
            cx, cy = point.split(",")
            out.append(f'<circle cx="{cx}" cy="{cy}" r="3.5" fill="{RED}"/>')
    legend_y = height - 8
    out.append(f'<rect x="{left}" y="{legend_y - 10}" width="12" height="12" fill="{BLUE}"/>'
               f'<text x="{left + 18}" y="{legend_y}">execution time</text>'
               f'<rect x="{left + 130}" y="{legend_y - 10}" width="12" height="12" fill="{RED}"/>'
               f'<text x="{left + 148}" y="{legend_y}">database size</text>')  # fmt: skip
    out.append("</svg>")
    return "\n".join(out)


def sizes(tables: Sequence[TableSize], width: int = 760) -> str:
    """Each table's size as one bar split into heap, indexes and TOAST."""
    label_w, value_w, row_h, top = 220, 90, 24, 8
    height = top + row_h * max(len(tables), 1) + 30
    peak = max((t.total_bytes for t in tables), default=0) or 1
    span = width - label_w - value_w
    out = _open(width, height, "Table sizes: heap, indexes and TOAST")
    for i, t in enumerate(tables):
        y = top + i * row_h
        out.append(f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end">'
                   f"{_label(f'{t.schema}.{t.name}', 32)}</text>")  # fmt: skip
        x = float(label_w)
        for part, color in ((t.heap_bytes, BLUE), (t.index_bytes, GREEN), (t.toast_bytes, AMBER)):
            w = part / peak * span
            if w > 0:
                out.append(f'<rect class="bar" x="{x:.1f}" y="{y + 4}" width="{w:.1f}" '
                           f'height="16" fill="{color}"/>')  # fmt: skip
            x += w
        out.append(f'<text x="{x + 6:.1f}" y="{y + 16}" fill="{GREY}">'
                   f"{escape(fmt.size(t.total_bytes))}</text>")  # fmt: skip
    legend_y = height - 8
    for j, (name, color) in enumerate((("heap", BLUE), ("indexes", GREEN), ("TOAST", AMBER))):
        x0 = label_w + j * 100
        out.append(f'<rect x="{x0}" y="{legend_y - 10}" width="12" height="12" fill="{color}"/>'
                   f'<text x="{x0 + 18}" y="{legend_y}">{name}</text>')  # fmt: skip
    out.append("</svg>")
    return "\n".join(out)
