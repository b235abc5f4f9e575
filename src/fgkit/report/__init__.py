"""Theme reports for co-production leads: HTML, Word, Markdown, and the matrix in Excel.

``build_reports`` builds one report context and hands it to every renderer, so all formats say
the same thing. Everything goes to the shareable zone through its one writer (``fgkit.shareable``),
which publishes the reports only once the leak gate has passed them.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["FORMATS", "build_reports"]

FORMATS = ("html", "docx", "md", "xlsx")
# Renderers import python-docx and openpyxl; load them only for the formats asked for.
WRITERS = {
    "html": ("render_html", "write_html"),
    "docx": ("render_docx", "write_docx"),
    "md": ("render_md", "write_md"),
    "xlsx": ("render_xlsx", "write_xlsx"),
}


def build_reports(project, store, analysis=None, formats=FORMATS, topics: bool | None = None) -> list[Path]:
    """Write the requested reports into ``reports/`` and return their paths.

    Without ``analysis`` the analysis stage runs first; ``topics`` then overrides the
    ``[topics] enabled`` setting (None: follow the setting).
    """
    from ..errors import ProjectError
    from ..shareable import publication
    from .context import build_context

    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise ProjectError(f"unknown report format {unknown[0]!r}; choose from {', '.join(FORMATS)}")
    n_segments = store.count_segments()
    if not n_segments:
        raise ProjectError("nothing to report: no coded segments in the store; run `fgkit code` first")
    if analysis is None:
        from ..analysis import analyse_project

        analysis = analyse_project(project, store, topics=topics)
    ctx = build_context(project, store, analysis)

    written = []
    # One publication: every format is gated before any replaces the last report, so a leak
    # leaves the previous reports in place, whole and consistent with each other.
    with publication(project, "report"):
        for fmt in FORMATS:
            if fmt in formats:
                written.append(_writer(fmt)(project, ctx))
    return written


def _writer(fmt: str):
    import importlib

    module, name = WRITERS[fmt]
    return getattr(importlib.import_module(f".{module}", __name__), name)
