"""Inline SVG charts: horizontal bars of participant share, readable without colour.

Each chart carries a <title> and a <desc> that states every value in words, so a screen reader
(and a reader of the printed page) gets the same facts. Suppressed cells draw no bar and say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

__all__ = ["Chart", "chart_png", "share_chart"]

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


def svg_head(chart_id: str, title: str, desc: str, n_rows: int, bar_width: int, value_width: int,
             label_width: int = LABEL_WIDTH) -> list[str]:
    """The opening of a labelled bar chart: the svg element sized for ``n_rows``, its accessible
    title and description, and the axis line; the caller adds the rows and the closing tag."""
    width = label_width + bar_width + value_width
    height = max(1, n_rows) * ROW_HEIGHT + 8
    tid, did = f"{chart_id}-title", f"{chart_id}-desc"
    return [
        (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
         f'viewBox="0 0 {width} {height}" aria-labelledby="{tid} {did}" class="chart">'),
        f'<title id="{tid}">{escape(title)}</title>',
        f'<desc id="{did}">{escape(desc)}</desc>',
        (f'<line x1="{label_width}" y1="2" x2="{label_width}" y2="{height - 4}" '
         f'stroke="{MUTED_COLOUR}" stroke-width="1"/>'),
    ]


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
    parts = svg_head(chart_id, title, desc, len(rows), BAR_WIDTH, VALUE_WIDTH)
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


def chart_png(chart: Chart, scale: int = 2) -> bytes:
    """The chart as a PNG, for formats that cannot hold SVG (the Word report).

    Draws the SVG's own shapes (lines, rectangles with their fill, stroke and dash, and text with
    its anchor), so the picture says exactly what the HTML chart says, at ``scale`` times the
    size for print. Pillow's bundled scalable font keeps the output the same on every machine."""
    import io
    import xml.etree.ElementTree as ET

    from PIL import Image, ImageDraw, ImageFont

    ns = "{http://www.w3.org/2000/svg}"
    root = ET.fromstring(chart.svg)
    width, height = int(float(root.get("width"))), int(float(root.get("height")))
    image = Image.new("RGB", (width * scale, height * scale), "white")
    draw = ImageDraw.Draw(image)

    def num(element, name: str) -> float:
        return float(element.get(name, 0)) * scale

    for element in root:
        tag = element.tag.removeprefix(ns)
        if tag == "line":
            draw.line([(num(element, "x1"), num(element, "y1")), (num(element, "x2"), num(element, "y2"))],
                      fill=element.get("stroke", TEXT_COLOUR), width=max(1, scale))
        elif tag == "rect":
            x, y = num(element, "x"), num(element, "y")
            box = [x, y, x + num(element, "width"), y + num(element, "height")]
            draw.rectangle(box, fill=element.get("fill", BAR_COLOUR))
            stroke = element.get("stroke")
            if stroke and element.get("stroke-dasharray"):
                _dashed_box(draw, box, stroke, scale)
            elif stroke:
                draw.rectangle(box, outline=stroke, width=scale)
        elif tag == "text":
            size = float(element.get("font-size", 13)) * scale
            font = ImageFont.load_default(size=size)
            anchor = "rs" if element.get("text-anchor") == "end" else "ls"
            draw.text((num(element, "x"), num(element, "y")), element.text or "",
                      fill=element.get("fill", TEXT_COLOUR), font=font, anchor=anchor)
    # A few palette entries, stored uncompressed: every pixel byte is a small index, never a
    # letter, so the leak gate (which reads every member of a .docx as text) cannot find a
    # name by chance in compressed image noise; the .docx zip compresses the file anyway.
    palette = Image.new("P", (1, 1))
    palette.putpalette([v for colour in _PALETTE for v in colour] + [255, 255, 255] * (256 - len(_PALETTE)))
    flat = image.quantize(palette=palette, dither=Image.Dither.NONE)
    out = io.BytesIO()
    flat.save(out, format="PNG", compress_level=0)
    return out.getvalue()


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))


# White, greys for text and its anti-aliased edges, the two blues of a bar and its edges.
# No channel value is an ASCII letter (0x41-0x5A, 0x61-0x7A), so the palette spells nothing.
_GREYS = (0xFF, 0xF2, 0xE6, 0xD8, 0xC8, 0xB8, 0xA8, 0x98, 0x8C, 0x80, 0x5B, 0x38, 0x2C, 0x1A, 0x00)
_PALETTE = [(g, g, g) for g in _GREYS] + [(0x1D, 0x3E, 0x91), (0x1D, 0x3E, 0x91), (0x8C, 0x9C, 0xC8),
                                          (0x5B, 0x80, 0xB8)]


def _dashed_box(draw, box, colour: str, scale: int) -> None:
    """A dashed outline: the unchecked part of a bar, as the SVG draws it (4 on, 2 off)."""
    x0, y0, x1, y1 = box
    on, off = 4 * scale, 2 * scale
    for a, b, horizontal, fixed in ((x0, x1, True, y0), (x0, x1, True, y1), (y0, y1, False, x0), (y0, y1, False, x1)):
        pos = a
        while pos < b:
            end = min(pos + on, b)
            line = [(pos, fixed), (end, fixed)] if horizontal else [(fixed, pos), (fixed, end)]
            draw.line(line, fill=colour, width=max(1, scale // 2))
            pos = end + off
