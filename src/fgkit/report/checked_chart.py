"""Bars that show what a person checked apart from what the machine only suggested.

Each row draws a solid bar for the share of participants whose codings a person accepted, and
a light grey, dash-edged extension, labelled "unchecked", for the further share that rests only on
machine suggestions. A withheld cell draws no bar and says why. The <desc> states every value
in words, so a screen reader and a black-and-white print say the same as the picture.
(Built apart from ``charts.share_chart``, whose one-colour bars cannot show the difference.)
"""

from __future__ import annotations

from html import escape

from .charts import BAR_COLOUR, MUTED_COLOUR, TEXT_COLOUR, Chart, svg_head

__all__ = ["checked_chart"]

LABEL_WIDTH = 150
BAR_WIDTH = 260
VALUE_WIDTH = 250
ROW_HEIGHT = 26
HATCH = "#8c8c8c"  # 3.4:1 against white, with the pattern and the word "unchecked" besides


def _pct(share: float) -> int:
    return round(max(0.0, min(1.0, share)) * 100)


def checked_chart(chart_id: str, title: str, rows) -> Chart:
    """``rows`` carry ``label``, ``accepted_share`` and ``share`` (None when withheld),
    ``accepted_display`` and ``display``."""
    rows = list(rows)
    lines = []
    for r in rows:
        acc, anyshare = getattr(r, "accepted_share", None), r.share
        if acc is None and anyshare is None:
            lines.append(f"{r.label}: not shown ({r.display})")
            continue
        parts = []
        parts.append(f"checked {_pct(acc)}%" if acc is not None else f"checked: {r.accepted_display}")
        if anyshare is not None:
            parts.append(f"{_pct(anyshare)}% including unchecked machine suggestions")
        else:
            parts.append(f"including unchecked: {r.display}")
        lines.append(f"{r.label}: " + ", ".join(parts))
    desc = "; ".join(lines) + "." if lines else "No data."
    out = svg_head(chart_id, title, desc, len(rows), BAR_WIDTH, VALUE_WIDTH, LABEL_WIDTH)
    for i, r in enumerate(rows):
        y = 4 + i * ROW_HEIGHT
        mid = y + ROW_HEIGHT / 2 + 4
        out.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{mid:.0f}" text-anchor="end" font-size="13" '
            f'fill="{TEXT_COLOUR}">{escape(r.label)}</text>'
        )
        acc, anyshare = getattr(r, "accepted_share", None), r.share
        if acc is None and anyshare is None:
            out.append(
                f'<text x="{LABEL_WIDTH + 8}" y="{mid:.0f}" font-size="13" font-style="italic" '
                f'fill="{MUTED_COLOUR}">not shown: {escape(r.display)}</text>'
            )
            continue
        solid = (_pct(acc) / 100) * BAR_WIDTH if acc is not None else 0.0
        total = (_pct(anyshare) / 100) * BAR_WIDTH if anyshare is not None else solid
        if solid > 0:
            out.append(f'<rect x="{LABEL_WIDTH}" y="{y + 4}" width="{solid:.1f}" '
                       f'height="{ROW_HEIGHT - 8}" fill="{BAR_COLOUR}" class="bar-checked"/>')
        if total > solid:
            out.append(f'<rect x="{LABEL_WIDTH + solid:.1f}" y="{y + 4}" width="{total - solid:.1f}" '
                       f'height="{ROW_HEIGHT - 8}" fill="#e6e6e6" stroke="{HATCH}" stroke-dasharray="4 2" '
                       f'class="bar-unchecked"/>')
        if acc is None:
            label = f"{_pct(anyshare)}% including unchecked"
        else:
            label = f"{_pct(acc)}% checked"
            if anyshare is not None and total > solid:
                label += f" + {_pct(anyshare) - _pct(acc)}% unchecked"
        out.append(
            f'<text x="{LABEL_WIDTH + max(total, solid) + 6:.1f}" y="{mid:.0f}" font-size="13" '
            f'fill="{TEXT_COLOUR}">{escape(label)}</text>'
        )
    out.append("</svg>")
    return Chart(chart_id, title, desc, "".join(out))
