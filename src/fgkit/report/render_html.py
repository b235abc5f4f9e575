"""The HTML report: one self-contained file (inline CSS and SVG, no script, no network)."""

from __future__ import annotations

from pathlib import Path

from ..shareable import publication
from .templating import render

__all__ = ["render_html", "write_html"]


def render_html(project, ctx) -> str:
    return render(project, "report.html.j2", ctx=ctx)


def write_html(project, ctx) -> Path:
    with publication(project, "report") as out:
        return out.write_text("report.html", render_html(project, ctx))
