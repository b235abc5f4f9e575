"""Inline SVG charts: horizontal bars of participant share, readable without colour.

Each chart carries a <title> and a <desc> that states every value in words, so a screen reader
(and a reader of the printed page) gets the same facts. Suppressed cells draw no bar and say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

__all__ = ["Chart", "share_chart"]

BAR_COLOUR = "#1d4f91"  # 8.6:1 against white: passes the 3:1 rule for graphics with margin
TEXT_COLOUR = "#1a1a1a"
MUTED_COLOUR = "#595959"  # 7:1 against white
LABEL_WIDTH = 150
BAR_WIDTH = 300
ROW_HEIGHT = 26
VALUE_WIDTH = 230


@dataclass(frozen=True)
class Chart:
    chart_id: str
    title: str
    desc: str
    svg: str


def share_chart(chart_id: str, title: str, rows) -> Chart:
    """A bar per row (``label``, ``share`` or None when suppressed, ``display``)."""
    rows = list(rows)
    lines = []
    for r in rows:
        if r.share is None:
            lines.append(f"{r.label}: not shown ({r.display})")
        else:
            lines.append(f"{r.label}: {round(r.share * 100)}% of participants ({r.display})")
    desc = "; ".join(lines) + "." if lines else "No data."
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    height = max(1, len(rows)) * ROW_HEIGHT + 8
    tid, did = f"{chart_id}-title", f"{chart_id}-desc"
    parts = [
        (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-labelledby="{tid} {did}" class="chart">'),
        f'<title id="{tid}">{escape(title)}</title>',
        f'<desc id="{did}">{escape(desc)}</desc>',
        (f'<line x1="{LABEL_WIDTH}" y1="2" x2="{LABEL_WIDTH}" y2="{height - 4}" '
        f'stroke="{MUTED_COLOUR}" stroke-width="1"/>'),
    ]
    for i, r in enumerate(rows):
        y = 4 + i * ROW_HEIGHT
        mid = y + ROW_HEIGHT / 2 + 4
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{mid:.0f}" text-anchor="end" font-size="13" '
            f'fill="{TEXT_COLOUR}">{escape(r.label)}</text>'
        )
        if r.share is None:
            parts.append(
                f'<text x="{LABEL_WIDTH + 8}" y="{mid:.0f}" font-size="13" font-style="italic" '
                f'fill="{MUTED_COLOUR}">not shown: {escape(r.display)}</text>'
            )
            continue
        bar = max(0.0, min(1.0, r.share)) * BAR_WIDTH
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{y + 4}" width="{bar:.1f}" height="{ROW_HEIGHT - 8}" '
            f'fill="{BAR_COLOUR}"/>'
        )
        parts.append(
            f'<text x="{LABEL_WIDTH + bar + 6:.1f}" y="{mid:.0f}" font-size="13" '
            f'fill="{TEXT_COLOUR}">{round(r.share * 100)}%</text>'
        )
    parts.append("</svg>")
    return Chart(chart_id, title, desc, "".join(parts))
