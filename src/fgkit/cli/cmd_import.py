from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from .common import ProjectOption, guard, load_project, recorded_run


@guard
def refi_cli(
    file: Annotated[Path, typer.Argument(
        help="A REFI-QDA project (.qdpx) coded in another tool on the pseudonymised "
             "transcripts.", dir_okay=False)],
    project: ProjectOption = None,
    coder: Annotated[Optional[str], typer.Option(
        help="Name for this coder (stored as refi:NAME); default: the user named in the "
             "file.")] = None,
) -> None:
    """Store another tool's codings as another coder's, for `fgkit agree` to compare."""
    from ..export.refi_import import import_refi

    proj = load_project(project)
    with recorded_run(proj, "import refi", inputs=[file], parameters={"coder": coder}) as (
        store, run_id,
    ):
        result = import_refi(proj, store, file, coder=coder, run_id=run_id)
    typer.echo(
        f"Read {result.selections} selection(s); {result.mapped_selections} mapped onto "
        f"segments; stored {result.stored} coding(s) as {', '.join(result.coders) or 'nobody'}."
    )
    if result.unmatched_sources:
        typer.echo(
            f"{len(result.unmatched_sources)} source(s) match no transcript in the store: "
            + ", ".join(result.unmatched_sources)
        )
    if result.invalid_selections:
        typer.echo(
            f"Warning: {result.invalid_selections} selection(s) have positions outside their "
            "source's text (negative, reversed or past its end) and were skipped; re-export "
            "the project from the other tool."
        )
    if result.unmapped_selections:
        typer.echo(f"{result.unmapped_selections} selection(s) overlap no segment (skipped).")
    if result.whole_source_codings:
        typer.echo(f"{result.whole_source_codings} whole-source coding(s) skipped.")
    if result.unknown_codes:
        typer.echo(
            "Codes not in the codebook (not stored; add them to the codebook or rename "
            "them in the other tool):"
        )
        for name, count in result.unknown_codes.items():
            typer.echo(f"  {name}: {count} coding(s)")
