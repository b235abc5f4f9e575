from __future__ import annotations

from typing import Annotated

import typer

from .common import ProjectOption, guard, load_project, recorded_run


@guard
def report_cli(
    project: ProjectOption = None,
    formats: Annotated[
        list[str] | None,
        typer.Option(
            "--format",
            "-f",
            help="Write only this format (html, docx, md, xlsx); repeat for several. Default: all.",
        ),
    ] = None,
    topics: Annotated[
        bool | None,
        typer.Option(
            "--topics/--no-topics",
            help="Compute candidate topics (slow on a first run) or skip them. Default: the "
            "[topics] enabled setting.",
        ),
    ] = None,
) -> None:
    """Write the theme report (HTML, Word, Markdown) and the framework matrix (Excel) to reports/."""
    from ..report import FORMATS, build_reports

    proj = load_project(project)
    chosen = tuple(formats) if formats else FORMATS
    inputs = [proj.codebook_path] if proj.codebook_path.is_file() else []
    parameters = {"formats": list(chosen), "topics": topics}
    with recorded_run(proj, "report", inputs=inputs, parameters=parameters) as (store, _):
        paths = build_reports(proj, store, formats=chosen, topics=topics)
    for path in paths:
        typer.echo(f"wrote {path.relative_to(proj.root) if path.is_relative_to(proj.root) else path}")
    if any(p.suffix == ".html" for p in paths):
        typer.echo("The HTML report works offline in any browser and prints on A4.")
