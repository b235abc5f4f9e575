"""The Markdown report: the same content as the HTML one, for wikis and plain-text review."""

from __future__ import annotations

from pathlib import Path

from ..shareable import publication
from .templating import render

__all__ = ["render_md", "write_md"]


def render_md(project, ctx) -> str:
    text = render(project, "report.md.j2", ctx=ctx)
    # Loops leave runs of blank lines; one is enough for every Markdown reader.
    lines, blank = [], False
    for line in text.splitlines():
        if not line.strip():
            if not blank:
                lines.append("")
            blank = True
            continue
        lines.append(line.rstrip())
        blank = False
    return "\n".join(lines).strip() + "\n"


def write_md(project, ctx) -> Path:
    with publication(project, "report") as out:
        return out.write_text("report.md", render_md(project, ctx))
