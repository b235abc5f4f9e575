from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from .common import ProjectOption, guard, load_project, recorded_run


@guard
def code_cli(
    project: ProjectOption = None,
    codebook: Annotated[Optional[Path], typer.Option(
        "--codebook", "-c", help="Codebook YAML (default: [coding] codebook in fgkit.toml).",
        dir_okay=False)] = None,
    level: Annotated[Optional[str], typer.Option(
        "--level", help="Segment level: turn or sentence (default: [coding] segment_level).")] = None,
) -> None:
    """Suggest codes for every participant segment with the codebook's rules.

    Writes the codings to the working store and reports/codings.csv (and .parquet);
    review decisions already made are kept and shown.
    """
    from ..codebook import load_codebook
    from ..coding.run import code_project

    proj = load_project(project)
    codebook_path = codebook.resolve() if codebook else proj.codebook_path
    book = load_codebook(codebook_path)  # an invalid codebook stops here, before any run
    parameters = {"codebook": str(codebook_path), "codebook_sha256": book.sha256,
                  "level": level or proj.settings.coding.segment_level}
    with recorded_run(proj, "code", inputs=[codebook_path], parameters=parameters) as (store, run_id):
        result = code_project(proj, store, codebook_path, level, run_id=run_id)
    typer.echo(
        f"Coded {result.n_segments} {result.level} segments from {result.n_turns} turns: "
        f"{result.n_codings} suggestions ({result.n_parsed} texts parsed, "
        f"{result.n_cached} from cache)."
    )
    if result.by_code_role is None or result.by_code_role.empty:
        typer.echo("No codings in force. Check the codebook's patterns or that "
                   "`fgkit pseudonymise` has run.")
    else:
        typer.echo("\nCodings in force per code and role:")
        typer.echo(result.by_code_role.to_string())
    for path in result.outputs:
        typer.echo(f"Wrote {path}")
