from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from .common import guard


@guard
def init_cli(
    directory: Annotated[Path, typer.Argument(help="Folder to create the project in.")],
    name: Annotated[Optional[str], typer.Option(help="Study name (default: folder name).")] = None,
) -> None:
    """Scaffold a project: settings file, data/ (private) and reports/ (shareable)."""
    from ..project import init_project

    project = init_project(directory, name)
    typer.echo(f"Created fgkit project in {project.root}")
    typer.echo("  data/transcripts/     put transcripts here (private zone)")
    typer.echo("  data/participants.csv the participants register (private zone)")
    typer.echo("  codebooks/            codebooks (YAML)")
    typer.echo("  reports/              outputs safe to share (shareable zone)")
    typer.echo("Next: fgkit participants init, complete the register, then fgkit ingest.")
